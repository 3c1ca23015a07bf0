package io.tributary.log.internal;

import io.tributary.log.CommandWriter;
import io.tributary.log.LogConfig;
import io.tributary.log.LogException;
import io.tributary.log.LogPosition;
import io.tributary.log.LogRoute;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The {@link CommandWriter}: one idempotent {@link KafkaProducer} with {@code acks=all}, shared by
 * every caller. Futures complete from the producer's callback, on its I/O thread.
 */
final class KafkaCommandWriter implements CommandWriter {
  private static final AtomicInteger IDS = new AtomicInteger();

  private final Producer<byte[], byte[]> producer;
  private volatile String refusal;

  /** The config of the transactional producer, or null when this writer has none. */
  private final Map<String, Object> transactionalConfig;

  /** Created on the first atomic append; guarded by {@code this}. */
  private Producer<byte[], byte[]> transactional;

  KafkaCommandWriter(Producer<byte[], byte[]> producer) {
    this(producer, null);
  }

  private KafkaCommandWriter(
      Producer<byte[], byte[]> producer, Map<String, Object> transactionalConfig) {
    this.producer = producer;
    this.transactionalConfig = transactionalConfig;
  }

  /**
   * How long the broker keeps a transaction of the atomic producer open before aborting it itself:
   * about the write timeout, so a {@code read_committed} reader never waits longer than that behind
   * a transaction whose writer vanished without a successor (a successor aborts it at once).
   */
  static final int TRANSACTION_TIMEOUT_MS = 30_000;

  /** Name of the file, in the embedded data directory, that keeps the transactional id. */
  static final String TRANSACTIONAL_ID_FILE = "atomic-writer.id";

  /** Creates the producer from the log's client config and the writer overrides. */
  static KafkaCommandWriter create(
      Map<String, Object> clientConfig, Map<String, Object> overrides, String transactionalId) {
    Map<String, Object> transactional = producerConfig(clientConfig, overrides);
    // A stable id (per data directory, or per node of an external cluster): the next run's
    // initTransactions() fences this run and aborts a transaction it left open at a crash, so a
    // read_committed reader (the materializer) does not stall behind it until its timeout.
    transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    if (!overrides.containsKey(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)) {
      transactional.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    }
    return new KafkaCommandWriter(
        new KafkaProducer<>(producerConfig(clientConfig, overrides)), transactional);
  }

  /**
   * The transactional id of the atomic producer: kept durably in {@code dataDir/atomic-writer.id}
   * for an embedded broker (created on the first start), derived from the node's own group instance
   * id for an external cluster, and random (a crash then leaves its transaction to the broker's
   * timeout) when the configuration names neither.
   */
  static String transactionalId(LogConfig config) {
    Optional<Path> dir = config.dataDir();
    if (dir.isPresent()) {
      return DurableIdFile.readOrCreate(
          dir.get().resolve(TRANSACTIONAL_ID_FILE), () -> "tributary-atomic-" + UUID.randomUUID());
    }
    return config
        .exclusiveSelf()
        .map(self -> "tributary-atomic-" + self)
        .orElseGet(() -> "tributary-atomic-" + UUID.randomUUID());
  }

