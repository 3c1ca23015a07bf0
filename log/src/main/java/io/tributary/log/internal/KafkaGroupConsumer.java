package io.tributary.log.internal;

import io.tributary.log.GroupConsumer;
import io.tributary.log.LogException;
import io.tributary.log.LogPosition;
import io.tributary.log.LogRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The {@link GroupConsumer}: one subscribed {@link KafkaConsumer}. Commits from other threads are
 * queued and carried out by the polling thread. Not API.
 */
final class KafkaGroupConsumer implements GroupConsumer {
  private static final int MAX_POLL_RECORDS = 5_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long a call to the broker (commit, committed offsets, position) may block: without it the
   * client waits its default 60 s, for example on a topic that was deleted meanwhile.
   */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private record PendingCommit(Map<Integer, Long> offsets, CompletableFuture<Void> done) {}

  private final String group;
  private final String topic;
  private final Start start;
  private final long startOffset;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final ConcurrentLinkedQueue<PendingCommit> commits = new ConcurrentLinkedQueue<>();
  private volatile Set<Integer> assignment = Set.of();
  private volatile boolean joined;

  /** The offset of the last record returned, per partition (written by the polling thread). */
  private final Map<Integer, Long> lastReturned = new ConcurrentHashMap<>();

  /**
   * The group's committed offset of each assigned partition, as this member knows it: read when the
   * partition is assigned, then moved by its own commits (polling thread only). While this member
   * holds a partition, no one else commits on it.
   */
  private final Map<Integer, Long> committed = new HashMap<>();

  private boolean closed;

  /** How often a member whose reader waits polls (without taking records) to stay in its group. */
  private static final Duration KEEP_ALIVE_EVERY = Duration.ofMillis(500);

  private long lastKeepAlive = System.nanoTime();

  /** Set once the consumer was closed: commits fail at once. */
  private volatile boolean closeDone;

