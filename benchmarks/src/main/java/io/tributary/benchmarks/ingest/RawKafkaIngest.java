package io.tributary.benchmarks.ingest;

import io.tributary.log.Log;
import io.tributary.log.LogKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The baseline: a raw Kafka producer writing, to the same broker as Tributary, records of exactly
 * the size Tributary appends per acknowledged INSERT, keyed by the same users, into a topic with
 * the same partition count and the same topic-level settings as Tributary's {@code user-writes}
 * topic, with the same producer settings as Tributary's command writer.
 */
final class RawKafkaIngest implements AutoCloseable {
  static final String TOPIC = "bench.raw-ingest";
  private static final long TIMEOUT_SECONDS = 60;

  private final KafkaProducer<byte[], byte[]> producer;
  private final List<byte[]> keys = new ArrayList<>();
  private final Map<String, String> topicConfigs;
  private final Map<String, Object> producerSettings;
  private final int partitions;

  /**
   * Creates the topic as a copy of {@code like} (partition count and every topic-level override)
   * and the producer.
   *
   * @param log the running log Tributary writes to
   * @param like the topic whose settings to copy: Tributary's {@code user-writes}
   * @param users the users the records are keyed by, slot {@code s} using user {@code s % size}
   */
  RawKafkaIngest(Log log, String like, List<String> users) {
    for (String u : users) {
      keys.add(LogKeys.userKey(u));
    }
    try (Admin admin = Admin.create(new HashMap<>(log.clientConfig()))) {
      this.partitions =
          get(admin.describeTopics(List.of(like)).allTopicNames()).get(like).partitions().size();
      Map<String, String> configs = topicOverrides(admin, like);
      get(
          admin
              .createTopics(
                  List.of(
                      new NewTopic(TOPIC, Optional.of(partitions), Optional.empty())
                          .configs(configs)))
              .all());
      // Until every partition answers, describeConfigs may not know the new topic yet either.
      awaitListOffsets(admin);
      this.topicConfigs = topicOverrides(admin, TOPIC);
      if (!topicConfigs.equals(configs)) {
        throw new IllegalStateException(
            "Cannot give "
                + TOPIC
                + " the settings of "
                + like
                + ": it has "
                + topicConfigs
                + ", expected "
                + configs);
      }
    }
    this.producerSettings = producerSettings(log.clientConfig());
    this.producer = new KafkaProducer<>(producerSettings);
  }

  /**
   * The settings of Tributary's command writer ({@code KafkaCommandWriter.producerConfig} in the
   * log module, repeated here because it is internal there): the log's client properties, {@code
   * linger.ms=0}, {@code max.in.flight.requests.per.connection=5}, idempotence, {@code acks=all},
   * byte-array serializers, no compression (the producer default).
   */
  static Map<String, Object> producerSettings(Map<String, Object> clientConfig) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "ingest-benchmark-raw-producer");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  /** Topic-level settings set on the topic itself (not broker defaults), sorted by name. */
  static Map<String, String> topicOverrides(Admin admin, String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
    Map<String, String> overrides = new TreeMap<>();
    for (ConfigEntry e : config.entries()) {
      if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
        overrides.put(e.name(), e.value());
      }
    }
    return overrides;
  }

  /**
   * Waits until every partition answers listOffsets before the first write (the log does the same:
   * an idempotent producer can lose its first batch right after createTopics, KAFKA-15591).
   */
  private void awaitListOffsets(Admin admin) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        admin.listOffsets(request).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Cannot list the offsets of " + TOPIC + ": " + e, e);
        }
        ClosedLoop.parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Cannot list the offsets of " + TOPIC + ": interrupted", e);
      }
    }
  }

  /** A record value of {@code bytes} bytes (the content does not matter: no compression). */
  static byte[] value(int bytes) {
    byte[] v = new byte[bytes];
    Arrays.fill(v, (byte) 'x');
    return v;
  }

  /** Writes one record keyed by the slot's user and waits until it is acknowledged. */
  void write(int slot, byte[] value) throws Exception {
    producer
        .send(new ProducerRecord<>(TOPIC, keys.get(slot % keys.size()), value))
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  int partitions() {
    return partitions;
  }

  Map<String, String> topicConfigs() {
    return topicConfigs;
  }

  /** The producer settings that decide durability and batching (not the connection details). */
  Map<String, Object> producerDurability() {
    Map<String, Object> m = new TreeMap<>();
    for (String key :
        List.of(
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.LINGER_MS_CONFIG,
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)) {
      m.put(key, String.valueOf(producerSettings.get(key)));
    }
    m.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none (default)");
    return m;
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot set up " + TOPIC + ": " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Cannot set up " + TOPIC + ": timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot set up " + TOPIC + ": interrupted", e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
