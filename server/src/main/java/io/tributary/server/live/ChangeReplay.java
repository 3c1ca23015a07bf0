package io.tributary.server.live;

import io.tributary.log.Log;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.WriteKeys;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads back, from the {@code changes} topic, the changes of one key range between two {@code _seq}
 * values: what a resuming subscriber missed. Reads with {@code read_committed}, so it waits for the
 * materializer's transaction that holds the high-water mark to commit (bounded by a timeout).
 *
 * <p>It scans the range's partition from the start: resume costs grow with the partition until the
 * log is truncated behind the cold tier.
 *
 * <p>A replayed change is the one delivered live: its old row carries the {@code _seq} of the
 * version it replaced, which the change record holds. (Records written before change records held
 * it give -1 there.)
 */
final class ChangeReplay {
  private final Log log;
  private final Duration timeout;

  ChangeReplay(Log log, Duration timeout) {
    this.log = log;
    this.timeout = timeout;
  }

  /** Fails with RESUME_POSITION_LOST when the write log no longer holds {@code fromSeq}. */
  void check(TableDef table, String owner, long fromSeq) {
    String topic = writeTopic(table);
    TopicPartition tp = new TopicPartition(topic, partition(table, owner));
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
      if ((fromSeq >>> 16) < begin) {
        throw TributaryException.of(
            ErrorCode.RESUME_POSITION_LOST,
            "Cannot resume subscription to %s from _seq %d: the log no longer holds that position;"
                + " subscribe again without from_seq to take a new snapshot",
            table.qualifiedName(),
            fromSeq);
      }
    }
  }

  /** Hands over, in order, the range's changes with {@code fromSeq < _seq <= toSeq}. */
  void replay(TableDef table, String owner, long fromSeq, long toSeq, Consumer<AppliedChange> out) {
    int partition = partition(table, owner);
    TopicPartition tp = new TopicPartition(log.topics().changes(), partition);
    long deadline = System.nanoTime() + timeout.toNanos();
    int width = table.columns().size() + 1;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      while (true) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          RowChange c = CommandCodec.decodeChange(r.value());
          if (c.tableId() != table.id()
              || !Objects.equals(c.owner(), owner)
              || c.seq() <= fromSeq) {
            continue;
          }
          if (c.seq() > toSeq) {
            return;
          }
          out.accept(
              new AppliedChange(
                  c.kind(),
                  table,
                  owner,
                  c.seq(),
                  decode(table, c.oldRow(), width, c.oldSeq()),
                  decode(table, c.newRow(), width, c.seq()),
                  partition));
          if (c.seq() == toSeq) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw TributaryException.of(
              ErrorCode.UNAVAILABLE,
              "Cannot resume subscription to %s: the change log did not reach _seq %d within %s",
              table.qualifiedName(),
              toSeq,
              timeout);
        }
      }
    }
  }

  private static Object[] decode(TableDef table, byte[] bytes, int width, long seq) {
    if (bytes == null) {
      return null;
    }
    Object[] row = RowCodec.decode(table.types(), bytes, width);
    row[width - 1] = seq;
    return row;
  }

  private String writeTopic(TableDef table) {
    return table.kind() == TableKind.SHARED
        ? log.topics().sharedWrites()
        : log.topics().userWrites();
  }

  private int partition(TableDef table, String owner) {
    byte[] key =
        table.kind() == TableKind.SHARED
            ? WriteKeys.sharedKey(table.id())
            : WriteKeys.userKey(owner);
    return WriteKeys.partition(key, log.topics().partitions());
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
