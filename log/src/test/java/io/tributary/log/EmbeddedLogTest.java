package io.tributary.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.log.Log.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One embedded broker for the whole class; external-mode logs connect to it. */
class EmbeddedLogTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path dataDir;
  private static Log log;

  @BeforeAll
  static void startLog() {
    log = Log.open(LogConfig.embedded(dataDir));
    log.start();
  }

  @AfterAll
  static void stopLog() {
    log.close();
  }

  @Test
  void shouldRunOnLoopbackWithFormattedDirectory() {
    assertThat(log.state()).isEqualTo(State.RUNNING);
    assertThat(log.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(log.clientConfig()).containsEntry("bootstrap.servers", log.bootstrapServers());
    assertThat(log.clusterId()).isNotBlank();
    assertThat(dataDir.resolve("kafka").resolve("meta.properties")).isRegularFile();
  }

  @Test
  void shouldCreateInternalTopicsWithPartitionCountsAndConfigs() throws Exception {
    LogTopics topics = log.topics();
    try (Admin admin = TestClients.admin(log)) {
      Map<String, TopicDescription> described =
          admin.describeTopics(topics.all()).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(
                  topics.all().stream()
                      .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                      .collect(Collectors.toList()))
              .all()
              .get(30, TimeUnit.SECONDS);

      assertThat(described.get(topics.catalog()).partitions()).hasSize(1);
      for (String topic : List.of(topics.userWrites(), topics.sharedWrites(), topics.changes())) {
        assertThat(described.get(topic).partitions()).as(topic).hasSize(4);
      }
      assertThat(described.get(topics.streamEvents()).partitions()).hasSize(4);
      assertThat(config(configs, topics.catalog(), "cleanup.policy")).isEqualTo("compact");
      assertThat(config(configs, topics.userWrites(), "cleanup.policy")).isEqualTo("delete");
      for (String topic :
          List.of(
              topics.catalog(),
              topics.userWrites(),
              topics.sharedWrites(),
              topics.streamEvents())) {
        assertThat(config(configs, topic, "flush.messages")).as(topic).isEqualTo("1");
      }
      assertThat(config(configs, topics.changes(), "flush.messages")).isNotEqualTo("1");
    }
  }

  @Test
  void shouldAppendWithIncreasingOffsetsInTheKeysPartition() {
    byte[] key = "user-7".getBytes(UTF_8);
    List<CompletableFuture<LogPosition>> futures = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      futures.add(
          log.writer().append(log.topics().userWrites(), key, ("cmd-" + i).getBytes(UTF_8)));
    }
    List<LogPosition> positions = futures.stream().map(f -> join(f)).collect(Collectors.toList());

    int expectedPartition = Utils.toPositive(Utils.murmur2(key)) % log.topics().partitions();
    assertThat(positions)
        .allSatisfy(
            p -> {
              assertThat(p.topic()).isEqualTo(log.topics().userWrites());
              assertThat(p.partition()).isEqualTo(expectedPartition);
            });
    for (int i = 1; i < positions.size(); i++) {
      assertThat(positions.get(i).offset()).isGreaterThan(positions.get(i - 1).offset());
    }

    List<ConsumerRecord<byte[], byte[]>> records =
        TestClients.read(log, new TopicPartition(log.topics().userWrites(), expectedPartition), 50);
    List<String> values =
        records.stream()
            .filter(r -> r.key() != null && new String(r.key(), UTF_8).equals("user-7"))
            .map(r -> new String(r.value(), UTF_8))
            .collect(Collectors.toList());
    assertThat(values).startsWith("cmd-0", "cmd-1", "cmd-2").hasSize(50).endsWith("cmd-49");
    assertThat(records.get(0).offset()).isEqualTo(positions.get(0).offset());
  }

  @Test
  void shouldAppendToExplicitPartitionAndWriteTombstones() {
    LogPosition first =
        join(log.writer().append(log.topics().sharedWrites(), 3, "t1".getBytes(UTF_8), null));
    LogPosition second =
        join(
            log.writer()
                .append(log.topics().sharedWrites(), 3, "t1".getBytes(UTF_8), new byte[] {1}));

    assertThat(first.partition()).isEqualTo(3);
    assertThat(second.partition()).isEqualTo(3);
    assertThat(second.offset()).isEqualTo(first.offset() + 1);
    List<ConsumerRecord<byte[], byte[]>> records =
        TestClients.read(log, new TopicPartition(log.topics().sharedWrites(), 3), 2);
    assertThat(records.get(0).value()).isNull();
    assertThat(records.get(1).value()).containsExactly(1);
  }

  @Test
  void shouldFailAppendToNegativePartitionThroughTheFuture() {
    CompletableFuture<LogPosition> future =
        log.writer().append(log.topics().userWrites(), -1, null, new byte[0]);

    assertThatThrownBy(future::join)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(LogException.class)
        .hasMessage("Cannot append to _tributary.user-writes--1: partition must be >= 0");
  }

  @Test
  void shouldRefuseSecondStart() {
    assertThatThrownBy(log::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot transition log from RUNNING to STARTING");
    assertThat(log.state()).isEqualTo(State.RUNNING);
  }

  @Test
  void shouldUseExistingTopicsInExternalMode() {
    try (Log external = Log.open(LogConfig.external(log.bootstrapServers()))) {
      external.start();

      assertThat(external.state()).isEqualTo(State.RUNNING);
      assertThat(external.bootstrapServers()).isEqualTo(log.bootstrapServers());
      assertThat(external.clusterId()).isEqualTo(log.clusterId());
      LogPosition position =
          join(
              external
                  .writer()
                  .append(external.topics().streamEvents(), 1, null, "typing".getBytes(UTF_8)));
      assertThat(position.partition()).isEqualTo(1);
      List<ConsumerRecord<byte[], byte[]>> records =
          TestClients.read(log, new TopicPartition(log.topics().streamEvents(), 1), 1);
      assertThat(records).extracting(r -> new String(r.value(), UTF_8)).contains("typing");

      external.close();
      assertThat(external.state()).isEqualTo(State.STOPPED);
    }
    assertThat(log.state()).isEqualTo(State.RUNNING);
  }

  @Test
  void shouldFailAppendToMissingTopicWithLogException() {
    try (Log external =
        Log.open(
            LogConfig.external(log.bootstrapServers()).withWriterProperty("max.block.ms", 500))) {
      external.start();

      CompletableFuture<LogPosition> future =
          external.writer().append("no-such-topic", null, new byte[] {1});

      assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(LogException.class)
          .hasMessage(
              "Cannot append to no-such-topic: Topic no-such-topic not present in metadata after"
                  + " 500 ms.");
    }
  }

  @Test
  void shouldFailAppendsAfterClose() {
    Log external = Log.open(LogConfig.external(log.bootstrapServers()));
    external.start();
    CommandWriter writer = external.writer();

    external.close();

    assertThat(external.state()).isEqualTo(State.STOPPED);
    assertThatThrownBy(() -> writer.append(log.topics().userWrites(), null, null).join())
        .cause()
        .isInstanceOf(LogException.class)
        .hasMessage("Cannot append to _tributary.user-writes: the writer is closed");
  }

  @Test
  void shouldFailStartWhenExistingTopicsHaveAnotherPartitionCount() {
    Log external = Log.open(LogConfig.external(log.bootstrapServers()).withPartitions(3));

    assertThatThrownBy(external::start)
        .isInstanceOf(LogException.class)
        .hasMessageStartingWith("Cannot use the existing internal topics: ")
        .hasMessageContaining("_tributary.user-writes has 4 partitions, expected 3")
        .hasMessageContaining("_tributary.changes has 4 partitions, expected 3")
        .hasMessageNotContaining("_tributary.catalog");
    assertThat(external.state()).isEqualTo(State.FAILED);

    external.close();
    assertThat(external.state()).isEqualTo(State.STOPPED);
  }

  @Test
  void shouldRefuseToStartWhileTheExclusiveGroupHasAnActiveMember() {
    String group = "exclusive-busy";
    LogConfig config = LogConfig.external(log.bootstrapServers()).withExclusiveGroup(group);
    try (KafkaConsumer<byte[], byte[]> member = joinedMember(group)) {
      Log second = Log.open(config);

      assertThatThrownBy(second::start)
          .isInstanceOf(LogException.class)
          .hasMessage(
              "Cannot start: another Tributary node is already serving this cluster (consumer"
                  + " group 'exclusive-busy' has 1 active member, from /127.0.0.1); running"
                  + " several nodes on one cluster is not supported yet");
      assertThat(second.state()).isEqualTo(State.FAILED);
      second.close();
      assertThat(member.assignment()).isNotEmpty();
    }

    // The member left the group when it closed: the cluster is free again.
    try (Log third = Log.open(config)) {
      third.start();
      assertThat(third.state()).isEqualTo(State.RUNNING);
    }
  }

  @Test
  void shouldStartWhenTheExclusiveGroupWasNeverCreated() {
    try (Log external =
        Log.open(
            LogConfig.external(log.bootstrapServers()).withExclusiveGroup("exclusive-unknown"))) {
      external.start();

      assertThat(external.state()).isEqualTo(State.RUNNING);
    }
  }

  @Test
  void shouldKeepTheExclusiveGroupInTheConfiguration() {
    LogConfig config = LogConfig.embedded(dataDir).withExclusiveGroup("g");

    assertThat(config.exclusiveGroup()).hasValue("g");
    assertThat(config).isNotEqualTo(LogConfig.embedded(dataDir));
    assertThatThrownBy(() -> config.withExclusiveGroup(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use a blank consumer group id");
  }

  /** A consumer of the catalog topic in {@code group}, returned once it holds its assignment. */
  @Test
  void shouldStartWhenTheOnlyActiveMemberIsThisNodesOwnEarlierRun() {
    String group = "exclusive-self";
    // A static member left behind by this node's crashed run (Kafka Streams adds "-<thread>").
    try (KafkaConsumer<byte[], byte[]> member = joinedMember(group, "node-a-1")) {
      try (Log again =
          Log.open(
              LogConfig.external(log.bootstrapServers()).withExclusiveGroup(group, "node-a"))) {
        again.start();
        assertThat(again.state()).isEqualTo(State.RUNNING);
      }
      Log other =
          Log.open(LogConfig.external(log.bootstrapServers()).withExclusiveGroup(group, "node-b"));
      assertThatThrownBy(other::start)
          .isInstanceOf(LogException.class)
          .hasMessageStartingWith(
              "Cannot start: another Tributary node is already serving this cluster (consumer"
                  + " group 'exclusive-self' has 1 active member");
      other.close();
    }
  }

  private static KafkaConsumer<byte[], byte[]> joinedMember(String group) {
    return joinedMember(group, null);
  }

  private static KafkaConsumer<byte[], byte[]> joinedMember(String group, String instanceId) {
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    if (instanceId != null) {
      config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    }
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config);
    consumer.subscribe(List.of(log.topics().catalog()));
    await()
        .pollInSameThread()
        .pollInterval(Duration.ZERO)
        .atMost(WAIT)
        .until(
            () -> {
              consumer.poll(Duration.ofMillis(100));
              return !consumer.assignment().isEmpty();
            });
    return consumer;
  }

  private static LogPosition join(CompletableFuture<LogPosition> future) {
    return future.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  private static String config(Map<ConfigResource, Config> configs, String topic, String key) {
    return configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic)).get(key).value();
  }
}
