package io.tributary.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User topics and consumer groups on the embedded broker: split, redelivery, commits, lag. */
class ConsumerGroupsTest {
  @TempDir static Path dataDir;
  private static Log log;

  @BeforeAll
  static void start() {
    log = Log.open(LogConfig.embedded(dataDir));
    log.start();
  }

  @AfterAll
  static void stop() {
    log.close();
  }

  private static void write(String topic, int partition, int count) {
    List<CompletableFuture<LogPosition>> appends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      appends.add(
          log.writer().append(topic, partition, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
    }
    appends.forEach(CompletableFuture::join);
  }

  /** Polls both members until {@code until} holds (each poll also keeps them in the group). */
  private static void pollBoth(
      GroupConsumer a, List<LogRecord> ra, GroupConsumer b, List<LogRecord> rb, Check until) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              ra.addAll(a.poll(Duration.ofMillis(50)));
              if (b != null) {
                rb.addAll(b.poll(Duration.ofMillis(50)));
              }
              return until.holds();
            });
  }

  interface Check {
    boolean holds();
  }

  @Test
  void shouldSplitPartitionsAndRedeliverWhatAMemberThatLeftNeverCommitted() {
    TopicAdmin admin = log.topicAdmin();
    String topic = LogTopics.userTopic(4711);
    admin.createTopic(topic, 2);
    admin.createTopic(topic, 2); // idempotent
    String group = LogTopics.consumerGroup("topic-4711", null, "g");

    GroupConsumer a = log.joinGroup(group, topic, GroupConsumer.Start.EARLIEST, 0);
    GroupConsumer b = log.joinGroup(group, topic, GroupConsumer.Start.EARLIEST, 0);
    List<LogRecord> ra = new ArrayList<>();
    List<LogRecord> rb = new ArrayList<>();
    pollBoth(a, ra, b, rb, () -> a.assignment().size() == 1 && b.assignment().size() == 1);
    write(topic, 0, 3);
    write(topic, 1, 5);
    pollBoth(a, ra, b, rb, () -> ra.size() + rb.size() == 8);
    assertThat(a.assignment()).doesNotContainAnyElementsOf(b.assignment());
    int aPartition = a.assignment().iterator().next();
    assertThat(ra).allSatisfy(r -> assertThat(r.position().partition()).isEqualTo(aPartition));

    // b commits what it read; a leaves without committing
    int bPartition = b.assignment().iterator().next();
    long bEnd = rb.get(rb.size() - 1).offset() + 1;
    CompletableFuture<Void> committed = b.commit(Map.of(bPartition, bEnd));
    pollBoth(a, ra, b, rb, committed::isDone);
    committed.join();
    int aRead = ra.size();
    a.close();

    List<LogRecord> again = new ArrayList<>();
    pollBoth(
        b, again, null, null, () -> b.assignment().equals(Set.of(0, 1)) && again.size() == aRead);
    assertThat(again).allSatisfy(r -> assertThat(r.position().partition()).isEqualTo(aPartition));
    assertThat(admin.committedOffsets(group, topic)).containsEntry(bPartition, bEnd);
    b.close();

    // without members, the admin commits (ACK) and reports the lag's inputs
    admin.commitOffsets(group, topic, Map.of(aPartition, 1L));
    assertThat(admin.committedOffsets(group, topic)).containsEntry(aPartition, 1L);
    assertThat(admin.endOffsets(topic)).containsEntry(0, 3L).containsEntry(1, 5L);
    assertThat(admin.groups(LogTopics.GROUP_PREFIX)).contains(group);
    assertThat(LogTopics.parseConsumerGroup(group))
        .isEqualTo(new LogTopics.ConsumerGroupName("topic-4711", null, "g"));

    admin.deleteTopic(topic);
    await().atMost(Duration.ofSeconds(30)).until(() -> admin.partitions(topic).isEmpty());
  }

  private static GroupConsumer joinedWithRecords(String topic, String group, int records) {
    GroupConsumer m = log.joinGroup(group, topic, GroupConsumer.Start.EARLIEST, 0);
    List<LogRecord> read = new ArrayList<>();
    pollBoth(m, read, null, null, m::joined);
    write(topic, 0, records);
    pollBoth(m, read, null, null, () -> read.size() == records);
    return m;
  }

  @Test
  void aNegativeOffsetFailsItsCommitAtOnceAndTheMemberReadsOn() {
    TopicAdmin admin = log.topicAdmin();
    String topic = LogTopics.userTopic(4712);
    admin.createTopic(topic, 1);
    String group = LogTopics.consumerGroup("topic-4712", null, "g");
    GroupConsumer m = joinedWithRecords(topic, group, 3);

    CompletableFuture<Void> bad = m.commit(Map.of(0, -5L));
    m.runPendingCommits();
    assertThat(bad).isCompletedExceptionally();

    CompletableFuture<Void> good = m.commit(Map.of(0, 2L));
    pollBoth(m, new ArrayList<>(), null, null, good::isDone);
    good.join();
    assertThat(admin.committedOffsets(group, topic)).containsEntry(0, 2L);
    m.close();
    admin.deleteTopic(topic);
  }

  @Test
  void closingCommitsWhatIsQueuedAndACommitAfterCloseFailsAtOnce() {
    TopicAdmin admin = log.topicAdmin();
    String topic = LogTopics.userTopic(4713);
    admin.createTopic(topic, 1);
    String group = LogTopics.consumerGroup("topic-4713", null, "g");
    GroupConsumer m = joinedWithRecords(topic, group, 3);

    CompletableFuture<Void> queued = m.commit(Map.of(0, 2L));
    m.close();
    assertThat(queued).isCompleted();
    assertThat(admin.committedOffsets(group, topic)).containsEntry(0, 2L);
    assertThat(m.commit(Map.of(0, 3L))).isCompletedExceptionally();
    admin.deleteTopic(topic);
  }

  @Test
  void aMemberWaitingForItsReaderLetsARebalanceCompleteAndCommits() {
    TopicAdmin admin = log.topicAdmin();
    String topic = LogTopics.userTopic(4714);
    admin.createTopic(topic, 2);
    String group = LogTopics.consumerGroup("topic-4714", null, "g");
    GroupConsumer a = joinedWithRecords(topic, group, 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> a.assignment().equals(Set.of(0, 1)));

    // a only carries out commits (its reader is not ready); b joins, which starts a rebalance
    GroupConsumer b = log.joinGroup(group, topic, GroupConsumer.Start.EARLIEST, 0);
    List<LogRecord> rb = new ArrayList<>();
    CompletableFuture<Void> commit = a.commit(Map.of(0, 3L));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              a.runPendingCommits();
              rb.addAll(b.poll(Duration.ofMillis(50)));
              return commit.isDone() && b.assignment().size() == 1;
            });
    commit.join();
    assertThat(a.assignment()).hasSize(1).doesNotContainAnyElementsOf(b.assignment());
    assertThat(admin.committedOffsets(group, topic)).containsEntry(0, 3L);
    a.close();
    b.close();
    admin.deleteTopic(topic);
  }
}
