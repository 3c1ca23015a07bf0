package io.tributary.log.internal;

import io.tributary.log.LogException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Refuses to start a node while another one serves the cluster ({@link
 * io.tributary.log.LogConfig#withExclusiveGroup}).
 *
 * <p>Why a consumer group and not a lease record of our own: the members of the materializer's
 * group are exactly the nodes whose Kafka Streams would split the partitions with a newcomer, their
 * liveness is what Kafka itself tracks (heartbeats, session timeout, leaving on a clean close), and
 * reading it needs no extra topic, clock or renewal. It does not close the race of two nodes
 * starting at the same moment: both may find the group empty.
 */
final class ExclusiveGroup {
  private ExclusiveGroup() {}

  /**
   * @throws LogException when {@code groupId} has active members, or cannot be described
   */
  static void requireNoActiveMember(Admin admin, String groupId, String self, Duration timeout) {
    ConsumerGroupDescription group;
    try {
      group =
          admin
              .describeConsumerGroups(List.of(groupId))
              .describedGroups()
              .get(groupId)
              .get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof GroupIdNotFoundException) {
        return; // never created: nobody has served this cluster yet
      }
      throw cannotCheck(groupId, EmbeddedBroker.describe(cause), cause);
    } catch (TimeoutException e) {
      throw cannotCheck(groupId, "timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cannotCheck(groupId, "interrupted", e);
    }
    // A member with this node's own static instance id is its previous run, dead after a crash:
    // joining with the same instance id takes its place at once.
    List<MemberDescription> members =
        group.members().stream().filter(m -> !isSelf(m, self)).toList();
    if (members.isEmpty()) {
      return;
    }
    String hosts =
        members.stream()
            .map(MemberDescription::host)
            .distinct()
            .sorted()
            .collect(Collectors.joining(", "));
    throw LogException.cannot(
        "start",
        String.format(
            "another Tributary node is already serving this cluster (consumer group '%s' has %d"
                + " active member%s, from %s); running several nodes on one cluster is not"
                + " supported yet",
            groupId, members.size(), members.size() == 1 ? "" : "s", hosts));
  }

  private static boolean isSelf(MemberDescription member, String self) {
    String instance = member.groupInstanceId().orElse(null);
    return self != null
        && instance != null
        && (instance.equals(self) || instance.startsWith(self + "-"));
  }

  private static LogException cannotCheck(String groupId, String reason, Throwable cause) {
    return LogException.cannot(
        "start",
        "cannot check whether another Tributary node is serving this cluster (describing consumer"
            + " group '"
            + groupId
            + "' failed: "
            + reason
            + ")",
        cause);
  }
}
