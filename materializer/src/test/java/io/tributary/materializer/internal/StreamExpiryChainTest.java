package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.TYPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.LogKeys;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.TopicRecord;
import io.tributary.query.command.WriteCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An expiry chain whose steps are not applied at once: here the steps go to a topic the topology
 * does not read, and the test applies each when it chooses, as a slow log would. The chain is one
 * expiry however long it runs, and every expired event reaches the user topics that take DELETEs.
 */
class StreamExpiryChainTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final long TTL = 30_000;
  private static final int STEP = 10;

  @TempDir Path stateDir;
  private final AtomicLong clock = new AtomicLong(T0);
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> writes;
  private TestOutputTopic<byte[], byte[]> steps;
  private TestOutputTopic<byte[], byte[]> routed;
  private TestOutputTopic<byte[], byte[]> changes;

  @BeforeEach
  void start() {
    CatalogState catalog = TestTables.catalog();
    catalog.apply(
        CatalogRecord.topic(
            new TopicDef(
                900,
                "chat",
                "typing_gone",
                2,
                List.of(
                    new TopicSource(
                        TYPING.id(), "chat.typing", List.of("DELETE"), null, TopicPayload.FULL)),
                0)));
    ByteArraySerializer serializer = new ByteArraySerializer();
    ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
    Topology topology = new Topology();
    topology.addSource("writes", deserializer, deserializer, "stream-events");
    topology.addProcessor(
        "commands",
        () ->
            new CommandProcessor(
                "rows",
                TableKind.STREAM,
                catalog,
                new CachingRowCompiler(new ExpressionsRowCompiler(), 64),
                ApplyListener.NONE,
                ChangeListener.NONE,
                "changes",
                "steps",
                "topics",
                CommandProcessor.Steps.DEFAULT,
                () -> {},
                new CommandProcessor.Expiry(clock::get, Duration.ofSeconds(1), STEP)),
        "writes");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("rows"), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingDisabled(),
        "commands");
    topology.addSink("changes", "changes", serializer, serializer, "commands");
    topology.addSink("steps", "held-steps", serializer, serializer, "commands");
    topology.addSink("topics", "routed", serializer, serializer, "commands");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "expiry-chain-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(T0));
    writes = driver.createInputTopic("stream-events", serializer, serializer);
    steps = driver.createOutputTopic("held-steps", deserializer, deserializer);
    routed = driver.createOutputTopic("routed", deserializer, deserializer);
    changes = driver.createOutputTopic("changes", deserializer, deserializer);

    byte[][] rows =
        IntStream.range(0, 25)
            .mapToObj(i -> RowCodec.encode(TYPING.types(), new Object[] {100L + i, 1L, "e"}))
            .toArray(byte[][]::new);
    writes.pipeInput(
        LogKeys.userKey("u1"),
        CommandCodec.encode(
            new WriteCommand.InsertRows(
                "r1", TYPING.id(), "u1", List.of(rows), new WriteCommand.Accepted(T0, null))));
    changes.readRecordsToList();
    clock.set(T0 + TTL + 100);
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  /** Applies a step the way the log would deliver it: same key, value, headers and timestamp. */
  private void apply(TestRecord<byte[], byte[]> step) {
    writes.pipeInput(new TestRecord<>(step.key(), step.value(), step.headers(), step.timestamp()));
  }

  @Test
  void shouldStartNoSecondExpiryWhileAChainRunsLongerThanTheRetryTime() {
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    List<TestRecord<byte[], byte[]>> first = steps.readRecordsToList();
    assertThat(first).hasSize(1);
    apply(first.get(0)); // step 1 of 3, right away

    driver.advanceWallClockTime(Duration.ofSeconds(20));
    List<TestRecord<byte[], byte[]>> second = steps.readRecordsToList();
    assertThat(second).hasSize(1); // the continuation only
    apply(second.get(0)); // step 2, 20 s after the chain started

    // 35 s after the chain started, 15 s after its last step: the chain is still running
    driver.advanceWallClockTime(Duration.ofSeconds(15));
    List<TestRecord<byte[], byte[]>> third = steps.readRecordsToList();
    assertThat(third).hasSize(1); // the continuation only: no second chain
    apply(third.get(0));
    assertThat(steps.readRecordsToList()).isEmpty();
    assertThat(changes.readRecordsToList()).hasSize(25);
  }

  @Test
  void shouldSendExpiredEventsToTheTopicsThatTakeDeletes() {
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    List<TestRecord<byte[], byte[]>> pending = steps.readRecordsToList();
    while (!pending.isEmpty()) {
      pending.forEach(this::apply);
      pending = steps.readRecordsToList();
    }
    List<TestRecord<byte[], byte[]>> out = routed.readRecordsToList();
    assertThat(out).hasSize(25);
    assertThat(out)
        .allSatisfy(
            r -> {
              TopicRecord t = TopicRecord.decode(r.value());
              assertThat(t.kind()).isEqualTo(RowChange.Kind.DELETE);
              assertThat(t.owner()).isEqualTo("u1");
              assertThat(t.tableId()).isEqualTo(TYPING.id());
              assertThat(r.headers().lastHeader(CommandProcessor.TOPIC_HEADER)).isNotNull();
            });
    assertThat(
            out.stream()
                .map(r -> RowCodec.decode(TYPING.types(), TopicRecord.decode(r.value()).row())[0]))
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 25).mapToObj(i -> (Object) (100L + i)).toList());
  }
}
