package io.tributary.log.internal;

import io.tributary.log.LogException;
import io.tributary.log.LogTopics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the missing internal topics, checks the existing ones and waits until they serve.
 *
 * <p>Every step is bounded by one deadline. Waiting for {@code listOffsets} to answer on every
 * partition works around KAFKA-15591 (fixed in Kafka 4.5): an idempotent producer that writes right
 * after {@code createTopics} can silently lose its first batch.
 */
final class InternalTopics {
  private static final Logger LOG = LoggerFactory.getLogger(InternalTopics.class);
  private static final long RETRY_BACKOFF_MS = 50;

  private final Admin admin;
  private final LogTopics topics;
  private final boolean durableWrites;
  private final Time time;

  InternalTopics(Admin admin, LogTopics topics, boolean durableWrites, Time time) {
    this.admin = admin;
    this.topics = topics;
    this.durableWrites = durableWrites;
    this.time = time;
  }

  /** Topic configs to create {@code topic} with. */
  Map<String, String> configsFor(String topic) {
    Map<String, String> configs = new LinkedHashMap<>();
    if (topic.equals(topics.catalog())) {
      configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    }
    if (topic.equals(topics.streamEvents())) {
      // Raised (and lowered) to the largest TTL of the STREAM tables as they are created and
      // dropped (TopicAdmin#setRetention); the floor until then.
      configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
      configs.put(
          TopicConfig.RETENTION_MS_CONFIG, Long.toString(LogTopics.STREAM_RETENTION_FLOOR_MS));
      configs.put(
          TopicConfig.SEGMENT_MS_CONFIG,
          Long.toString(KafkaTopicAdmin.segmentMsFor(LogTopics.STREAM_RETENTION_FLOOR_MS)));
    }
    if (durableWrites && topics.isCommandTopic(topic)) {
      configs.put(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "1");
    }
    return configs;
  }

  /**
   * Ensures every internal topic exists with its partition count and durability setting and answers
   * {@code listOffsets} on every partition.
   *
   * @param deadlineMs absolute deadline, in {@link Time#milliseconds()}
   * @return the topics this call created
   */
  List<String> ensure(long deadlineMs) {
    Map<String, TopicDescription> existing = describe(deadlineMs);
    checkPartitions(existing);
    List<String> missing =
        topics.all().stream().filter(t -> !existing.containsKey(t)).collect(Collectors.toList());
    List<String> created = create(missing, deadlineMs);
    if (created.size() != missing.size()) {
      // Someone else created some of them meanwhile; check what they created.
      checkPartitions(describe(deadlineMs));
    }
    alignDurability(existing.keySet(), deadlineMs);
    awaitListOffsets(deadlineMs);
    return created;
  }

  private Map<String, TopicDescription> describe(long deadlineMs) {
    Map<String, KafkaFuture<TopicDescription>> futures =
        admin.describeTopics(topics.all()).topicNameValues();
    Map<String, TopicDescription> found = new HashMap<>();
    for (Map.Entry<String, KafkaFuture<TopicDescription>> e : futures.entrySet()) {
      try {
        found.put(e.getKey(), get(e.getValue(), deadlineMs, "describe topic " + e.getKey()));
      } catch (LogException failure) {
        if (!(failure.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw failure;
        }
      }
    }
    return found;
  }

  private void checkPartitions(Map<String, TopicDescription> existing) {
    List<String> mismatches = new ArrayList<>();
    for (TopicDescription d : existing.values()) {
      int expected = topics.partitionsOf(d.name());
      if (d.partitions().size() != expected) {
        mismatches.add(
            d.name() + " has " + d.partitions().size() + " partitions, expected " + expected);
      }
    }
    if (!mismatches.isEmpty()) {
      throw LogException.cannot(
          "use the existing internal topics",
          String.join("; ", mismatches)
              + " (configure the log with the partition count its topics were created with;"
              + " it decides which partition holds each user's commands and cannot change)");
    }
  }

  private List<String> create(List<String> missing, long deadlineMs) {
    if (missing.isEmpty()) {
      return List.of();
    }
    List<NewTopic> newTopics = new ArrayList<>();
    for (String topic : missing) {
      newTopics.add(
          new NewTopic(topic, Optional.of(topics.partitionsOf(topic)), Optional.empty())
              .configs(configsFor(topic)));
    }
    Map<String, KafkaFuture<Void>> futures = admin.createTopics(newTopics).values();
    List<String> created = new ArrayList<>();
    for (String topic : missing) {
      try {
        get(futures.get(topic), deadlineMs, "create topic " + topic);
        created.add(topic);
      } catch (LogException failure) {
        if (!(failure.getCause() instanceof TopicExistsException)) {
          throw failure;
        }
      }
    }
    LOG.info("Created internal topics {}", created);
    return created;
  }

  /** Sets or removes {@code flush.messages} on existing command topics to match the config. */
  private void alignDurability(Collection<String> existing, long deadlineMs) {
    List<ConfigResource> resources =
        existing.stream()
            .filter(topics::isCommandTopic)
            .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
            .collect(Collectors.toList());
    if (resources.isEmpty()) {
      return;
    }
    Map<ConfigResource, Config> configs =
        get(admin.describeConfigs(resources).all(), deadlineMs, "describe internal topic configs");
    Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
    for (Map.Entry<ConfigResource, Config> e : configs.entrySet()) {
      ConfigEntry flush = e.getValue().get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG);
      boolean setOnTopic =
          flush != null && flush.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG;
      boolean flushesEachAppend = flush != null && "1".equals(flush.value());
      if (durableWrites && !flushesEachAppend) {
        changes.put(
            e.getKey(),
            List.of(
                new AlterConfigOp(
                    new ConfigEntry(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "1"),
                    AlterConfigOp.OpType.SET)));
      } else if (!durableWrites && setOnTopic) {
        changes.put(
            e.getKey(),
            List.of(
                new AlterConfigOp(
                    new ConfigEntry(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, ""),
                    AlterConfigOp.OpType.DELETE)));
      }
    }
    if (!changes.isEmpty()) {
      get(
          admin.incrementalAlterConfigs(changes).all(),
          deadlineMs,
          "set " + TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG + " on internal topics");
      LOG.info(
          "Set durable writes to {} on {}",
          durableWrites,
          changes.keySet().stream().map(ConfigResource::name).collect(Collectors.toList()));
    }
  }

  private void awaitListOffsets(long deadlineMs) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (String topic : topics.all()) {
      for (int p = 0; p < topics.partitionsOf(topic); p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    while (true) {
      try {
        get(admin.listOffsets(request).all(), deadlineMs, "list offsets of the internal topics");
        return;
      } catch (LogException failure) {
        if (!(failure.getCause() instanceof RetriableException)
            || time.milliseconds() + RETRY_BACKOFF_MS >= deadlineMs) {
          throw failure;
        }
        LOG.debug("Internal topics not ready yet: {}", failure.getMessage());
        time.sleep(RETRY_BACKOFF_MS);
      }
    }
  }

  /** Waits for {@code future} until the deadline; every failure becomes a {@link LogException}. */
  private <T> T get(KafkaFuture<T> future, long deadlineMs, String action) {
    long remaining = Math.max(0, deadlineMs - time.milliseconds());
    try {
      return future.get(remaining, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw LogException.cannot(action, EmbeddedBroker.describe(cause), cause);
    } catch (TimeoutException e) {
      throw LogException.cannot(action, "timed out waiting for the cluster", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LogException.cannot(action, "interrupted", e);
    }
  }
}
