package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.TYPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ApplyListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STREAM events expire (TTL_SECONDS): reads hide an event once the injected clock passes its
 * expiry, the punctuator appends an ExpireRows command, and applying it removes the events and
 * their index entries in bounded steps, each removal a DELETE change with its own {@code _seq}.
 */
class StreamExpiryTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final long TTL = 30_000;

  @TempDir Path stateDir;
  private final AtomicLong clock = new AtomicLong(T0);
  private final List<AppliedChange> applied = Collections.synchronizedList(new ArrayList<>());
  private TopologyHarness h;

  @BeforeEach
  void start() {
    h = harness(CommandProcessor.Expiry.DEFAULT_STEP);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private TopologyHarness harness(int step) {
    if (h != null) {
      h.close();
    }
    return new TopologyHarness(
        stateDir,
        ApplyListener.NONE,
        applied::addAll,
        CommandProcessor.Steps.DEFAULT,
        new CommandProcessor.Expiry(clock::get, Duration.ofSeconds(1), step));
  }

  private static byte[] event(long id, String text) {
    return RowCodec.encode(TYPING.types(), new Object[] {id, 1L, text});
  }

  private WriteOutcome insertAt(long atMillis, String owner, byte[]... rows) {
    return h.apply(
        new WriteCommand.InsertRows(
            h.nextId(),
            TYPING.id(),
            owner,
            List.of(rows),
            new WriteCommand.Accepted(atMillis, null)));
  }

  /** Lets the punctuator run: it reads the injected clock. */
  private void punctuate() {
    h.driver.advanceWallClockTime(Duration.ofSeconds(1));
  }

  private List<Object[]> readAt(long now, String owner) {
    return StoreScanner.scan(h.store(TYPING), TYPING, owner, now);
  }

  @Test
  void shouldHideAnEventFromReadsOnceItsTtlHasPassed() {
    insertAt(T0, "u1", event(1, "typing"));
    insertAt(T0 + 5_000, "u1", event(2, "thinking"));

    assertThat(readAt(T0 + TTL - 1, "u1")).extracting(r -> r[0]).containsExactly(1L, 2L);
    assertThat(readAt(T0 + TTL, "u1")).extracting(r -> r[0]).containsExactly(2L);
    assertThat(readAt(T0 + TTL + 5_000, "u1")).isEmpty();
  }

  @Test
  void shouldRemoveExpiredEventsAndTheirIndexEntriesAsDeleteChanges() {
    insertAt(T0, "u1", event(1, "a"), event(2, "b"));
    insertAt(T0 + 10_000, "u2", event(3, "c"));
    h.changes.readRecordsToList();
    applied.clear();
    // Rows 3, index entries 3, watermarks 2.
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(8);

    clock.set(T0 + TTL - 1);
    punctuate();
    assertThat(h.streamSteps.readRecordsToList()).isEmpty();
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(8);

    clock.set(T0 + TTL);
    punctuate();

    List<TestRecord<byte[], byte[]>> steps = h.streamSteps.readRecordsToList();
    assertThat(steps).hasSize(1);
    WriteCommand expire = CommandCodec.decodeCommand(steps.get(0).value());
    assertThat(expire).isEqualTo(new WriteCommand.ExpireRows("expire-0-" + (T0 + TTL), T0 + TTL));
    // u1's two events are gone, with their index entries; u2's event and both watermarks stay.
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(4);
    assertThat(readAt(T0, "u1")).isEmpty();
    assertThat(readAt(T0, "u2")).extracting(r -> r[0]).containsExactly(3L);
    List<RowChange> changes = h.readChanges();
    assertThat(changes)
        .allMatch(c -> c.kind() == RowChange.Kind.DELETE && c.owner().equals("u1"))
        .extracting(RowChange::seq)
        .hasSize(2)
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(applied)
        .extracting(c -> c.kind() + " " + c.owner() + " " + c.oldRow()[0])
        .containsExactly("DELETE u1 1", "DELETE u1 2");
    // The range's watermark moved to the last removal, so a snapshot's high-water mark covers it.
    assertThat(h.snapshot(TYPING, "u1").highWater()).isEqualTo(changes.get(1).seq());

    clock.set(T0 + TTL + 10_000);
    punctuate();
    assertThat(h.readChanges()).extracting(RowChange::owner).containsExactly("u2");
    // Only the two watermarks are left.
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(2);
  }

  @Test
  void shouldRemoveManyExpiredEventsInBoundedSteps() {
    h = harness(10);
    for (int i = 0; i < 5; i++) {
      byte[][] rows =
          IntStream.range(0, 5).mapToObj(j -> event(100 + j, "e")).toArray(byte[][]::new);
      insertAt(T0 + i, "u" + i, rows);
    }
    h.changes.readRecordsToList();

    clock.set(T0 + TTL + 100);
    punctuate();

    // One expiry from the punctuator, then two more steps appended by the steps themselves.
    List<TestRecord<byte[], byte[]>> steps = h.streamSteps.readRecordsToList();
    assertThat(steps).hasSize(3);
    List<RowChange> changes = h.readChanges();
    assertThat(changes).hasSize(25);
    assertThat(changes.stream().map(c -> c.seq() >>> 16).distinct()).hasSize(3);
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(5); // the watermarks
  }

  @Test
  void shouldLetANewEventTakeTheKeyOfAnExpiredOneAndKeepIt() {
    insertAt(T0, "u1", event(1, "old"));
    WriteOutcome again = insertAt(T0 + TTL - 1, "u1", event(1, "too early"));
    assertThat(again.error()).isEqualTo(ErrorCode.DUPLICATE_KEY);

    WriteOutcome fresh = insertAt(T0 + TTL + 1, "u1", event(1, "new"));
    assertThat(fresh.succeeded()).isTrue();

    clock.set(T0 + TTL + 2);
    punctuate();
    // The old event's index entry pointed to a key that now holds a newer event: it stays.
    assertThat(readAt(T0 + TTL + 2, "u1")).extracting(r -> r[2]).containsExactly("new");
    clock.set(T0 + 2 * TTL + 1);
    punctuate();
    assertThat(readAt(T0, "u1")).isEmpty();
    assertThat(StoreScanner.entries(h.store(TYPING), TYPING)).isEqualTo(1);
  }

  @Test
  void shouldNotUpdateOrDeleteEventsThatExpiredBeforeTheStatement() {
    insertAt(T0, "u1", event(1, "a"));
    insertAt(T0 + 20_000, "u1", event(2, "b"));
    long at = T0 + TTL + 1;

    WriteOutcome updated =
        h.apply(
            WriteCommand.UpdateRows.bound(
                    h.nextId(),
                    TYPING.id(),
                    "u1",
                    null,
                    List.of("event"),
                    TestTables.values(TYPING, List.of("event"), List.of("'x'")))
                .withAccepted(new WriteCommand.Accepted(at, null)));
    WriteOutcome deleted =
        h.apply(
            WriteCommand.DeleteRows.bound(h.nextId(), TYPING.id(), "u1", null)
                .withAccepted(new WriteCommand.Accepted(at + 1, null)));

    assertThat(updated.rowsAffected()).isEqualTo(1);
    assertThat(deleted.rowsAffected()).isEqualTo(1);
    assertThat(readAt(T0, "u1")).extracting(r -> r[0]).containsExactly(1L);
  }

  @Test
  void shouldKeepTheExpiryOfAnEventThroughAnUpdate() {
    insertAt(T0, "u1", event(1, "a"));
    h.apply(
        WriteCommand.UpdateRows.bound(
                h.nextId(),
                TYPING.id(),
                "u1",
                null,
                List.of("event"),
                TestTables.values(TYPING, List.of("event"), List.of("'b'")))
            .withAccepted(new WriteCommand.Accepted(T0 + 20_000, null)));

    assertThat(readAt(T0 + TTL - 1, "u1")).extracting(r -> r[2]).containsExactly("b");
    assertThat(readAt(T0 + TTL, "u1")).isEmpty();
  }

  @Test
  void shouldNeverExpireRowsOfUserTables() {
    h.insert("u1", MESSAGES, RowCodec.encode(MESSAGES.types(), new Object[] {1L, 1L, "r", "c"}));
    clock.set(Long.MAX_VALUE - 1);
    punctuate();
    assertThat(h.streamSteps.readRecordsToList()).isEmpty();
    assertThat(h.userSteps.readRecordsToList()).isEmpty();
    assertThat(StoreScanner.scan(h.store(MESSAGES), MESSAGES, "u1", Long.MAX_VALUE - 1)).hasSize(1);
  }
}
