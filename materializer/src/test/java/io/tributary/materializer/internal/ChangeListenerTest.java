package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static io.tributary.materializer.internal.TestTables.message;
import static io.tributary.materializer.internal.TestTables.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.HotSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-off of applied changes to a {@link ChangeListener} (DESIGN.md section 3). */
class ChangeListenerTest {
  private static long seq(long offset, int ordinal) {
    return (offset << 16) | ordinal;
  }

  @TempDir Path stateDir;

  /** One element per call of the listener. */
  private final List<List<AppliedChange>> calls = new ArrayList<>();

  private TopologyHarness topology;

  @AfterEach
  void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  void shouldHandOverTheDecodedInsertsOfACommand() {
    topology = new TopologyHarness(stateDir, calls::add);

    topology.insert("u1", MESSAGES, message(1, 10, "user", "hi"), message(2, 10, "bot", null));

    assertThat(calls).hasSize(1);
    List<AppliedChange> changes = calls.get(0);
    assertThat(changes).extracting(AppliedChange::kind).containsOnly(RowChange.Kind.INSERT);
    assertThat(changes).extracting(AppliedChange::table).containsOnly(MESSAGES);
    assertThat(changes).extracting(AppliedChange::owner).containsOnly("u1");
    assertThat(changes).extracting(AppliedChange::partition).containsOnly(0);
    assertThat(changes).extracting(AppliedChange::seq).containsExactly(seq(0, 0), seq(0, 1));
    assertThat(changes).extracting(AppliedChange::oldRow).containsOnlyNulls();
    assertThat(changes.get(0).newRow()).containsExactly(1L, 10L, "user", "hi", seq(0, 0));
    assertThat(changes.get(1).newRow()).containsExactly(2L, 10L, "bot", null, seq(0, 1));
    assertThat(topology.scan(MESSAGES, "u1"))
        .containsExactly(changes.get(0).newRow(), changes.get(1).newRow());
  }

