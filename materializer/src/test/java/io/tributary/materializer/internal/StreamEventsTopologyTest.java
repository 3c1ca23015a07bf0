package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.TYPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ApplyListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands on STREAM tables come from the stream-events topic: its own processor applies them to
 * the store of owned rows, with {@code _seq} values of its own offsets, and refuses them from
 * user-writes (and USER commands from stream-events).
 */
class StreamEventsTopologyTest {
  private static final long AT = 1_800_000_000_000L;

  @TempDir Path stateDir;
  private final List<AppliedChange> applied = Collections.synchronizedList(new ArrayList<>());
  private TopologyHarness h;

  @BeforeEach
  void start() {
    h = new TopologyHarness(stateDir, ApplyListener.NONE, applied::addAll);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private static byte[] event(long id, String text) {
    return RowCodec.encode(TYPING.types(), new Object[] {id, 1L, text});
  }

  private static byte[] message(long id) {
    return RowCodec.encode(MESSAGES.types(), new Object[] {id, 1L, "user", "hi"});
  }

  private WriteCommand.InsertRows typing(String owner, WriteCommand.Accepted accepted, byte[] row) {
    return new WriteCommand.InsertRows(h.nextId(), TYPING.id(), owner, List.of(row), accepted);
  }

  @Test
  void shouldNumberStreamRowsByTheirStreamEventsOffsets() {
    WriteCommand.Accepted now = new WriteCommand.Accepted(AT, null);
    h.apply(new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(1)), now));
    h.apply(new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(2)), now));
    h.apply(new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(3)), now));
    h.apply(typing("u1", now, event(1, "typing")));
    List<RowChange> changes = h.readChanges();

    // user-writes offsets 0..2, then stream-events offset 0: its first _seq is 0 again.
    assertThat(changes)
        .extracting(c -> c.tableId() + "@" + (c.seq() >>> 16))
        .containsExactly(
            MESSAGES.id() + "@0", MESSAGES.id() + "@1", MESSAGES.id() + "@2", TYPING.id() + "@0");
    assertThat(h.snapshot(TYPING, "u1").highWater()).isEqualTo(changes.get(3).seq());
    assertThat(h.snapshot(MESSAGES, "u1").highWater()).isEqualTo(changes.get(2).seq());
    assertThat(h.scan(TYPING, "u1")).extracting(r -> r[2]).containsExactly("typing");
    assertThat(applied)
        .extracting(AppliedChange::seq)
        .containsExactlyElementsOf(changes.stream().map(RowChange::seq).toList());
  }

  @Test
  void shouldRefuseACommandOfAStreamTableFromUserWritesAndTheOtherWayRound() {
    WriteCommand.Accepted now = new WriteCommand.Accepted(AT, null);

    WriteOutcome stream = h.applyUser(typing("u1", now, event(1, "typing")));
    WriteOutcome user =
        h.applyStream(
            new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(1)), now));

    assertThat(stream.error()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(stream.message())
        .isEqualTo(
            "Cannot write to chat.typing: commands on a STREAM table belong to the stream write"
                + " topic");
    assertThat(user.message())
        .isEqualTo(
            "Cannot write to chat.messages: commands on a USER table belong to the user write"
                + " topic");
    assertThat(h.scan(TYPING, "u1")).isEmpty();
    assertThat(h.scan(MESSAGES, "u1")).isEmpty();
    assertThat(h.readChanges()).isEmpty();
  }

  @Test
  void shouldKeepTheAuditOfDelegatedWritesOfBothTopicsAtTheSameOffset() {
    WriteCommand.Accepted asU1 =
        new WriteCommand.Accepted(AT, new WriteCommand.Delegation("id-a", "agent", "u1", "u1"));
    h.apply(
        new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(1)), asU1));
    h.apply(typing("u1", asU1, event(1, "thinking")));

    List<Object[]> audit = StoreScanner.auditRows(h.store(MESSAGES));

    // Both commands are at offset 0 of their topic's partition 0, so both have _seq 0.
    assertThat(audit)
        .extracting(r -> r[4] + " " + r[8])
        .containsExactly("chat.messages 0", "chat.typing 0");
  }

  @Test
  void shouldPurgeADroppedStreamTableFromStreamEventsAndLeaveUserRows() {
    WriteCommand.Accepted now = new WriteCommand.Accepted(AT, null);
    h.apply(new WriteCommand.InsertRows(h.nextId(), MESSAGES.id(), "u1", List.of(message(1)), now));
    h.apply(typing("u1", now, event(1, "a")));
    h.apply(typing("u2", now, event(2, "b")));

    WriteOutcome purged = h.purge(TYPING);

    assertThat(purged.rowsAffected()).isEqualTo(2);
    assertThat(h.scan(TYPING, "u1")).isEmpty();
    assertThat(h.scan(TYPING, "u2")).isEmpty();
    assertThat(h.scan(MESSAGES, "u1")).hasSize(1);
  }
}