  static Map<String, Object> producerConfig(
      Map<String, Object> clientConfig, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-writer-" + IDS.incrementAndGet());
    // No added wait: a lone write goes out at once. Concurrent appends still share a batch (and
    // therefore one fsync on a durable log) while earlier requests are in flight.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LogConfig.MAX_RECORD_BYTES);
    config.putAll(overrides);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  @Override
  public CompletableFuture<LogPosition> append(String topic, byte[] key, byte[] value) {
    Objects.requireNonNull(topic, "topic");
    return send(new ProducerRecord<>(topic, key, value), "append to " + topic);
  }

  @Override
  public CompletableFuture<LogPosition> append(
      String topic, int partition, byte[] key, byte[] value) {
    Objects.requireNonNull(topic, "topic");
    String action = "append to " + topic + "-" + partition;
    if (partition < 0) {
      return CompletableFuture.failedFuture(LogException.cannot(action, "partition must be >= 0"));
    }
    return send(new ProducerRecord<>(topic, partition, key, value), action);
  }

  private CompletableFuture<LogPosition> send(
      ProducerRecord<byte[], byte[]> record, String action) {
    CompletableFuture<LogPosition> result = new CompletableFuture<>();
    String refused = refusal;
    if (refused != null) {
      result.completeExceptionally(LogException.cannot(action, refused));
      return result;
    }
    try {
      producer.send(record, (metadata, error) -> complete(result, action, metadata, error));
    } catch (RuntimeException e) {
      // send() reports most errors through the callback but throws some (closed producer,
      // interrupted while waiting for metadata, buffer exhausted): report those the same way.
      result.completeExceptionally(LogException.cannot(action, EmbeddedBroker.describe(e), e));
    }
    return result;
  }

  private static void complete(
      CompletableFuture<LogPosition> result,
      String action,
      RecordMetadata metadata,
      Exception error) {
    if (error != null) {
      result.completeExceptionally(
          LogException.cannot(action, EmbeddedBroker.describe(error), error));
    } else if (!metadata.hasOffset()) {
      result.completeExceptionally(LogException.cannot(action, "the broker returned no offset"));
    } else {
      result.complete(new LogPosition(metadata.topic(), metadata.partition(), metadata.offset()));
    }
  }

  /**
   * Appends in one transaction of a second, transactional producer, one transaction at a time (the
   * caller's thread runs it: begin, send, commit). An error aborts the transaction, so none of the
   * records becomes visible to a {@code read_committed} reader; a fatal one (fenced) closes the
   * producer and the next call creates another.
   */
  @Override
  public CompletableFuture<List<LogPosition>> appendAtomically(
      List<Map.Entry<LogRoute, byte[]>> records) {
    Objects.requireNonNull(records, "records");
    String action = "append " + records.size() + " records atomically";
    String refused = refusal;
    if (refused != null) {
      return CompletableFuture.failedFuture(LogException.cannot(action, refused));
    }
    if (transactionalConfig == null) {
      return CompletableFuture.failedFuture(
          LogException.cannot(action, "this writer has no transactions"));
    }
    synchronized (this) {
      Producer<byte[], byte[]> p;
      try {
        if (transactional == null) {
          transactional = new KafkaProducer<>(transactionalConfig);
          // Fences an earlier producer with this id and aborts a transaction it left open.
          transactional.initTransactions();
        }
        p = transactional;
        p.beginTransaction();
      } catch (RuntimeException e) {
        closeTransactional();
        return CompletableFuture.failedFuture(
            LogException.cannot(action, EmbeddedBroker.describe(e), e));
      }
      try {
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (Map.Entry<LogRoute, byte[]> r : records) {
          LogRoute route = r.getKey();
          sent.add(
              p.send(
                  new ProducerRecord<>(
                      route.topic(), route.partition(), route.key(), r.getValue())));
        }
        p.commitTransaction();
        List<LogPosition> positions = new ArrayList<>(sent.size());
        for (Future<RecordMetadata> f : sent) {
          RecordMetadata m = f.get();
          positions.add(new LogPosition(m.topic(), m.partition(), m.offset()));
        }
        return CompletableFuture.completedFuture(positions);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abortOrClose(e);
        return CompletableFuture.failedFuture(LogException.cannot(action, "interrupted", e));
      } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
        abortOrClose(e);
        return CompletableFuture.failedFuture(
            LogException.cannot(action, EmbeddedBroker.describe(e), e));
      }
    }
  }

  /**
   * After an error inside a transaction: aborts it, so that no reader waits behind it; closes the
   * producer when the error is fatal or the abort fails, and the next atomic append creates another
   * (whose initTransactions() aborts what this one left open).
   */
  private void abortOrClose(Exception error) {
    if (error instanceof ProducerFencedException
        || error instanceof OutOfOrderSequenceException
        || error instanceof AuthorizationException) {
      closeTransactional();
      return;
    }
    try {
      transactional.abortTransaction();
    } catch (RuntimeException abortFailed) {
      closeTransactional();
    }
  }

  /** Closes the transactional producer (an open transaction is aborted by the broker). */
  private synchronized void closeTransactional() {
    if (transactional != null) {
      try {
        transactional.close(Duration.ZERO);
      } catch (RuntimeException e) {
        // already failed; the next atomic append creates a new producer
      }
      transactional = null;
    }
  }

  /** Makes every later append fail with {@code reason}; appends already sent still complete. */
  void refuse(String reason) {
    if (refusal == null) {
      refusal = reason;
    }
  }

  /** Refuses new appends, then flushes and closes the producer within {@code timeout}. */
  void close(Duration timeout) {
    refuse("the writer is closed");
    synchronized (this) {
      if (transactional != null) {
        transactional.close(timeout);
        transactional = null;
      }
    }
    producer.close(timeout);
  }
}
