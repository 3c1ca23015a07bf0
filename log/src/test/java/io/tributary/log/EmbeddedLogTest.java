package io.tributary.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.log.Log.State;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
      // STREAM events leave the log: the floor until STREAM tables need more (TopicAdmin).
      assertThat(config(configs, topics.streamEvents(), "cleanup.policy")).isEqualTo("delete");
      assertThat(config(configs, topics.streamEvents(), "retention.ms")).isEqualTo("3600000");
      assertThat(config(configs, topics.userWrites(), "retention.ms")).isNotEqualTo("3600000");
    }
  }

  @Test
  void shouldSetTheRetentionOfATopicThroughTheTopicAdmin() throws Exception {
    LogTopics topics = log.topics();
    log.topicAdmin().setRetention(topics.streamEvents(), 7_200_000L);
    try (Admin admin = TestClients.admin(log)) {
      ConfigResource resource =
          new ConfigResource(ConfigResource.Type.TOPIC, topics.streamEvents());
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
      assertThat(config(configs, topics.streamEvents(), "retention.ms")).isEqualTo("7200000");
      assertThat(config(configs, topics.streamEvents(), "segment.ms")).isEqualTo("3600000");
      assertThat(config(configs, topics.streamEvents(), "cleanup.policy")).isEqualTo("delete");
      assertThat(log.topicAdmin().retentionMs(topics.streamEvents())).hasValue(7_200_000L);
      // A 30-day retention rolls a segment a day (a 24th of it would be 30 hours), not every hour.
      log.topicAdmin().setRetention(topics.streamEvents(), 2_592_000_000L);
      configs = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
      assertThat(config(configs, topics.streamEvents(), "segment.ms")).isEqualTo("86400000");
      assertThat(log.topicAdmin().retentionMs(topics.streamEvents())).hasValue(2_592_000_000L);
    } finally {
      log.topicAdmin().setRetention(topics.streamEvents(), LogTopics.STREAM_RETENTION_FLOOR_MS);
    }
    assertThatThrownBy(() -> log.topicAdmin().setRetention(topics.streamEvents(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot set the retention of _tributary.stream-events to 0 ms: must be positive");
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
  void shouldAppendToSeveralPartitionsInOneTransaction() {
    List<LogPosition> positions =
        log.writer()
            .appendAtomically(
                List.of(
                    Map.entry(
                        new LogRoute(log.topics().sharedWrites(), 1, "a".getBytes(UTF_8)),
                        "one".getBytes(UTF_8)),
                    Map.entry(
                        new LogRoute(log.topics().sharedWrites(), 2, "b".getBytes(UTF_8)),
                        "two".getBytes(UTF_8))))
            .join();

    assertThat(positions).extracting(LogPosition::partition).containsExactly(1, 2);
    // A read_committed reader sees both: the transaction committed.
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions =
          positions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      for (LogPosition p : positions) {
        consumer.seek(new TopicPartition(p.topic(), p.partition()), p.offset());
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(100))
                    .forEach(r -> seen.add(new String(r.value(), UTF_8)));
                return seen.size() >= 2;
              });
    }
    assertThat(seen).containsExactlyInAnyOrder("one", "two");
  }

  @Test
  void shouldAbortTheTransactionThatTheLastRunOnTheSameDataDirLeftOpen(@TempDir Path dir)
      throws Exception {
    String topic;
    KafkaProducer<byte[], byte[]> crashed;
    try (Log first = Log.open(LogConfig.embedded(dir).withPartitions(2))) {
      first.start();
      topic = first.topics().sharedWrites();
      String id = Files.readString(dir.resolve("atomic-writer.id"), UTF_8).trim();
      assertThat(id).startsWith("tributary-atomic-");
      // What a node killed in the middle of a Prepare leaves: a transaction under its id, open.
      Map<String, Object> config = new HashMap<>(first.clientConfig());
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
      config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
      config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      crashed = new KafkaProducer<>(config);
      crashed.initTransactions();
      crashed.beginTransaction();
      crashed.send(new ProducerRecord<>(topic, 0, null, "left open".getBytes(UTF_8))).get();
    }
    try (Log second = Log.open(LogConfig.embedded(dir).withPartitions(2))) {
      second.start();
      List<LogPosition> positions =
          second
              .writer()
              .appendAtomically(
                  List.of(
                      Map.entry(
                          new LogRoute(topic, 0, "k".getBytes(UTF_8)), "after".getBytes(UTF_8)),
                      Map.entry(
                          new LogRoute(topic, 1, "k".getBytes(UTF_8)), "after".getBytes(UTF_8))))
              .get(20, TimeUnit.SECONDS);
      assertThat(positions).hasSize(2);

      // A read_committed reader reads past the open transaction at once, not after its 60 s.
      Map<String, Object> config = new HashMap<>(second.clientConfig());
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      List<String> seen = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
        TopicPartition p0 = new TopicPartition(topic, 0);
        consumer.assign(List.of(p0));
        consumer.seekToBeginning(List.of(p0));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  consumer
                      .poll(Duration.ofMillis(100))
                      .forEach(r -> seen.add(new String(r.value(), UTF_8)));
                  return seen.contains("after");
                });
      }
      assertThat(seen).containsExactly("after");
    } finally {
      crashed.close(Duration.ZERO);
    }
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

  @Test
  void shouldReadAPartitionFromTheBeginningToItsEndInOffsetOrder() {
    String topic = newTopic();
    List<LogPosition> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      written.add(join(log.writer().append(topic, 1, ("k" + i).getBytes(UTF_8), longBytes(i))));
    }
    try (LogReader reader = log.openReader(topic, 1)) {
      assertThat(reader.topic()).isEqualTo(topic);
      assertThat(reader.partition()).isEqualTo(1);
      assertThat(reader.beginningOffset(WAIT)).isZero();
      long end = reader.endOffset(WAIT);
      assertThat(end).isEqualTo(5);

      List<LogRecord> records = readUntil(reader, end);

      assertThat(records).extracting(LogRecord::position).isEqualTo(written);
      assertThat(records).extracting(r -> new String(r.key(), UTF_8)).startsWith("k0", "k1");
      assertThat(reader.position()).isEqualTo(end);

      reader.seek(3);
      assertThat(readUntil(reader, end)).extracting(LogRecord::offset).containsExactly(3L, 4L);
      reader.seekToBeginning();
      assertThat(readUntil(reader, end)).hasSize(5);
    }
  }

  @Test
  void shouldTailRecordsAppendedAfterTheReaderCaughtUp() {
    String topic = newTopic();
    try (LogReader reader = log.openReader(topic, 0)) {
      assertThat(reader.poll(Duration.ofMillis(50))).isEmpty();
      join(log.writer().append(topic, 0, null, longBytes(7)));

      List<LogRecord> tailed = readUntil(reader, 1);

      assertThat(tailed).extracting(r -> ByteBuffer.wrap(r.value()).getLong()).containsExactly(7L);
    }
  }

  @Test
  void shouldNeverReturnRecordsOfAnAbortedTransaction() throws Exception {
    String topic = newTopic();
    try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
      producer.initTransactions();
      producer.beginTransaction();
      // Acknowledged before the abort, so the aborted record surely holds offset 0.
      producer.send(new ProducerRecord<>(topic, 0, null, longBytes(1))).get(30, TimeUnit.SECONDS);
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, null, longBytes(2))).get(30, TimeUnit.SECONDS);
      producer.commitTransaction();
    }
    try (LogReader reader = log.openReader(topic, 0)) {
      long end = reader.endOffset(WAIT);

      List<LogRecord> records = readUntil(reader, end);

      assertThat(records).extracting(r -> ByteBuffer.wrap(r.value()).getLong()).containsExactly(2L);
      // Offsets 1 and 3 hold the abort and commit markers: gaps a reader must not assume away.
      assertThat(records).extracting(LogRecord::offset).containsExactly(2L);
      assertThat(end).isEqualTo(4);
    }
  }

  @Test
  void shouldSeekTheFirstRecordWhoseKeyReachesTheTarget() {
    String topic = newTopic();
    try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
      producer.initTransactions();
      for (int i = 0; i < 40; i++) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, 0, null, longBytes(i * 10L)));
        if (i % 7 == 3) {
          producer.abortTransaction(); // leaves gaps: the 30, 100, 170, ... are never readable
        } else {
          producer.commitTransaction();
        }
      }
    }
    ToLongFunction<LogRecord> seq = r -> ByteBuffer.wrap(r.value()).getLong();
    try (LogReader reader = log.openReader(topic, 0)) {
      long end = reader.endOffset(WAIT);

      reader.seekFirst(seq, 255, WAIT);
      assertThat(seq.applyAsLong(reader.poll(WAIT).get(0))).isEqualTo(260);

      reader.seekFirst(seq, 100, WAIT);
      assertThat(seq.applyAsLong(reader.poll(WAIT).get(0))).isEqualTo(110);

      assertThat(reader.seekFirst(seq, Long.MIN_VALUE, WAIT)).isZero();
      assertThat(reader.seekFirst(seq, 1_000, WAIT)).isEqualTo(end);
      assertThat(reader.position()).isEqualTo(end);
    }
  }

  @Test
  void shouldEndAPollEarlyWhenWokenUp() {
    try (LogReader reader = log.openReader(newTopic(), 0)) {
      reader.wakeup();
      long started = System.nanoTime();

      assertThat(reader.poll(Duration.ofMinutes(1))).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
    }
  }

  @Test
  void shouldRefuseAReaderOfANegativePartition() {
    assertThatThrownBy(() -> log.openReader(log.topics().changes(), -1))
        .isInstanceOf(LogException.class)
        .hasMessage("Cannot read _tributary.changes--1: partition must be >= 0, got -1");
  }

  @Test
  void shouldRouteCommandsToTheLogsOwnPartitions() {
    LogPosition user = join(log.writer().append(log.topics().userWrite("u42"), longBytes(1)));
    LogPosition shared = join(log.writer().append(log.topics().sharedWrite(42), longBytes(2)));

    assertThat(user.topic()).isEqualTo(LogTopics.USER_WRITES);
    assertThat(user.partition())
        .isEqualTo(LogKeys.partition(LogKeys.userKey("u42"), log.topics().partitions()));
    assertThat(shared.topic()).isEqualTo(LogTopics.SHARED_WRITES);
    assertThat(shared.partition())
        .isEqualTo(LogKeys.partition(LogKeys.sharedKey(42), log.topics().partitions()));
    // The same partition Kafka's default partitioner picks for the key alone.
    assertThat(join(log.writer().append(LogTopics.USER_WRITES, LogKeys.userKey("u42"), null)))
        .extracting(LogPosition::partition)
        .isEqualTo(user.partition());
  }

  private static int topicCount;

  /** A fresh 2-partition topic, so reader tests see only their own records. */
  private static String newTopic() {
    String topic = "reader-test-" + (++topicCount);
    try (Admin admin = TestClients.admin(log)) {
      admin
          .createTopics(List.of(new NewTopic(topic, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      // KAFKA-15591: a write right after createTopics can be lost; wait until the leaders answer.
      Map<TopicPartition, OffsetSpec> partitions =
          Map.of(
              new TopicPartition(topic, 0), OffsetSpec.latest(),
              new TopicPartition(topic, 1), OffsetSpec.latest());
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () -> {
                admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS);
                return true;
              });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return topic;
  }

  private static KafkaProducer<byte[], byte[]> transactionalProducer() {
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "reader-test-" + (++topicCount));
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(config);
  }

  /** Polls until the reader's position reaches {@code end}; returns what it read. */
  private static List<LogRecord> readUntil(LogReader reader, long end) {
    List<LogRecord> records = new ArrayList<>();
    await()
        .pollInSameThread()
        .pollInterval(Duration.ZERO)
        .atMost(WAIT)
        .until(
            () -> {
              records.addAll(reader.poll(Duration.ofMillis(100)));
              return reader.position() >= end;
            });
    return records;
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
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
