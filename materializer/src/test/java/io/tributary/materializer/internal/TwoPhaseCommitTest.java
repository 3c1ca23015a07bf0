package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.GROUP_MESSAGES;
import static io.tributary.materializer.internal.TestTables.groupMessage;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.LogKeys;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One partition's side of a statement that spans partitions (two-phase commit through the log): a
 * prepared piece is invisible and reserves its keys, a commit makes it visible with the decision's
 * {@code _seq}, a refused piece keeps nothing, and a transaction whose deadline passes without a
 * decision is aborted by its home partition's owner, after which a late commit is refused. The
 * driver has one partition, so the home partition is the only participant here; the passing of the
 * decision to other partitions is covered by the server's end-to-end test.
 */
class TwoPhaseCommitTest {
  private static final long T0 = 1_800_000_000_000L;

  @TempDir Path stateDir;
  private final AtomicLong clock = new AtomicLong(T0);
  private TopologyHarness h;
  private TestInputTopic<byte[], byte[]> sharedWrites;
  private TestOutputTopic<byte[], byte[]> sharedSteps;
  private long offset;

  @BeforeEach
  void start() {
    start(stateDir, CommandProcessor.Steps.DEFAULT);
  }

  private void start(Path dir, CommandProcessor.Steps steps) {
    h =
        new TopologyHarness(
            dir,
            ApplyListener.NONE,
            ChangeListener.NONE,
            steps,
            new CommandProcessor.Expiry(clock::get, Duration.ofSeconds(1), 1_000));
    ByteArraySerializer serializer = new ByteArraySerializer();
    sharedWrites = h.driver.createInputTopic("shared-writes", serializer, serializer);
    ByteArrayDeserializer deserializer = new ByteArrayDeserializer();
    sharedSteps = h.driver.createOutputTopic("shared-writes", deserializer, deserializer);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  /** Pipes one command into shared-writes; returns the outcomes it produced. */
  private List<WriteOutcome> pipe(WriteCommand command) {
    int before = h.outcomes.size();
    sharedWrites.pipeInput(
        LogKeys.sharedKey(GROUP_MESSAGES.id(), "7"), CommandCodec.encode(command));
    offset++;
    return List.copyOf(h.outcomes.subList(before, h.outcomes.size()));
  }

  private static WriteCommand.PrepareTx prepare(String tx, long deadline, byte[]... rows) {
    return new WriteCommand.PrepareTx(
        tx + "/0",
        GROUP_MESSAGES.id(),
        tx,
        List.of(0),
        deadline,
        new WriteCommand.InsertRows(
            tx, GROUP_MESSAGES.id(), null, List.of(rows), new WriteCommand.Accepted(T0, null)));
  }

  private static WriteCommand.DecideTx decide(String tx, boolean commit) {
    return new WriteCommand.DecideTx(
        tx + "/decide", GROUP_MESSAGES.id(), tx, commit, List.of(0), false);
  }

  private WriteOutcome insert(byte[]... rows) {
    return pipe(new WriteCommand.InsertRows(
            h.nextId(),
            GROUP_MESSAGES.id(),
            null,
            List.of(rows),
            new WriteCommand.Accepted(T0, null)))
        .get(0);
  }

  private List<Object[]> rows() {
    return h.scan(GROUP_MESSAGES, null);
  }

  @Test
  void shouldKeepAPreparedPieceInvisibleAndReservedUntilItsCommit() {
    WriteOutcome vote =
        pipe(prepare("tx1", T0 + 60_000, groupMessage(7, 1, "a"), groupMessage(7, 2, "b"))).get(0);
    assertThat(vote).isEqualTo(WriteOutcome.success("tx1/0", 2));
    assertThat(rows()).isEmpty();
    assertThat(h.readChanges()).isEmpty();

    // Another write of a reserved key is refused, retryably; one of another key applies.
    WriteOutcome conflict = insert(groupMessage(7, 2, "other"));
    assertThat(conflict.error()).isEqualTo(ErrorCode.WRITE_CONFLICT);
    assertThat(insert(groupMessage(7, 3, "c")).succeeded()).isTrue();
    h.readChanges();

    long decideOffset = offset;
    assertThat(pipe(decide("tx1", true))).containsExactly(WriteOutcome.success("tx1/decide", 2));
    assertThat(rows())
        .extracting(r -> r[1] + ":" + r[2] + ":" + r[3])
        .containsExactly(
            "1:a:" + StoreLayout.seq(decideOffset, 0),
            "2:b:" + StoreLayout.seq(decideOffset, 1),
            "3:c:" + StoreLayout.seq(decideOffset - 1, 0));
    assertThat(h.readChanges())
        .extracting(RowChange::kind, RowChange::seq)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                RowChange.Kind.INSERT, StoreLayout.seq(decideOffset, 0)),
            org.assertj.core.groups.Tuple.tuple(
                RowChange.Kind.INSERT, StoreLayout.seq(decideOffset, 1)));
    // The keys are released: an UPDATE of them applies, and the store holds nothing but the rows
    // and the table's watermark (no transaction, intent or reservation is left).
    WriteOutcome update =
        pipe(WriteCommand.UpdateRows.bound(
                h.nextId(),
                GROUP_MESSAGES.id(),
                null,
                TestTables.where(GROUP_MESSAGES, "conversation_id = 7"),
                List.of("body"),
                TestTables.values(GROUP_MESSAGES, List.of("body"), List.of("'z'"))))
            .get(0);
    assertThat(update.rowsAffected()).isEqualTo(3);
    assertThat(h.entries(GROUP_MESSAGES)).hasSize(4);
  }

  @Test
  void shouldKeepNothingOfARefusedPieceAndApplyNothingOnAbort() {
    assertThat(insert(groupMessage(7, 1, "old")).succeeded()).isTrue();
    WriteOutcome vote =
        pipe(prepare("tx2", T0 + 60_000, groupMessage(7, 5, "new"), groupMessage(7, 1, "dup")))
            .get(0);
    assertThat(vote.error()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(vote.message()).contains("duplicate primary key (conversation_id, id)=(7, 1)");
    assertThat(insert(groupMessage(7, 5, "free")).succeeded()).isTrue(); // nothing reserved

    assertThat(pipe(decide("tx2", false))).containsExactly(WriteOutcome.success("tx2/decide", 0));
    assertThat(rows()).extracting(r -> r[1] + ":" + r[2]).containsExactly("1:old", "5:free");
    assertThat(h.entries(GROUP_MESSAGES)).hasSize(3);
  }

  @Test
  void shouldAbortATransactionWhoseDeadlinePassedWithoutADecisionAndRefuseALateCommit() {
    assertThat(pipe(prepare("tx3", T0 + 5_000, groupMessage(7, 9, "late"))).get(0).succeeded())
        .isTrue();
    clock.set(T0 + 4_999);
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertThat(sharedSteps.readRecordsToList()).isEmpty();
    assertThat(insert(groupMessage(7, 9, "x")).error()).isEqualTo(ErrorCode.WRITE_CONFLICT);

    clock.set(T0 + 5_001);
    int before = h.outcomes.size();
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
    List<WriteCommand> appended =
        sharedSteps.readRecordsToList().stream()
            .map(r -> CommandCodec.decodeCommand(r.value()))
            .toList();
    assertThat(appended)
        .containsExactly(
            new WriteCommand.DecideTx(
                "tx3/expire", GROUP_MESSAGES.id(), "tx3", false, List.of(0), false));
    assertThat(h.outcomes.subList(before, h.outcomes.size()))
        .containsExactly(WriteOutcome.success("tx3/expire", 0));
    offset++;

    // The coordinator's commit comes after the abort in the log: it is refused, nothing applies.
    WriteOutcome late = pipe(decide("tx3", true)).get(0);
    assertThat(late.error()).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(rows()).isEmpty();
    assertThat(h.readChanges()).isEmpty();
    // Nothing of the transaction is left: the key is free, and no further abort is appended.
    assertThat(insert(groupMessage(7, 9, "x")).succeeded()).isTrue();
    assertThat(h.entries(GROUP_MESSAGES)).hasSize(2);
    clock.set(T0 + 100_000);
    h.driver.advanceWallClockTime(Duration.ofSeconds(40));
    assertThat(sharedSteps.readRecordsToList()).isEmpty();
  }

  /** Restarts the harness with DELETE steps of two rows. */
  private void startWithStepsOfTwo() {
    h.close();
    offset = 0;
    start(
        stateDir.resolve("steps"),
        new CommandProcessor.Steps(
            2, CommandProcessor.DELETE_STEP_BYTES, CommandProcessor.PURGE_STEP));
  }

  private static WriteCommand.PrepareTx prepare(String tx, WriteCommand piece) {
    return new WriteCommand.PrepareTx(
        tx + "/0", GROUP_MESSAGES.id(), tx, List.of(0), T0 + 60_000, piece);
  }

  private WriteCommand updateBody(String where) {
    return WriteCommand.UpdateRows.bound(
            h.nextId(),
            GROUP_MESSAGES.id(),
            null,
            TestTables.where(GROUP_MESSAGES, where),
            List.of("body"),
            TestTables.values(GROUP_MESSAGES, List.of("body"), List.of("'u'")))
        .withAccepted(new WriteCommand.Accepted(T0, null));
  }

  private WriteCommand deleteConversation7() {
    return WriteCommand.DeleteRows.bound(
            h.nextId(),
            GROUP_MESSAGES.id(),
            null,
            TestTables.where(GROUP_MESSAGES, "conversation_id = 7"))
        .withAccepted(new WriteCommand.Accepted(T0, null));
  }

  @Test
  void shouldRefuseALaterStepOfADeleteThatBeganAfterThePrepareOnAReservedRow() {
    startWithStepsOfTwo();
    assertThat(
            insert(
                    groupMessage(7, 1, "a"),
                    groupMessage(7, 2, "b"),
                    groupMessage(7, 3, "c"),
                    groupMessage(7, 4, "d"))
                .succeeded())
        .isTrue();
    assertThat(pipe(prepare("tx5", updateBody("id = 4"))))
        .containsExactly(WriteOutcome.success("tx5/0", 1));

    // The first step deletes rows 1 and 2; the next one (the driver applies it at once) would
    // delete row 4, reserved before the DELETE began: refused.
    WriteOutcome step = pipe(deleteConversation7()).get(0);
    assertThat(step.error()).isEqualTo(ErrorCode.WRITE_CONFLICT);
    assertThat(rows()).extracting(r -> r[1] + ":" + r[2]).containsExactly("3:c", "4:d");

    assertThat(pipe(decide("tx5", true))).containsExactly(WriteOutcome.success("tx5/decide", 1));
    assertThat(rows()).extracting(r -> r[1] + ":" + r[2]).containsExactly("3:c", "4:u");
  }

  @Test
  void shouldCountWhatTheCommitAppliedWhenADeleteThatBeganFirstRemovedAReservedRow() {
    assertThat(
            insert(
                    groupMessage(7, 1, "a"),
                    groupMessage(7, 2, "b"),
                    groupMessage(7, 3, "c"),
                    groupMessage(7, 4, "d"))
                .succeeded())
        .isTrue();
    long deleteBegan = offset; // a large DELETE's first step here (it deleted other rows)
    assertThat(insert(groupMessage(7, 9, "later")).succeeded()).isTrue();
    assertThat(pipe(prepare("tx6", updateBody("id = 4"))))
        .containsExactly(WriteOutcome.success("tx6/0", 1));

    // The DELETE began before the Prepare: its later step deletes the reserved row too.
    WriteCommand.DeleteStep step =
        new WriteCommand.DeleteStep(
            "del",
            GROUP_MESSAGES.id(),
            null,
            null,
            StoreLayout.seq(deleteBegan, 0) - 1,
            2,
            TestTables.where(GROUP_MESSAGES, "conversation_id = 7"),
            new WriteCommand.Accepted(T0, null));
    assertThat(pipe(step)).containsExactly(WriteOutcome.success("del", 6));
    // The commit finds the row gone and changes nothing: its count is 0, not the vote's 1.
    assertThat(pipe(decide("tx6", true))).containsExactly(WriteOutcome.success("tx6/decide", 0));
    assertThat(rows()).extracting(r -> r[1] + ":" + r[2]).containsExactly("9:later");
    assertThat(insert(groupMessage(7, 4, "again")).succeeded()).isTrue();
  }

  @Test
  void shouldReportACommitOfATransactionThisPartitionNeverPrepared() {
    WriteOutcome outcome =
        pipe(new WriteCommand.DecideTx(
                "tx7/0/resolve", GROUP_MESSAGES.id(), "tx7", true, List.of(1, 0), true))
            .get(0);
    assertThat(outcome.error()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(outcome.message()).contains("has no prepared piece of it");
    // An abort of a piece this partition refused is fine.
    assertThat(
            pipe(
                new WriteCommand.DecideTx(
                    "tx8/0/resolve", GROUP_MESSAGES.id(), "tx8", false, List.of(1, 0), true)))
        .containsExactly(WriteOutcome.success("tx8/0/resolve", 0));
  }

  @Test
  void shouldReleaseAndReportAPieceWhoseCommitFailsInsteadOfStoppingThePartition() {
    assertThat(pipe(prepare("tx9", T0 + 60_000, groupMessage(7, 1, "a"))).get(0).succeeded())
        .isTrue();
    // Damage the intent's row: applying it throws.
    var store = h.store(GROUP_MESSAGES);
    List<org.apache.kafka.streams.KeyValue<org.apache.kafka.common.utils.Bytes, byte[]>> intents =
        new java.util.ArrayList<>();
    try (var it = store.prefixScan(StoreLayout.intentPrefix("tx9"), new ByteArraySerializer())) {
      it.forEachRemaining(intents::add);
    }
    assertThat(intents).hasSize(1);
    byte[] intent = intents.get(0).value;
    int header = 1 + 4 + java.nio.ByteBuffer.wrap(intent, 1, 4).getInt();
    byte[] damaged = java.util.Arrays.copyOf(intent, header + 1);
    damaged[header] = (byte) 0xFF;
    store.put(intents.get(0).key, damaged);

    WriteOutcome commit = pipe(decide("tx9", true)).get(0);
    assertThat(commit.error()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(commit.message()).startsWith("Cannot commit the statement: applying its decision");
    // The partition goes on, and the key is free again.
    assertThat(insert(groupMessage(7, 1, "b")).succeeded()).isTrue();
    assertThat(rows()).extracting(r -> r[1] + ":" + r[2]).containsExactly("1:b");
    assertThat(h.entries(GROUP_MESSAGES)).hasSize(2);
  }
}
