package io.tributary.materializer.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the broker says about the materializer's group and about open transactions, for the log of a
 * start that stays in REBALANCING (issue 13): a restart whose stream thread keeps retrying its
 * committed-offset fetch waits for a transaction the killed run left open or half-completed, and
 * this names it (its state, its age, the partitions its markers still have to reach).
 */
final class StallReport {
  /** How long each look-up may take: the report must not hold a start up much longer. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

  private static final String OFFSETS_TOPIC = "__consumer_offsets";

  private StallReport() {}

  static String describe(Map<String, Object> clientConfig, String groupId) {
    StringBuilder out = new StringBuilder();
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) LOOKUP_TIMEOUT.toMillis());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) LOOKUP_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(config)) {
      Comparator<TopicPartition> byName = Comparator.comparing(TopicPartition::toString);
      Set<TopicPartition> assigned = new TreeSet<>(byName);
      try {
        ConsumerGroupDescription group =
            admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
        out.append("\n  group ")
            .append(groupId)
            .append(": ")
            .append(group.groupState())
            .append(", members ");
        group
            .members()
            .forEach(
                m -> {
                  assigned.addAll(m.assignment().topicPartitions());
                  out.append(m.groupInstanceId().orElse(m.consumerId()))
                      .append(" (")
                      .append(m.assignment().topicPartitions().size())
                      .append(" partitions) ");
                });
      } catch (Exception e) {
        out.append("\n  group ").append(groupId).append(": cannot describe: ").append(failure(e));
      }
      try {
        // The admin client leaves out (with a WARN) each partition answered
        // UNSTABLE_OFFSET_COMMIT instead of failing: ask for the assigned partitions by name and
        // name those missing from the answer.
        ListConsumerGroupOffsetsSpec spec = new ListConsumerGroupOffsetsSpec();
        if (!assigned.isEmpty()) {
          spec.topicPartitions(assigned);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin
                .listConsumerGroupOffsets(
                    Map.of(groupId, spec),
                    new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata(groupId)
                .get(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Set<TopicPartition> unstable = new TreeSet<>(byName);
        unstable.addAll(assigned);
        unstable.removeAll(offsets.keySet());
        out.append(
            unstable.isEmpty()
                ? "\n  committed offsets: stable"
                : "\n  committed offsets: not stable (a transactional offset commit pending) for "
                    + unstable);
      } catch (Exception e) {
        out.append("\n  committed offsets: not stable within ")
            .append(LOOKUP_TIMEOUT.toMillis())
            .append(" ms: ")
            .append(failure(e));
      }
      // Who holds the pending offset commit: a producer with a transaction open on the offsets
      // topic. One that no open transaction below accounts for lost its marker (a hanging
      // transaction, which only kafka-transactions.sh abort ends).
      try {
        List<TopicPartition> offsetsTopic = new ArrayList<>();
        admin
            .describeTopics(List.of(OFFSETS_TOPIC))
            .allTopicNames()
            .get(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .get(OFFSETS_TOPIC)
            .partitions()
            .forEach(p -> offsetsTopic.add(new TopicPartition(OFFSETS_TOPIC, p.partition())));
        admin
            .describeProducers(offsetsTopic)
            .all()
            .get(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .forEach(
                (tp, state) ->
                    state.activeProducers().stream()
                        .filter(p -> p.currentTransactionStartOffset().isPresent())
                        .forEach(
                            p ->
                                out.append("\n  open on ")
                                    .append(tp)
                                    .append(": producer ")
                                    .append(p.producerId())
                                    .append(" epoch ")
                                    .append(p.producerEpoch())
                                    .append(" since offset ")
                                    .append(p.currentTransactionStartOffset().getAsLong())
                                    .append(", last written ")
                                    .append(System.currentTimeMillis() - p.lastTimestamp())
                                    .append(" ms ago")));
      } catch (Exception e) {
        out.append("\n  ")
            .append(OFFSETS_TOPIC)
            .append(": cannot describe producers: ")
            .append(failure(e));
      }
      try {
        for (TransactionListing listing : admin.listTransactions().all().get()) {
          if (listing.state() == TransactionState.COMPLETE_COMMIT
              || listing.state() == TransactionState.COMPLETE_ABORT
              || listing.state() == TransactionState.EMPTY) {
            continue;
          }
          String id = listing.transactionalId();
          out.append("\n  transaction ").append(id).append(": ").append(listing.state());
          try {
            TransactionDescription d =
                admin.describeTransactions(List.of(id)).description(id).get();
            out.append(", producer ")
                .append(d.producerId())
                .append(" epoch ")
                .append(d.producerEpoch())
                .append(", started ")
                .append(
                    d.transactionStartTimeMs().isPresent()
                        ? (System.currentTimeMillis() - d.transactionStartTimeMs().getAsLong())
                            + " ms ago"
                        : "-")
                .append(", timeout ")
                .append(d.transactionTimeoutMs())
                .append(" ms, partitions ")
                .append(d.topicPartitions());
          } catch (Exception e) {
            out.append(", cannot describe: ").append(failure(e));
          }
        }
      } catch (Exception e) {
        out.append("\n  transactions: cannot list: ").append(failure(e));
      }
    } catch (RuntimeException e) {
      out.append("\n  cannot ask the broker: ").append(failure(e));
    }
    return out.toString();
  }

  /** The failure of one look-up, for the report; keeps an interrupt for the caller. */
  private static String failure(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return e.toString();
  }
}
