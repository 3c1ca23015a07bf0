package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delegated write (EXECUTE AS USER) leaves a row of system.audit in the store, in the same batch
 * as its rows; a refused one and a write an account made as itself leave none.
 */
class AuditTopologyTest {
  private static final long AT = 1_800_000_000_000L;
  private static final WriteCommand.Delegation AGENT_AS_U1 =
      new WriteCommand.Delegation("id-agent", "agent", "id-u1", "u1");

  @TempDir Path stateDir;
  private TopologyHarness h;

  @BeforeEach
  void start() {
    h = new TopologyHarness(stateDir, ChangeListener.NONE);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private static byte[] message(long id, String content) {
    return RowCodec.encode(MESSAGES.types(), new Object[] {id, 1L, "assistant", content});
  }

  private static WriteCommand.Accepted delegated(long at) {
    return new WriteCommand.Accepted(at, AGENT_AS_U1);
  }

  private List<Object[]> audit(boolean shared) {
    return StoreScanner.auditRows(h.store(shared ? ROOMS : MESSAGES));
  }

  @Test
  void shouldRecordEachDelegatedInsertUpdateAndDeleteWithItsSeq() {
    WriteOutcome insert =
        h.apply(
            new WriteCommand.InsertRows(
                h.nextId(),
                MESSAGES.id(),
                "id-u1",
                List.of(message(1, "hello"), message(2, "there")),
                delegated(AT)));
    List<RowChange> inserted = h.readChanges();
    h.apply(
        WriteCommand.UpdateRows.bound(
                h.nextId(),
                MESSAGES.id(),
                "id-u1",
                TestTables.where(MESSAGES, "id = 1"),
                List.of("content"),
                TestTables.values(MESSAGES, List.of("content"), List.of("'hi'")))
            .withAccepted(delegated(AT + 1)));
    List<RowChange> updated = h.readChanges();
    h.apply(
        WriteCommand.DeleteRows.bound(h.nextId(), MESSAGES.id(), "id-u1", null)
            .withAccepted(delegated(AT + 2)));

    assertThat(insert.rowsAffected()).isEqualTo(2);
    List<Object[]> audit = audit(false);
    assertThat(audit)
        .extracting(r -> List.of(r).subList(0, 7))
        .containsExactly(
            List.of("agent", "id-agent", "u1", "id-u1", "chat.messages", "INSERT", 2L),
            List.of("agent", "id-agent", "u1", "id-u1", "chat.messages", "UPDATE", 1L),
            List.of("agent", "id-agent", "u1", "id-u1", "chat.messages", "DELETE", 2L));
    assertThat(audit).extracting(r -> r[9]).containsExactly(AT, AT + 1, AT + 2);
    // _seq: the command's first change.
    assertThat(audit.get(0)[8]).isEqualTo(inserted.get(0).seq());
    assertThat(audit.get(1)[8]).isEqualTo(updated.get(0).seq());
    assertThat(audit).extracting(r -> r[7]).containsOnly(0);
  }

  @Test
  void shouldRecordNothingForARefusedOrAnUndelegatedWrite() {
    h.insert("id-u1", MESSAGES, message(1, "mine"));
    WriteOutcome duplicate =
        h.apply(
            new WriteCommand.InsertRows(
                h.nextId(), MESSAGES.id(), "id-u1", List.of(message(1, "again")), delegated(AT)));
    h.apply(
        new WriteCommand.InsertRows(
            h.nextId(),
            MESSAGES.id(),
            "id-u1",
            List.of(message(2, "own")),
            new WriteCommand.Accepted(AT, null)));

    assertThat(duplicate.error()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(audit(false)).isEmpty();
    assertThat(h.scan(MESSAGES, "id-u1")).hasSize(2);
  }

  @Test
  void shouldRecordADelegatedWriteOfASharedTableInTheSharedStore() {
    h.applyShared(
        new WriteCommand.InsertRows(
            h.nextId(),
            ROOMS.id(),
            null,
            List.of(RowCodec.encode(ROOMS.types(), new Object[] {1L, "lobby", 3})),
            delegated(AT)));

    assertThat(audit(true))
        .singleElement()
        .satisfies(r -> assertThat(r[4]).isEqualTo("app.rooms"))
        .satisfies(r -> assertThat(r[5]).isEqualTo("INSERT"));
  }
}
