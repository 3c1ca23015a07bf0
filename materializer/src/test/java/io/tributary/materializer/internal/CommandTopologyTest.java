package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.REACTIONS;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static io.tributary.materializer.internal.TestTables.message;
import static io.tributary.materializer.internal.TestTables.reaction;
import static io.tributary.materializer.internal.TestTables.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.LogKeys;
import io.tributary.query.ErrorCode;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandTopologyTest {
  private static final MaterializerTopology.Topics TOPICS =
      new MaterializerTopology.Topics("user-writes", "shared-writes", "stream-events", "changes");

  @TempDir Path stateDir;

  private final List<WriteOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger requests = new AtomicInteger();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> userWrites;
  private TestInputTopic<byte[], byte[]> sharedWrites;
  private TestOutputTopic<byte[], byte[]> changes;

  @BeforeEach
  void startDriver() {
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
                outcomes::add),
            props);
    ByteArraySerializer serializer = new ByteArraySerializer();
    userWrites = driver.createInputTopic("user-writes", serializer, serializer);
    sharedWrites = driver.createInputTopic("shared-writes", serializer, serializer);
    ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
    changes = driver.createOutputTopic("changes", deserializer, deserializer);
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  // ---- inserts

  @Test
  void shouldInsertEveryRowOfAMultiRowInsert() {
    WriteOutcome outcome =
        insert(
            "u1",
            MESSAGES,
            message(1, 10, "user", "hi"),
            message(2, 10, "assistant", "hello"),
            message(3, 11, "user", null));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rowsAffected()).isEqualTo(3);
    assertThat(scan(MESSAGES, "u1"))
        .containsExactly(
            new Object[] {1L, 10L, "user", "hi", 0L},
            new Object[] {2L, 10L, "assistant", "hello", 1L},
            new Object[] {3L, 11L, "user", null, 2L});
  }

  @Test
  void shouldGiveEachChangeTheSeqOfItsCommandOffsetAndOrdinal() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"));
    insert("u1", MESSAGES, message(2, 10, "user", "b"), message(3, 10, "user", "c"));

    assertThat(scan(MESSAGES, "u1"))
        .extracting(row -> row[4])
        .containsExactly(0L, (1L << 16), (1L << 16) | 1);
  }

  @Test
  void shouldInsertNothingWhenTheBatchRepeatsAPrimaryKey() {
    WriteOutcome outcome =
        insert(
            "u1",
            MESSAGES,
            message(1, 10, "user", "a"),
            message(5, 10, "user", "b"),
            message(5, 10, "user", "c"));

    assertThat(outcome.error()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(outcome.message())
        .isEqualTo("Cannot insert into chat.messages: duplicate primary key (id)=(5)");
    assertThat(outcome.rowsAffected()).isZero();
    assertThat(scan(MESSAGES, "u1")).isEmpty();
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void shouldInsertNothingWhenAPrimaryKeyAlreadyExists() {
    insert("u1", MESSAGES, message(5, 10, "user", "first"));
    changes.readRecordsToList();

    WriteOutcome outcome =
        insert("u1", MESSAGES, message(6, 10, "user", "b"), message(5, 10, "user", "again"));

    assertThat(outcome.error()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(outcome.message())
        .isEqualTo("Cannot insert into chat.messages: duplicate primary key (id)=(5)");
    assertThat(scan(MESSAGES, "u1")).containsExactly(new Object[] {5L, 10L, "user", "first", 0L});
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void shouldNameEveryColumnOfACompositeDuplicateKey() {
    WriteOutcome outcome = insert("u1", REACTIONS, reaction(7, "👍", 1), reaction(7, "👍", 2));

    assertThat(outcome.message())
        .isEqualTo(
            "Cannot insert into chat.reactions: duplicate primary key (message_id, emoji)=(7, 👍)");
  }

  @Test
  void shouldRefuseACommandThatChangesMoreThan65535Rows() {
    byte[] row = message(1, 1, null, null);
    List<byte[]> rows = Collections.nCopies(65_536, row);

    WriteOutcome outcome = apply(new WriteCommand.InsertRows(nextId(), MESSAGES.id(), "u1", rows));

    assertThat(outcome.error()).isEqualTo(ErrorCode.TOO_MANY_ROWS);
    assertThat(outcome.message())
        .isEqualTo("Cannot insert into chat.messages: one statement may change at most 65535 rows");
    assertThat(scan(MESSAGES, "u1")).isEmpty();
  }

  // ---- owners

  @Test
  void shouldKeepEachOwnersRowsApart() {
    insert("u1", MESSAGES, message(1, 10, "user", "mine"));
    insert("u2", MESSAGES, message(1, 10, "user", "theirs"), message(2, 10, "user", "more"));
    insert("u", MESSAGES, message(9, 10, "user", "prefix of u1"));
    insert("u1", REACTIONS, reaction(1, "x", 1));

    assertThat(scan(MESSAGES, "u1")).containsExactly(new Object[] {1L, 10L, "user", "mine", 0L});
    assertThat(scan(MESSAGES, "u2")).extracting(row -> row[3]).containsExactly("theirs", "more");
    assertThat(scan(MESSAGES, "u")).extracting(row -> row[3]).containsExactly("prefix of u1");
    assertThat(scan(MESSAGES, "nobody")).isEmpty();
  }

  @Test
  void shouldLimitUpdatesAndDeletesToTheCommandsOwner() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"));
    insert("u2", MESSAGES, message(1, 10, "user", "b"));

    WriteOutcome updated = update("u1", MESSAGES, null, List.of("content"), List.of("'edited'"));
    WriteOutcome deleted = delete("u1", MESSAGES, null);

    assertThat(updated.rowsAffected()).isEqualTo(1);
    assertThat(deleted.rowsAffected()).isEqualTo(1);
    assertThat(scan(MESSAGES, "u1")).isEmpty();
    assertThat(scan(MESSAGES, "u2")).extracting(row -> row[3]).containsExactly("b");
  }

  // ---- updates

  @Test
  void shouldUpdateTheRowsMatchingAPredicateOnANonKeyColumn() {
    insert(
        "u1",
        MESSAGES,
        message(1, 10, "user", "a"),
        message(2, 11, "user", "b"),
        message(3, 10, "assistant", "c"));
    changes.readRecordsToList();

    WriteOutcome outcome =
        update(
            "u1",
            MESSAGES,
            "conversation_id = 10",
            List.of("content", "conversation_id"),
            List.of("'edited:' || content", "conversation_id + 100"));

    assertThat(outcome.succeeded()).as(String.valueOf(outcome.message())).isTrue();
    assertThat(outcome.rowsAffected()).isEqualTo(2);
    long base = 1L << 16;
    assertThat(scan(MESSAGES, "u1"))
        .containsExactly(
            new Object[] {1L, 110L, "user", "edited:a", base},
            new Object[] {2L, 11L, "user", "b", 1L},
            new Object[] {3L, 110L, "assistant", "edited:c", base | 1});
    List<RowChange> emitted = readChanges();
    assertThat(emitted).extracting(RowChange::kind).containsOnly(RowChange.Kind.UPDATE);
    assertThat(emitted).extracting(RowChange::seq).containsExactly(base, base | 1);
    // The old versions were written by the insert at offset 0, as its changes 0 and 2.
    assertThat(emitted).extracting(RowChange::oldSeq).containsExactly(0L, 2L);
    assertThat(decode(MESSAGES, emitted.get(0).oldRow())).containsExactly(1L, 10L, "user", "a");
    assertThat(decode(MESSAGES, emitted.get(0).newRow()))
        .containsExactly(1L, 110L, "user", "edited:a");
  }

  @Test
  void shouldRefuseAnUpdateThatSetsANotNullColumnToNull() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 11, "user", "b"));
    changes.readRecordsToList();

    WriteOutcome outcome =
        update(
            "u1",
            MESSAGES,
            "id = 2",
            List.of("content", "conversation_id"),
            List.of("'x'", "NULL"));

    assertThat(outcome.error()).isEqualTo(ErrorCode.NOT_NULL_VIOLATION);
    assertThat(outcome.message())
        .isEqualTo("Cannot update chat.messages: column conversation_id is NOT NULL");
    assertThat(scan(MESSAGES, "u1")).extracting(row -> row[3]).containsExactly("a", "b");
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void shouldLeaveTheStateUnchangedWhenAnExpressionFails() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 0, "user", "b"));

    WriteOutcome outcome =
        update("u1", MESSAGES, null, List.of("conversation_id"), List.of("100 / conversation_id"));

    assertThat(outcome.error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(outcome.message())
        .isEqualTo("Cannot evaluate 100 / conversation_id: division by zero");
    assertThat(scan(MESSAGES, "u1")).extracting(row -> row[1]).containsExactly(10L, 0L);
  }

  @Test
  void shouldRefuseAnUpdateOfAnUnknownColumn() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"));

    WriteOutcome outcome = update("u1", MESSAGES, null, List.of("nope"), List.of("1"));

    assertThat(outcome.error()).isEqualTo(ErrorCode.COLUMN_NOT_FOUND);
    assertThat(outcome.message())
        .isEqualTo("Cannot update chat.messages: column nope does not exist");
  }

  // ---- deletes

  @Test
  void shouldDeleteTheRowsMatchingAPredicateAndEmitTheirOldValues() {
    insert(
        "u1",
        MESSAGES,
        message(1, 10, "user", "a"),
        message(2, 10, "assistant", "b"),
        message(3, 10, "user", "c"));
    changes.readRecordsToList();

    WriteOutcome outcome = delete("u1", MESSAGES, "role = 'user'");

    assertThat(outcome.rowsAffected()).isEqualTo(2);
    assertThat(scan(MESSAGES, "u1")).extracting(row -> row[0]).containsExactly(2L);
    List<RowChange> emitted = readChanges();
    assertThat(emitted).extracting(RowChange::kind).containsOnly(RowChange.Kind.DELETE);
    assertThat(emitted).extracting(RowChange::seq).containsExactly(1L << 16, (1L << 16) | 1);
    assertThat(emitted).extracting(RowChange::oldSeq).containsExactly(0L, 2L);
    assertThat(emitted).extracting(RowChange::newRow).containsOnlyNulls();
    assertThat(decode(MESSAGES, emitted.get(1).oldRow())).containsExactly(3L, 10L, "user", "c");
  }

  @Test
  void shouldDeleteNothingWhenNoRowMatches() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"));

    WriteOutcome outcome = delete("u1", MESSAGES, "conversation_id = 99");

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rowsAffected()).isZero();
    assertThat(scan(MESSAGES, "u1")).hasSize(1);
  }

  // ---- changes

  @Test
  void shouldEmitOneInsertChangePerRowUnderTheCommandsKey() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));

    List<TestRecord<byte[], byte[]>> records = changes.readRecordsToList();
    assertThat(records).hasSize(2);
    assertThat(records)
        .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
        .containsOnly("u1");
    List<RowChange> emitted =
        records.stream().map(r -> CommandCodec.decodeChange(r.value())).toList();
    assertThat(emitted).extracting(RowChange::kind).containsOnly(RowChange.Kind.INSERT);
    assertThat(emitted).extracting(RowChange::tableId).containsOnly(MESSAGES.id());
    assertThat(emitted).extracting(RowChange::owner).containsOnly("u1");
    assertThat(emitted).extracting(RowChange::seq).containsExactly(0L, 1L);
    assertThat(emitted).extracting(RowChange::oldSeq).containsOnly(RowChange.NO_SEQ);
    assertThat(emitted).extracting(RowChange::oldRow).containsOnlyNulls();
    assertThat(decode(MESSAGES, emitted.get(1).newRow())).containsExactly(2L, 10L, "user", "b");
  }

  // ---- shared tables

  @Test
  void shouldApplyCommandsOnASharedTable() {
    insertShared(room(1, "lobby", 3), room(2, "dev", null));
    WriteOutcome outcome =
        applyShared(
            new WriteCommand.UpdateRows(
                nextId(), ROOMS.id(), null, "members IS NULL", List.of("members"), List.of("0")));

    assertThat(outcome.rowsAffected()).isEqualTo(1);
    assertThat(scan(ROOMS, null))
        .containsExactly(new Object[] {1L, "lobby", 3, 0L}, new Object[] {2L, "dev", 0, 1L << 16});
    List<TestRecord<byte[], byte[]>> records = changes.readRecordsToList();
    assertThat(records)
        .extracting(TestRecord::key)
        .allSatisfy(key -> assertThat(key).isEqualTo(LogKeys.sharedKey(ROOMS.id())));
    assertThat(CommandCodec.decodeChange(records.get(0).value()).owner()).isNull();
  }

  @Test
  void shouldRefuseACommandSentToTheWrongWriteTopic() {
    WriteOutcome outcome =
        apply(new WriteCommand.InsertRows(nextId(), ROOMS.id(), "u1", List.of(room(1, "x", 1))));

    assertThat(outcome.error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(outcome.message())
        .isEqualTo(
            "Cannot write to app.rooms: commands on a SHARED table belong to the shared write topic");
  }

  @Test
  void shouldRefuseACommandOnAUserTableThatNamesNoOwner() {
    WriteOutcome outcome =
        apply(
            new WriteCommand.InsertRows(
                nextId(), MESSAGES.id(), null, List.of(message(1, 1, "a", "b"))));

    assertThat(outcome.error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(outcome.message())
        .isEqualTo(
            "Cannot access chat.messages: a USER table's rows belong to a user, and no user was"
                + " named");
  }

  // ---- dropped tables, purge, bad input

  @Test
  void shouldRefuseACommandForADroppedTable() {
    WriteOutcome outcome =
        apply(new WriteCommand.InsertRows(nextId(), 999, "u1", List.of(message(1, 1, "a", "b"))));

    assertThat(outcome.error()).isEqualTo(ErrorCode.TABLE_NOT_FOUND);
    assertThat(outcome.message()).isEqualTo("Cannot write to table: it was dropped");
  }

  @Test
  void shouldPurgeEveryOwnersRowsOfOneTableOnly() {
    insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));
    insert("u2", MESSAGES, message(1, 10, "user", "c"));
    insert("u1", REACTIONS, reaction(1, "x", 1));
    changes.readRecordsToList();

    WriteOutcome outcome = apply(new WriteCommand.PurgeTable(nextId(), MESSAGES.id(), null));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rowsAffected()).isEqualTo(3);
    assertThat(scan(MESSAGES, "u1")).isEmpty();
    assertThat(scan(MESSAGES, "u2")).isEmpty();
    assertThat(scan(REACTIONS, "u1")).hasSize(1);
    assertThat(changes.isEmpty()).isTrue();
  }

  @Test
  void shouldSkipACommandThatCannotBeDecodedAndKeepGoing() {
    userWrites.pipeInput(LogKeys.userKey("u1"), "not json".getBytes(StandardCharsets.UTF_8));
    userWrites.pipeInput(LogKeys.userKey("u1"), (byte[]) null);
    userWrites.pipeInput(
        LogKeys.userKey("u1"), "{\"v\":99,\"type\":\"insert\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(outcomes).isEmpty();

    WriteOutcome outcome = insert("u1", MESSAGES, message(1, 10, "user", "a"));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(scan(MESSAGES, "u1")).extracting(row -> row[4]).containsExactly(3L << 16);
  }

  @Test
  void shouldRefuseRowsThatDoNotMatchTheTablesSchema() {
    byte[] truncated = {1, 0, 0};

    WriteOutcome outcome = insert("u1", MESSAGES, truncated);

    assertThat(outcome.error()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(outcome.message()).startsWith("Cannot apply the command: it is malformed (");
    assertThat(scan(MESSAGES, "u1")).isEmpty();
  }

  // ---- helpers

  private String nextId() {
    return "r" + requests.incrementAndGet();
  }

  private WriteOutcome insert(String owner, TableDef table, byte[]... rows) {
    return apply(new WriteCommand.InsertRows(nextId(), table.id(), owner, List.of(rows)));
  }

  private WriteOutcome insertShared(byte[]... rows) {
    return applyShared(new WriteCommand.InsertRows(nextId(), ROOMS.id(), null, List.of(rows)));
  }

  private WriteOutcome update(
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

  private WriteOutcome delete(String owner, TableDef table, String where) {
    return apply(
        WriteCommand.DeleteRows.bound(nextId(), table.id(), owner, TestTables.where(table, where)));
  }

  private WriteOutcome apply(WriteCommand command) {
    int before = outcomes.size();
    userWrites.pipeInput(
        LogKeys.userKey(command.owner() == null ? "" : command.owner()),
        CommandCodec.encode(command));
    return onlyNewOutcome(before, command);
  }

  private WriteOutcome applyShared(WriteCommand command) {
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

  private List<Object[]> scan(TableDef table, String owner) {
    String store =
        StoreLayout.ownedRows(table)
            ? MaterializerTopology.USER_ROWS
            : MaterializerTopology.SHARED_ROWS;
    KeyValueStore<Bytes, byte[]> kv = driver.getKeyValueStore(store);
    return StoreScanner.scan(kv, table, owner);
  }

  private List<RowChange> readChanges() {
    return changes.readValuesToList().stream().map(CommandCodec::decodeChange).toList();
  }

  private static Object[] decode(TableDef table, byte[] row) {
    return RowCodec.decode(table.types(), row);
  }
}