  @Test
  void shouldHandOverUpdatesWithTheOldAndTheNewVersionAndTheirSeqs() {
    topology = new TopologyHarness(stateDir, calls::add);
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 11, "user", "b")); // 0
    topology.insert("u1", MESSAGES, message(3, 10, "user", "c")); // 1
    calls.clear();

    topology.update(
        "u1",
        MESSAGES,
        "conversation_id = 10",
        List.of("content", "role"),
        List.of("upper(content)", "'bot'")); // offset 2

    assertThat(calls).hasSize(1);
    List<AppliedChange> changes = calls.get(0);
    assertThat(changes).extracting(AppliedChange::kind).containsOnly(RowChange.Kind.UPDATE);
    assertThat(changes).extracting(AppliedChange::seq).containsExactly(seq(2, 0), seq(2, 1));
    assertThat(changes.get(0).oldRow()).containsExactly(1L, 10L, "user", "a", seq(0, 0));
    assertThat(changes.get(0).newRow()).containsExactly(1L, 10L, "bot", "A", seq(2, 0));
    assertThat(changes.get(1).oldRow()).containsExactly(3L, 10L, "user", "c", seq(1, 0));
    assertThat(changes.get(1).newRow()).containsExactly(3L, 10L, "bot", "C", seq(2, 1));
  }

  @Test
  void shouldHandOverDeletesWithTheOldVersion() {
    topology = new TopologyHarness(stateDir, calls::add);
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 11, "user", "b")); // 0
    calls.clear();

    topology.delete("u1", MESSAGES, "id = 2"); // offset 1

    assertThat(calls).hasSize(1);
    AppliedChange change = calls.get(0).get(0);
    assertThat(calls.get(0)).hasSize(1);
    assertThat(change.kind()).isEqualTo(RowChange.Kind.DELETE);
    assertThat(change.seq()).isEqualTo(seq(1, 0));
    assertThat(change.oldRow()).containsExactly(2L, 11L, "user", "b", seq(0, 1));
    assertThat(change.newRow()).isNull();
  }

  @Test
  void shouldHandOverTheSameChangesAsTheChangesTopic() {
    topology = new TopologyHarness(stateDir, calls::add);
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 11, "user", "b"));
    topology.update("u1", MESSAGES, null, List.of("content"), List.of("'x'"));
    topology.delete("u1", MESSAGES, "id = 1");

    List<RowChange> emitted = topology.readChanges();
    List<AppliedChange> applied = calls.stream().flatMap(List::stream).toList();
    assertThat(applied).hasSameSizeAs(emitted);
    for (int i = 0; i < emitted.size(); i++) {
      RowChange encoded = emitted.get(i);
      AppliedChange decoded = applied.get(i);
      assertThat(decoded.kind()).isEqualTo(encoded.kind());
      assertThat(decoded.table().id()).isEqualTo(encoded.tableId());
      assertThat(decoded.owner()).isEqualTo(encoded.owner());
      assertThat(decoded.seq()).isEqualTo(encoded.seq());
      assertThat(valuesOf(decoded.oldRow())).isEqualTo(decodeOrNull(encoded.oldRow()));
      assertThat(valuesOf(decoded.newRow())).isEqualTo(decodeOrNull(encoded.newRow()));
    }
  }

  @Test
  void shouldHandOverSharedTableChangesWithoutOwner() {
    topology = new TopologyHarness(stateDir, calls::add);

    topology.applyShared(
        new WriteCommand.InsertRows(
            topology.nextId(), ROOMS.id(), null, List.of(room(1, "lobby", 2))));

    assertThat(calls).hasSize(1);
    AppliedChange change = calls.get(0).get(0);
    assertThat(change.table()).isEqualTo(ROOMS);
    assertThat(change.owner()).isNull();
    assertThat(change.partition()).isZero();
    assertThat(change.newRow()).containsExactly(1L, "lobby", 2, seq(0, 0));
  }

  @Test
  void shouldCallOncePerCommandThatChangedRowsAndNeverForOthers() {
    topology = new TopologyHarness(stateDir, calls::add);
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"));
    topology.insert("u2", MESSAGES, message(1, 10, "user", "a"));
    assertThat(calls).hasSize(2);

    assertThat(topology.insert("u1", MESSAGES, message(1, 1, "dup", null)).error())
        .isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(
            topology
                .update("u1", MESSAGES, null, List.of("conversation_id"), List.of("NULL"))
                .error())
        .isEqualTo(ErrorCode.NOT_NULL_VIOLATION);
    assertThat(
            topology
                .apply(
                    new WriteCommand.InsertRows(
                        topology.nextId(), 999, "u1", List.of(message(2, 1, null, null))))
                .error())
        .isEqualTo(ErrorCode.TABLE_NOT_FOUND);
    assertThat(topology.insert("u1", MESSAGES, new byte[] {1, 0}).error())
        .isEqualTo(ErrorCode.INTERNAL);
    assertThat(topology.delete("u1", MESSAGES, "id = 42").rowsAffected()).isZero();
    assertThat(topology.purge(MESSAGES).rowsAffected()).isEqualTo(2);

    assertThat(calls).hasSize(2);
  }

  @Test
  void shouldCallAfterTheStoreHoldsTheChangesAndBeforeTheOutcome() {
    List<String> events = new ArrayList<>();
    List<HotSnapshot> seenByListener = new ArrayList<>();
    TopologyHarness[] self = new TopologyHarness[1];
    topology =
        new TopologyHarness(
            stateDir,
            (ApplyListener) outcome -> events.add("outcome " + outcome.requestId()),
            changes -> {
              events.add("changes " + changes.size());
              seenByListener.add(self[0].snapshot(MESSAGES, "u1"));
            });
    self[0] = topology;

    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));

    assertThat(events).containsExactly("changes 2", "outcome r1");
    assertThat(seenByListener).hasSize(1);
    assertThat(seenByListener.get(0).rows()).hasSize(2);
    assertThat(seenByListener.get(0).highWater()).isEqualTo(seq(0, 1));
  }

  @Test
  void shouldKeepApplyingWhenTheListenerThrows() {
    List<Long> seen = new ArrayList<>();
    topology =
        new TopologyHarness(
            stateDir,
            changes -> {
              seen.add(changes.get(0).seq());
              throw new IllegalStateException("listener is broken");
            });

    WriteOutcome first = topology.insert("u1", MESSAGES, message(1, 10, "user", "a"));
    WriteOutcome second = topology.insert("u1", MESSAGES, message(2, 10, "user", "b"));
    WriteOutcome third = topology.delete("u1", MESSAGES, "id = 1");

    assertThat(List.of(first, second, third)).allMatch(WriteOutcome::succeeded);
    assertThat(seen).containsExactly(seq(0, 0), seq(1, 0), seq(2, 0));
    assertThat(topology.scan(MESSAGES, "u1")).extracting(row -> row[0]).containsExactly(2L);
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(2, 0));
    assertThat(topology.readChanges()).hasSize(3);
  }

  @Test
  void shouldApplyTheSameWithoutAListener() {
    topology = new TopologyHarness(stateDir, ChangeListener.NONE);

    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"));
    topology.update("u1", MESSAGES, null, List.of("content"), List.of("'b'"));

    assertThat(topology.scan(MESSAGES, "u1"))
        .containsExactly(new Object[] {1L, 10L, "user", "b", seq(1, 0)});
    assertThat(topology.readChanges()).hasSize(2);
  }

  private static Object[] valuesOf(Object[] rowWithSeq) {
    return rowWithSeq == null
        ? null
        : java.util.Arrays.copyOf(rowWithSeq, MESSAGES.columns().size());
  }

  private static Object[] decodeOrNull(byte[] row) {
    return row == null ? null : RowCodec.decode(MESSAGES.types(), row);
  }
}
