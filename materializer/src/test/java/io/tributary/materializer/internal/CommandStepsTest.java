package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.REACTIONS;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static io.tributary.materializer.internal.TestTables.message;
import static io.tributary.materializer.internal.TestTables.reaction;
import static io.tributary.materializer.internal.TestTables.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.CommandLimits;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DELETEs and purges too large for one step are applied in bounded steps, each appending the next
 * to its own partition (issue 11, item 4: a purge of any size must never hold one transaction
 * open).
 */
class CommandStepsTest {
  @TempDir Path dir;
  private TopologyHarness harness;

  @AfterEach
  void close() {
    if (harness != null) {
      harness.close();
    }
  }

  private TopologyHarness harness(int deleteRows, long deleteBytes, int purgeEntries) {
    harness =
        new TopologyHarness(
            dir,
            ApplyListener.NONE,
            ChangeListener.NONE,
            new CommandProcessor.Steps(deleteRows, deleteBytes, purgeEntries));
    return harness;
  }

  private static byte[][] messages(long from, int count) {
    return LongStream.range(from, from + count)
        .mapToObj(id -> message(id, 1, "user", "m" + id))
        .toArray(byte[][]::new);
  }

  @Test
  void shouldDeleteMoreRowsThanOneStepChangesInStepsAndReportTheTotalOnce() {
    TopologyHarness h = harness(10, 1L << 20, 1_000);
    h.insert("u1", MESSAGES, messages(1, 95));
    h.insert("u2", MESSAGES, messages(1, 3));
    h.changes.readRecordsToList();

    WriteOutcome outcome = h.delete("u1", MESSAGES, null);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rowsAffected()).isEqualTo(95);
    assertThat(h.scan(MESSAGES, "u1")).isEmpty();
    assertThat(h.scan(MESSAGES, "u2")).hasSize(3);
    List<RowChange> changes = h.readChanges();
    assertThat(changes).hasSize(95).allMatch(c -> c.kind() == RowChange.Kind.DELETE);
    assertThat(changes).extracting(RowChange::seq).isSorted().doesNotHaveDuplicates();
    // Ten steps: the statement and nine DeleteSteps, each at its own offset, each ≤ 10 rows.
    Set<Long> offsets = new HashSet<>();
    changes.forEach(c -> offsets.add(c.seq() >>> 16));
    assertThat(offsets).hasSize(10);
    List<TestRecord<byte[], byte[]>> steps = h.userSteps.readRecordsToList();
    assertThat(steps).hasSize(9);
    assertThat(steps)
        .extracting(r -> CommandCodec.decodeCommand(r.value()))
        .allSatisfy(c -> assertThat(c).isInstanceOf(WriteCommand.DeleteStep.class))
        .extracting(c -> ((WriteCommand.DeleteStep) c).deleted())
        .containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L);
  }

  @Test
  void shouldCarryTheBoundConditionOfTheDeleteIntoEachStep() {
    TopologyHarness h = harness(10, 1L << 20, 1_000);
    h.insert("u1", MESSAGES, messages(1, 40));

    WriteOutcome outcome = h.delete("u1", MESSAGES, "id % 2 = 0");

    assertThat(outcome.rowsAffected()).isEqualTo(20);
    assertThat(h.scan(MESSAGES, "u1")).hasSize(20).allMatch(row -> (Long) row[0] % 2 == 1);
    List<TestRecord<byte[], byte[]>> steps = h.userSteps.readRecordsToList();
    assertThat(steps).hasSize(1);
    assertThat(steps.get(0).value()[1]).isEqualTo((byte) 8); // a DeleteStep with a bound tree
    WriteCommand.DeleteStep step =
        (WriteCommand.DeleteStep) CommandCodec.decodeCommand(steps.get(0).value());
    assertThat(step.where()).isNull();
    assertThat(step.boundWhere()).isEqualTo(TestTables.where(MESSAGES, "id % 2 = 0"));
  }

  @Test
  void shouldEndADeleteStepOnceItsRowsReachTheByteBound() {
    TopologyHarness h = harness(CommandLimits.MAX_CHANGES, 200, 1_000);
    h.insert("u1", MESSAGES, messages(1, 40));

    WriteOutcome outcome = h.delete("u1", MESSAGES, "id > 5");

    assertThat(outcome.rowsAffected()).isEqualTo(35);
    assertThat(h.scan(MESSAGES, "u1"))
        .extracting(row -> row[0])
        .containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(h.userSteps.readRecordsToList()).hasSizeGreaterThan(1);
  }

  @Test
  void shouldKeepRowsWrittenAfterTheDeleteBegan() {
    TopologyHarness h = harness(10, 1L << 20, 1_000);
    h.insert("u1", MESSAGES, messages(1, 5)); // offset 0
    h.insert("u1", MESSAGES, messages(100, 5)); // offset 1: written "after" the delete began
    h.update("u1", MESSAGES, "id = 3", List.of("content"), List.of("'edited'")); // offset 2

    // A later step of a DELETE that began at offset 1: only versions with _seq < 1 << 16 go.
    WriteOutcome outcome =
        h.apply(
            new WriteCommand.DeleteStep(h.nextId(), MESSAGES.id(), "u1", null, (1L << 16) - 1, 7));

    assertThat(outcome.rowsAffected()).isEqualTo(7 + 4);
    assertThat(h.scan(MESSAGES, "u1"))
        .extracting(row -> row[0])
        .containsExactly(3L, 100L, 101L, 102L, 103L, 104L);
  }

  @Test
  void shouldFinishADeleteWhoseTableWasDroppedBetweenSteps() {
    TopologyHarness h = harness(10, 1L << 20, 1_000);

    WriteOutcome outcome =
        h.apply(new WriteCommand.DeleteStep(h.nextId(), 999, "u1", null, Long.MAX_VALUE, 42));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rowsAffected()).isEqualTo(42);
  }

  @Test
  void shouldPurgeATableInBoundedStepsToTheSamePartition() {
    TopologyHarness h = harness(10, 1L << 20, 7);
    h.insert("u1", MESSAGES, messages(1, 20));
    h.insert("u2", MESSAGES, messages(1, 20));
    h.insert("u1", REACTIONS, reaction(1, "x", 1));
    h.changes.readRecordsToList();

    WriteOutcome outcome = h.purge(MESSAGES);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(h.scan(MESSAGES, "u1")).isEmpty();
    assertThat(h.scan(MESSAGES, "u2")).isEmpty();
    assertThat(h.scan(REACTIONS, "u1")).hasSize(1);
    assertThat(h.changes.isEmpty()).isTrue();
    // 40 rows and 2 watermarks, 7 entries a step: 6 steps, the first one the command itself.
    List<TestRecord<byte[], byte[]>> steps = h.userSteps.readRecordsToList();
    assertThat(steps).hasSize(5);
    assertThat(steps)
        .allSatisfy(
            r -> {
              assertThat(CommandCodec.decodeCommand(r.value()))
                  .isInstanceOf(WriteCommand.PurgeTable.class);
              byte[] partition = r.headers().lastHeader(CommandProcessor.PARTITION_HEADER).value();
              assertThat(ByteBuffer.wrap(partition).getInt()).isZero();
            });
  }

  @Test
  void shouldPurgeOneOwnersRowsOnly() {
    TopologyHarness h = harness(10, 1L << 20, 3);
    h.insert("u1", MESSAGES, messages(1, 10));
    h.insert("u2", MESSAGES, messages(1, 2));
    h.insert("u1", REACTIONS, reaction(1, "x", 1));

    WriteOutcome outcome = h.apply(new WriteCommand.PurgeTable(h.nextId(), MESSAGES.id(), "u1"));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(h.scan(MESSAGES, "u1")).isEmpty();
    assertThat(h.snapshot(MESSAGES, "u1").highWater()).isEqualTo(-1);
    assertThat(h.scan(MESSAGES, "u2")).hasSize(2);
    assertThat(h.scan(REACTIONS, "u1")).hasSize(1);
  }

  @Test
  void shouldPurgeASharedTableInSteps() {
    TopologyHarness h = harness(10, 1L << 20, 4);
    List<byte[]> rooms = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      rooms.add(room(i, "r" + i, i));
    }
    h.applyShared(new WriteCommand.InsertRows(h.nextId(), ROOMS.id(), null, rooms));

    WriteOutcome outcome = h.purge(ROOMS);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(h.scan(ROOMS, null)).isEmpty();
  }

  @Test
  void shouldPurgeAMillionRowsWithTheDefaultSteps() {
    TopologyHarness h = harness(CommandLimits.MAX_CHANGES, 16L << 20, 50_000);
    int perCommand = 62_500;
    for (int i = 0; i < 16; i++) {
      h.insert("u1", MESSAGES, messages((long) i * perCommand, perCommand));
    }
    h.changes.readRecordsToList();

    WriteOutcome outcome = h.purge(MESSAGES);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(h.entries(MESSAGES)).isEmpty();
    assertThat(h.userSteps.readRecordsToList()).hasSize(20);
  }
}
