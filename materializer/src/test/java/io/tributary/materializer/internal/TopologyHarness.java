package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.LogKeys;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.HotSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The materializer's topology in a {@link TopologyTestDriver} (real RocksDB stores), with helpers
 * that apply one command and return its outcome. The offset of the n-th command piped into a write
 * topic is n - 1.
 */
final class TopologyHarness implements AutoCloseable {
  private static final MaterializerTopology.Topics TOPICS =
      new MaterializerTopology.Topics("user-writes", "shared-writes", "stream-events", "changes");

  final List<WriteOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger requests = new AtomicInteger();
  final TopologyTestDriver driver;
  private final TestInputTopic<byte[], byte[]> userWrites;
  private final TestInputTopic<byte[], byte[]> sharedWrites;
  private final TestInputTopic<byte[], byte[]> streamEvents;
  final TestOutputTopic<byte[], byte[]> changes;

  /** The command steps the topology appended to user-writes (read them to see each step). */
  final TestOutputTopic<byte[], byte[]> userSteps;

  /**
   * The command steps the topology appended to stream-events (expiries, steps of STREAM tables).
   */
  final TestOutputTopic<byte[], byte[]> streamSteps;

  TopologyHarness(Path stateDir, ChangeListener changeListener) {
    this(stateDir, ApplyListener.NONE, changeListener);
  }

  /** {@code listener} hears each outcome before the harness records it. */
  TopologyHarness(Path stateDir, ApplyListener listener, ChangeListener changeListener) {
    this(stateDir, listener, changeListener, CommandProcessor.Steps.DEFAULT);
  }

  TopologyHarness(
      Path stateDir,
      ApplyListener listener,
      ChangeListener changeListener,
      CommandProcessor.Steps steps) {
    this(stateDir, listener, changeListener, steps, CommandProcessor.Expiry.DEFAULT);
  }

  /** A harness whose STREAM events expire by {@code expiry}'s clock and step. */
  TopologyHarness(
      Path stateDir,
      ApplyListener listener,
      ChangeListener changeListener,
      CommandProcessor.Steps steps,
      CommandProcessor.Expiry expiry) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "materializer-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    driver =
        new TopologyTestDriver(
            MaterializerTopology.build(
                TOPICS,
                TestTables.catalog(),
                new CachingRowCompiler(new ExpressionsRowCompiler(), 64),
                outcome -> {
                  listener.applied(outcome);
                  outcomes.add(outcome);
                },
                changeListener,
                steps,
                () -> {},
                expiry,
                new org.apache.kafka.streams.Topology()),
            props);
    ByteArraySerializer serializer = new ByteArraySerializer();
    userWrites = driver.createInputTopic("user-writes", serializer, serializer);
    sharedWrites = driver.createInputTopic("shared-writes", serializer, serializer);
    streamEvents = driver.createInputTopic("stream-events", serializer, serializer);
    ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
    changes = driver.createOutputTopic("changes", deserializer, deserializer);
    userSteps = driver.createOutputTopic("user-writes", deserializer, deserializer);
    streamSteps = driver.createOutputTopic("stream-events", deserializer, deserializer);
  }

  @Override
  public void close() {
    driver.close();
  }

  String nextId() {
    return "r" + requests.incrementAndGet();
  }

  WriteOutcome insert(String owner, TableDef table, byte[]... rows) {
    return apply(new WriteCommand.InsertRows(nextId(), table.id(), owner, List.of(rows)));
  }

  WriteOutcome update(
      String owner, TableDef table, String where, List<String> columns, List<String> exprs) {
    return apply(
        WriteCommand.UpdateRows.bound(
            nextId(),
            table.id(),
            owner,
            TestTables.where(table, where),
            columns,
            TestTables.values(table, columns, exprs)));
  }

  WriteOutcome delete(String owner, TableDef table, String where) {
    return apply(
        WriteCommand.DeleteRows.bound(nextId(), table.id(), owner, TestTables.where(table, where)));
  }

  WriteOutcome purge(TableDef table) {
    WriteCommand purge = new WriteCommand.PurgeTable(nextId(), table.id(), null);
    return StoreLayout.ownedRows(table) ? apply(purge) : applyShared(purge);
  }

  /**
   * Applies a command of an owned table: from the stream-events topic when the table is a STREAM
   * table (as the server routes it), else from user-writes.
   */
  WriteOutcome apply(WriteCommand command) {
    boolean stream =
        TestTables.catalog()
            .table(command.tableId())
            .map(t -> t.kind() == io.tributary.query.catalog.TableKind.STREAM)
            .orElse(false);
    return stream ? applyStream(command) : applyUser(command);
  }

  /** Applies a command of the user-writes topic, whatever its table. */
  WriteOutcome applyUser(WriteCommand command) {
    int before = outcomes.size();
    userWrites.pipeInput(
        LogKeys.userKey(command.owner() == null ? "" : command.owner()),
        CommandCodec.encode(command));
    return onlyNewOutcome(before, command);
  }

  /** Applies a command of the stream-events topic, whatever its table. */
  WriteOutcome applyStream(WriteCommand command) {
    int before = outcomes.size();
    streamEvents.pipeInput(
        LogKeys.userKey(command.owner() == null ? "" : command.owner()),
        CommandCodec.encode(command));
    return onlyNewOutcome(before, command);
  }

  /** Applies a command of the shared-writes topic. */
  WriteOutcome applyShared(WriteCommand command) {
    int before = outcomes.size();
    sharedWrites.pipeInput(LogKeys.sharedKey(command.tableId()), CommandCodec.encode(command));
    return onlyNewOutcome(before, command);
  }

  private WriteOutcome onlyNewOutcome(int before, WriteCommand command) {
    assertThat(outcomes).hasSize(before + 1);
    WriteOutcome outcome = outcomes.get(before);
    assertThat(outcome.requestId()).isEqualTo(command.requestId());
    return outcome;
  }

  KeyValueStore<Bytes, byte[]> store(TableDef table) {
    return driver.getKeyValueStore(
        StoreLayout.ownedRows(table)
            ? MaterializerTopology.USER_ROWS
            : MaterializerTopology.SHARED_ROWS);
  }

  List<Object[]> scan(TableDef table, String owner) {
    return StoreScanner.scan(store(table), table, owner);
  }

  HotSnapshot snapshot(TableDef table, String owner) {
    return StoreScanner.snapshot(store(table), table, owner);
  }

  /** Every entry of the table's store, in key order, watermarks included. */
  List<KeyValue<Bytes, byte[]>> entries(TableDef table) {
    List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store(table).all()) {
      it.forEachRemaining(entries::add);
    }
    return entries;
  }

  List<RowChange> readChanges() {
    return changes.readValuesToList().stream().map(CommandCodec::decodeChange).toList();
  }
}
