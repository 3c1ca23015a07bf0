package io.tributary.log.internal;

import io.tributary.log.LogException;
import io.tributary.log.LogPosition;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The {@link LogReader}: one assigned {@link KafkaConsumer} without a group. Not API. */
final class KafkaLogReader implements LogReader {
  private static final int MAX_POLL_RECORDS = 2_000;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final TopicPartition tp;
  private final Consumer<byte[], byte[]> consumer;
  private boolean closed;

  private KafkaLogReader(TopicPartition tp, Consumer<byte[], byte[]> consumer) {
    this.tp = tp;
    this.consumer = consumer;
  }

  /** Opens a reader of {@code topic}-{@code partition}, positioned at its beginning. */
  static KafkaLogReader open(Map<String, Object> clientConfig, String topic, int partition) {
    if (partition < 0) {
      throw LogException.cannot(
          "read " + topic + "-" + partition, "partition must be >= 0, got " + partition);
    }
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    TopicPartition tp = new TopicPartition(topic, partition);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
    return new KafkaLogReader(tp, consumer);
  }

  @Override
  public String topic() {
    return tp.topic();
  }

  @Override
  public int partition() {
    return tp.partition();
  }

  @Override
  public long beginningOffset(Duration timeout) {
    return call("read the beginning of", () -> consumer.beginningOffsets(List.of(tp), timeout))
        .get(tp);
  }

  @Override
  public long endOffset(Duration timeout) {
    return call("read the end of", () -> consumer.endOffsets(List.of(tp), timeout)).get(tp);
  }

  @Override
  public void seek(long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("Cannot seek to offset " + offset + ": must be >= 0");
    }
    consumer.seek(tp, offset);
  }

  @Override
  public void seekToBeginning() {
    consumer.seekToBeginning(List.of(tp));
  }

  @Override
  public long position() {
    return call("read the position in", () -> consumer.position(tp));
  }

  @Override
  public List<LogRecord> poll(Duration timeout) {
    var polled = pollRecords(timeout);
    if (polled.isEmpty()) {
      return List.of();
    }
    List<LogRecord> records = new ArrayList<>(polled.count());
    for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
      records.add(
          new LogRecord(
              new LogPosition(r.topic(), r.partition(), r.offset()),
              r.key(),
              r.value(),
              r.timestamp()));
    }
    return records;
  }

  private ConsumerRecords<byte[], byte[]> pollRecords(Duration timeout) {
    try {
      return consumer.poll(timeout);
    } catch (WakeupException e) {
      return ConsumerRecords.empty();
    } catch (RuntimeException e) {
      throw LogException.cannot("read " + tp, EmbeddedBroker.describe(e), e);
    }
  }

  @Override
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public long seekFirst(ToLongFunction<LogRecord> key, long target, Duration timeout) {
    long lo = beginningOffset(timeout);
    long hi = endOffset(timeout);
    long found = hi;
    // Invariant: the answer is found, or an offset in [lo, hi) holding a record.
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      LogRecord first = firstRecordFrom(mid, hi, timeout);
      if (first == null) {
        hi = mid; // nothing readable in [mid, hi): markers or aborted records only
      } else if (key.applyAsLong(first) >= target) {
        found = first.offset();
        hi = mid;
      } else {
        lo = first.offset() + 1;
      }
    }
    consumer.seek(tp, found);
    return found;
  }

  /** The first readable record at or after {@code from} and before {@code end}, or null. */
  private LogRecord firstRecordFrom(long from, long end, Duration timeout) {
    consumer.seek(tp, from);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (position() < end) {
      List<LogRecord> records = poll(Duration.ofMillis(100));
      if (!records.isEmpty()) {
        LogRecord first = records.get(0);
        return first.offset() < end ? first : null;
      }
      if (System.nanoTime() > deadline) {
        throw LogException.cannot("seek in " + tp, "no record arrived within " + timeout);
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      consumer.close(CLOSE_TIMEOUT);
    }
  }

  private <T> T call(String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (WakeupException e) {
      throw LogException.cannot(action + " " + tp, "woken up", e);
    } catch (RuntimeException e) {
      throw LogException.cannot(action + " " + tp, EmbeddedBroker.describe(e), e);
    }
  }
}
