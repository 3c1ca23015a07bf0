package io.tributary.log.internal;

import io.tributary.log.LogException;
import io.tributary.log.TopicAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The {@link TopicAdmin} over one Kafka {@link Admin} client. Not API. */
final class KafkaTopicAdmin implements TopicAdmin, AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * The shortest {@code segment.ms} {@link #setRetention} sets (unless the retention is shorter).
   */
  static final long MIN_SEGMENT_MS = 3_600_000L;

  /** The longest {@code segment.ms} {@link #setRetention} sets: a day. */
  static final long MAX_SEGMENT_MS = 86_400_000L;

  /**
   * The {@code segment.ms} for a retention: a 24th of it, between an hour and a day (and never
   * above the retention), so that a long retention does not keep hundreds of segments (open files)
   * per partition while a short one still rolls its records out soon after they expire.
   */
  static long segmentMsFor(long retentionMs) {
    long segmentMs = Math.max(MIN_SEGMENT_MS, Math.min(MAX_SEGMENT_MS, retentionMs / 24));
    return Math.min(segmentMs, retentionMs);
  }

  private final Admin admin;

  KafkaTopicAdmin(Map<String, Object> clientConfig) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-topic-admin");
    this.admin = Admin.create(config);
  }

  @Override
  public void createTopic(String topic, int partitions) {
    try {
      get(
          admin
              .createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
              .all(),
          "create topic " + topic);
    } catch (LogException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
      int existing = partitions(topic).orElse(partitions);
      if (existing != partitions) {
        throw LogException.cannot(
            "create topic " + topic, "it exists with " + existing + " partitions", e);
      }
    }
  }

  @Override
  public void deleteTopic(String topic) {
    try {
      get(admin.deleteTopics(List.of(topic)).all(), "delete topic " + topic);
    } catch (LogException e) {
      if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
        throw e;
      }
    }
  }

  @Override
  public Optional<Integer> partitions(String topic) {
    try {
      TopicDescription d =
          get(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic)
              .get(topic);
      return Optional.of(d.partitions().size());
    } catch (LogException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void setRetention(String topic, long retentionMs) {
    if (retentionMs < 1) {
      throw new IllegalArgumentException(
          "Cannot set the retention of " + topic + " to " + retentionMs + " ms: must be positive");
    }
    long segmentMs = segmentMsFor(retentionMs);
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    List<AlterConfigOp> ops =
        List.of(
            set(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE),
            set(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)),
            set(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(segmentMs)));
    get(
        admin.incrementalAlterConfigs(Map.of(resource, ops)).all(),
        "set the retention of " + topic + " to " + retentionMs + " ms");
  }

  @Override
  public OptionalLong retentionMs(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config =
        get(admin.describeConfigs(List.of(resource)).all(), "read the configs of " + topic)
            .get(resource);
    ConfigEntry entry = config == null ? null : config.get(TopicConfig.RETENTION_MS_CONFIG);
    if (entry == null || entry.value() == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(entry.value()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static AlterConfigOp set(String name, String value) {
    return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
  }

  @Override
  public Map<Integer, Long> endOffsets(String topic) {
    return offsets(topic, OffsetSpec.latest());
  }

  @Override
  public Map<Integer, Long> beginningOffsets(String topic) {
    return offsets(topic, OffsetSpec.earliest());
  }

  private Map<Integer, Long> offsets(String topic, OffsetSpec spec) {
    Optional<Integer> partitions = partitions(topic);
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions.get(); p++) {
      request.put(new TopicPartition(topic, p), spec);
    }
    var result =
        get(
            admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all(),
            "read the offsets of " + topic);
    Map<Integer, Long> out = new HashMap<>();
    result.forEach((tp, info) -> out.put(tp.partition(), info.offset()));
    return out;
  }

  @Override
  public Map<Integer, Long> committedOffsets(String group, String topic) {
    return committedOffsets(group).getOrDefault(topic, Map.of());
  }

  @Override
  public Map<String, Map<Integer, Long>> committedOffsets(String group) {
    Map<TopicPartition, OffsetAndMetadata> offsets;
    try {
      offsets =
          get(
              admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
              "read the offsets of group " + group);
    } catch (LogException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return Map.of();
      }
      throw e;
    }
    Map<String, Map<Integer, Long>> out = new HashMap<>();
    offsets.forEach(
        (tp, om) -> {
          if (om != null) {
            out.computeIfAbsent(tp.topic(), t -> new HashMap<>()).put(tp.partition(), om.offset());
          }
        });
    return out;
  }

  @Override
  public List<String> groups(String prefix) {
    List<String> out = new ArrayList<>();
    for (ConsumerGroupListing g : get(admin.listConsumerGroups().all(), "list consumer groups")) {
      if (g.groupId().startsWith(prefix)) {
        out.add(g.groupId());
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  public boolean hasMembers(String group) {
    ConsumerGroupDescription d =
        get(admin.describeConsumerGroups(List.of(group)).all(), "describe group " + group)
            .get(group);
    return d != null && !d.members().isEmpty();
  }

  @Override
  public void commitOffsets(String group, String topic, Map<Integer, Long> offsets) {
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    offsets.forEach((p, o) -> request.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
    get(
        admin.alterConsumerGroupOffsets(group, request).all(),
        "commit offsets of group " + group + " on " + topic);
  }

  private static <T> T get(KafkaFuture<T> future, String action) {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw LogException.cannot(action, EmbeddedBroker.describe(cause), cause);
    } catch (TimeoutException e) {
      throw LogException.cannot(action, "no answer within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LogException.cannot(action, "interrupted", e);
    }
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