  KafkaGroupConsumer(
      Map<String, Object> clientConfig, String group, String topic, Start start, long startOffset) {
    this.group = group;
    this.topic = topic;
    this.start = start;
    this.startOffset = startOffset;
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
    config.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, start == Start.LATEST ? "latest" : "earliest");
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
    config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
    config.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-consume-" + group);
    this.consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic), new Listener());
  }

  /** Keeps {@link #assignment} and commits the start of partitions the group never committed. */
  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      runCommits(); // while the partitions are still this member's
      forget(partitions);
      update();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
      update();
    }

    private void forget(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        committed.remove(tp.partition());
        lastReturned.remove(tp.partition());
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      update();
      joined = true;
      if (partitions.isEmpty()) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> committedNow =
          consumer.committed(new HashSet<>(partitions), CALL_TIMEOUT);
      Map<TopicPartition, OffsetAndMetadata> starts = new HashMap<>();
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata known = committedNow.get(tp);
        if (known != null) {
          committed.put(tp.partition(), known.offset());
        } else {
          if (start == Start.OFFSET) {
            consumer.seek(tp, startOffset);
          }
          starts.put(tp, new OffsetAndMetadata(consumer.position(tp, CALL_TIMEOUT)));
        }
      }
      if (!starts.isEmpty()) {
        consumer.commitSync(starts, CALL_TIMEOUT);
        starts.forEach((tp, o) -> committed.put(tp.partition(), o.offset()));
      }
    }

    private void update() {
      Set<Integer> now = new HashSet<>();
      for (TopicPartition tp : consumer.assignment()) {
        now.add(tp.partition());
      }
      assignment = Set.copyOf(now);
    }
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public List<LogRecord> poll(Duration timeout) {
    runCommits();
    ConsumerRecords<byte[], byte[]> polled;
    try {
      polled = consumer.poll(timeout);
    } catch (WakeupException e) {
      polled = ConsumerRecords.empty();
    } catch (RuntimeException e) {
      throw LogException.cannot(
          "read " + topic + " in group " + group, EmbeddedBroker.describe(e), e);
    }
    runCommits();
    if (polled.isEmpty()) {
      return List.of();
    }
    List<LogRecord> out = new ArrayList<>(polled.count());
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      lastReturned.put(r.partition(), r.offset());
      out.add(
          new LogRecord(
              new LogPosition(r.topic(), r.partition(), r.offset()),
              r.key(),
              r.value(),
              r.timestamp()));
    }
    return out;
  }

  @Override
  public void runPendingCommits() {
    if (closeDone) {
      return;
    }
    runCommits();
    long now = System.nanoTime();
    if (!commits.isEmpty() || now - lastKeepAlive >= KEEP_ALIVE_EVERY.toNanos()) {
      lastKeepAlive = now;
      keepAlive();
      runCommits(); // those re-queued while the group was rebalancing
    }
  }

  /**
   * Polls without taking records, so that the member stays in its group while its reader waits and
   * a rebalance (which holds up commits) can complete: the assigned partitions are paused; records
   * of partitions assigned meanwhile are put back (the next {@link #poll} returns them).
   */
  private void keepAlive() {
    Set<TopicPartition> paused = new HashSet<>(consumer.assignment());
    consumer.pause(paused);
    try {
      ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ZERO);
      for (TopicPartition tp : polled.partitions()) {
        consumer.seek(tp, polled.records(tp).get(0).offset());
      }
    } catch (WakeupException e) {
      // a commit arrived: the caller runs it
    } catch (RuntimeException e) {
      throw LogException.cannot(
          "read " + topic + " in group " + group, EmbeddedBroker.describe(e), e);
    } finally {
      Set<TopicPartition> stillAssigned = new HashSet<>(paused);
      stillAssigned.retainAll(consumer.assignment());
      consumer.resume(stillAssigned);
    }
  }

  /**
   * Carries out the queued commits; each one's future completes, or it is queued again when the
   * consumer was woken or the group is rebalancing (the next poll completes that).
   */
  private void runCommits() {
    PendingCommit c;
    while ((c = commits.poll()) != null) {
      try {
        Map<TopicPartition, OffsetAndMetadata> request = request(c);
        consumer.commitSync(request, CALL_TIMEOUT);
        request.forEach(
            (tp, o) -> {
              if (consumer.assignment().contains(tp)) {
                committed.put(tp.partition(), o.offset());
              }
            });
        c.done().complete(null);
      } catch (WakeupException | RebalanceInProgressException e) {
        // woken, or the group is rebalancing (its next poll completes that): retry after it
        commits.add(c);
        return;
      } catch (RuntimeException e) {
        c.done()
            .completeExceptionally(
                LogException.cannot(
                    "commit offsets of group " + group + " on " + topic,
                    EmbeddedBroker.describe(e),
                    e));
      }
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> request(PendingCommit c) {
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    c.offsets()
        .forEach(
            (p, o) -> {
              if (o < 0) {
                throw new IllegalArgumentException(
                    "offset " + o + " of partition " + p + " is negative");
              }
              TopicPartition tp = new TopicPartition(topic, p);
              if (!consumer.assignment().contains(tp)) {
                // The broker would take it (it checks the member, not the partition) and could
                // move the holder's committed offset back.
                throw new IllegalArgumentException(
                    "partition " + p + " is not assigned to this member (the group rebalanced)");
              }
              long next = o;
              Long last = lastReturned.get(p);
              if (last != null && o == last + 1) {
                // Everything returned is committed: skip the transaction markers after it too,
                // so a caught-up group shows no lag.
                next = Math.max(o, consumer.position(tp, CALL_TIMEOUT));
              }
              Long known = committed.get(p);
              if (known != null) {
                next = Math.max(next, known); // never back
              }
              request.put(tp, new OffsetAndMetadata(next));
            });
    return request;
  }

  @Override
  public boolean joined() {
    return joined;
  }

  @Override
  public Set<Integer> assignment() {
    return assignment;
  }

  @Override
  public Map<Integer, Long> positions() {
    Map<Integer, Long> out = new HashMap<>();
    try {
      for (TopicPartition tp : consumer.assignment()) {
        out.put(tp.partition(), consumer.position(tp, CALL_TIMEOUT));
      }
    } catch (RuntimeException e) {
      throw LogException.cannot(
          "read the positions of group " + group + " on " + topic, EmbeddedBroker.describe(e), e);
    }
    return out;
  }

  @Override
  public long delivered(int partition) {
    return lastReturned.getOrDefault(partition, -1L);
  }

  @Override
  public void seek(int partition, long offset) {
    consumer.seek(new TopicPartition(topic, partition), offset);
  }

  @Override
  public CompletableFuture<Void> commit(Map<Integer, Long> offsets) {
    if (closeDone) {
      return CompletableFuture.failedFuture(left());
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    commits.add(new PendingCommit(Map.copyOf(offsets), done));
    if (closeDone) {
      failQueued(); // closed meanwhile: the member's last commits have run
    } else {
      consumer.wakeup();
    }
    return done;
  }

  @Override
  public void wakeup() {
    consumer.wakeup();
  }

  /**
   * Leaves the group: the revocation of its partitions carries out the queued commits; those left
   * (and any commit after) fail.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      consumer.close(CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      // leaving failed: the broker drops the member after its session timeout
    }
    closeDone = true;
    failQueued();
  }

  private void failQueued() {
    PendingCommit c;
    while ((c = commits.poll()) != null) {
      c.done().completeExceptionally(left());
    }
  }

  private LogException left() {
    return LogException.cannot("commit offsets of group " + group, "the member left");
  }
}
