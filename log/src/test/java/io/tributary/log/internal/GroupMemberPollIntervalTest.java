package io.tributary.log.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.log.GroupConsumer;
import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogPosition;
import io.tributary.log.LogRecord;
import io.tributary.log.LogTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose reader is slower than Kafka's {@code max.poll.interval.ms} (a consume stream whose
 * client handles records slowly: the stream waits for the client and only carries out acks) stays
 * in its group and keeps its partitions: nothing it holds goes to another member. Its members here
 * have a poll interval of 1.5 s; the control shows that a member that stops polling for longer does
 * lose its partitions.
 */
class GroupMemberPollIntervalTest {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(1_500);
  private static final Duration SLOW = POLL_INTERVAL.multipliedBy(3);

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

  private static GroupConsumer join(String group, String topic) {
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) POLL_INTERVAL.toMillis());
    return new KafkaGroupConsumer(config, group, topic, GroupConsumer.Start.EARLIEST, 0);
  }

  private static void write(String topic, int partition, int count) {
    List<CompletableFuture<LogPosition>> appends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      appends.add(
          log.writer().append(topic, partition, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
    }
    appends.forEach(CompletableFuture::join);
  }

  /** Joins a and b, a first; each holds one partition, a has committed all it read. */
  private static void splitAndCommit(
      GroupConsumer a, GroupConsumer b, String topic, List<LogRecord> ra, List<LogRecord> rb) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              ra.addAll(a.poll(Duration.ofMillis(50)));
              return a.assignment().equals(Set.of(0, 1));
            });
    write(topic, 0, 3);
    write(topic, 1, 3);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              ra.addAll(a.poll(Duration.ofMillis(50)));
              return ra.size() == 6;
            });
    Map<Integer, Long> next = new HashMap<>();
    ra.forEach(r -> next.merge(r.position().partition(), r.offset() + 1, Math::max));
    CompletableFuture<Void> committed = a.commit(next);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              ra.addAll(a.poll(Duration.ofMillis(50)));
              return committed.isDone();
            });
    committed.join();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              ra.addAll(a.poll(Duration.ofMillis(50)));
              rb.addAll(b.poll(Duration.ofMillis(50)));
              return a.assignment().size() == 1 && b.assignment().size() == 1;
            });
  }

  @Test
  void aMemberThatOnlyCarriesOutAcksLongerThanThePollIntervalKeepsItsPartitions() {
    String topic = LogTopics.userTopic(4801);
    log.topicAdmin().createTopic(topic, 2);
    String group = LogTopics.consumerGroup("topic-4801", null, "slow");
    List<LogRecord> ra = new ArrayList<>();
    List<LogRecord> rb = new ArrayList<>();
    try (GroupConsumer a = join(group, topic);
        GroupConsumer b = join(group, topic)) {
      splitAndCommit(a, b, topic, ra, rb);
      int held = a.assignment().iterator().next();
      write(topic, held, 2); // were a to lose its partition, b would read these

      // a's client is slow: a reads nothing for three poll intervals, it only carries out acks
      long until = System.nanoTime() + SLOW.toNanos();
      await()
          .atMost(SLOW.plusSeconds(30))
          .until(
              () -> {
                a.runPendingCommits();
                rb.addAll(b.poll(Duration.ofMillis(50)));
                assertThat(a.assignment()).containsExactly(held);
                return System.nanoTime() >= until;
              });
      assertThat(rb).noneMatch(r -> r.position().partition() == held);

      List<LogRecord> after = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                after.addAll(a.poll(Duration.ofMillis(50)));
                rb.addAll(b.poll(Duration.ofMillis(50)));
                return after.size() == 2;
              });
      assertThat(after).allMatch(r -> r.position().partition() == held);
      assertThat(a.assignment()).containsExactly(held);
      assertThat(rb).noneMatch(r -> r.position().partition() == held);
    }
  }

  /** The control: the poll interval is in force, a member that does not poll at all loses out. */
  @Test
  void aMemberThatStopsPollingLongerThanThePollIntervalLosesItsPartitions() {
    String topic = LogTopics.userTopic(4802);
    log.topicAdmin().createTopic(topic, 2);
    String group = LogTopics.consumerGroup("topic-4802", null, "stalled");
    List<LogRecord> ra = new ArrayList<>();
    List<LogRecord> rb = new ArrayList<>();
    try (GroupConsumer a = join(group, topic);
        GroupConsumer b = join(group, topic)) {
      splitAndCommit(a, b, topic, ra, rb);
      int held = a.assignment().iterator().next();
      write(topic, held, 2);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                rb.addAll(b.poll(Duration.ofMillis(50)));
                return b.assignment().equals(Set.of(0, 1))
                    && rb.stream().filter(r -> r.position().partition() == held).count() == 2;
              });
    }
  }
}
