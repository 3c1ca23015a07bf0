package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.exec.RowVersion;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of the cold tier's flush (DESIGN.md section 7) as the materializer applies them:
 * MarkCold, EvictFlushed guarded by {@code _seq}, RestoreRows only where the range holds no
 * version, and the tombstones a DELETE of a marked row leaves.
 */
class ColdCommandsTest {
  private static long seq(long offset, int ordinal) {
    return (offset << 16) | ordinal;
  }

  @TempDir Path stateDir;
  private TopologyHarness topology;

  @BeforeEach
  void start() {
    topology = new TopologyHarness(stateDir, ChangeListener.NONE);
  }

  @AfterEach
  void stop() {
    topology.close();
  }

  private List<RowVersion> versions(boolean markedOnly) {
    return StoreScanner.versions(topology.store(MESSAGES), MESSAGES, "u1", markedOnly);
  }

  private List<String> rows() {
    return topology.scan(MESSAGES, "u1").stream().map(r -> r[0] + "=" + r[3]).toList();
  }

  private WriteCommand.EvictFlushed evict(long id, long seq) {
    byte[] key = RowCodec.encode(MESSAGES.primaryKeyTypes(), new Object[] {id});
    return new WriteCommand.EvictFlushed(
        topology.nextId(), MESSAGES.id(), "u1", List.of(WriteCommand.EvictFlushed.entry(seq, key)));
  }

  @Test
  void shouldMarkOnlyUnmarkedRowsAndChangeNothingVisible() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));
    long highWater = topology.snapshot(MESSAGES, "u1").highWater();
    assertThat(versions(true)).isEmpty();

    WriteCommand.MarkCold mark = new WriteCommand.MarkCold(topology.nextId(), MESSAGES.id(), "u1");
    assertThat(topology.apply(mark).rowsAffected()).isEqualTo(2);
    assertThat(
            topology
                .apply(new WriteCommand.MarkCold(topology.nextId(), MESSAGES.id(), "u1"))
                .rowsAffected())
        .isZero();

    assertThat(versions(true)).hasSize(2);
    assertThat(rows()).containsExactly("1=a", "2=b");
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(highWater);
    assertThat(topology.readChanges()).hasSize(2); // the two inserts only
  }

  @Test
  void shouldLeaveATombstoneWhenAMarkedRowIsDeletedAndFreeItsKey() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));
    topology.apply(new WriteCommand.MarkCold(topology.nextId(), MESSAGES.id(), "u1")); // offset 1
    topology.insert("u1", MESSAGES, message(3, 10, "user", "c")); // offset 2, not marked

    assertThat(topology.delete("u1", MESSAGES, "id IN (1, 3)").rowsAffected())
        .isEqualTo(2); // offset 3
    assertThat(rows()).containsExactly("2=b");
    List<RowVersion> all = versions(false);
    assertThat(all).hasSize(2);
    RowVersion tombstone = all.get(0);
    assertThat(tombstone.deleted()).isTrue();
    assertThat(tombstone.owner()).isEqualTo("u1");
    assertThat(tombstone.row()[0]).isEqualTo(1L);
    assertThat(tombstone.seq()).isEqualTo(seq(3, 0));
    assertThat(versions(true)).extracting(RowVersion::deleted).containsExactly(true, false);

    // the tombstone frees the key; the new row keeps the mark, so its delete leaves one again
    assertThat(topology.insert("u1", MESSAGES, message(1, 10, "user", "a2")).succeeded()).isTrue();
    assertThat(rows()).containsExactly("1=a2", "2=b");
    assertThat(versions(true)).hasSize(2);
    topology.delete("u1", MESSAGES, "id = 1");
    assertThat(versions(false)).extracting(RowVersion::deleted).containsExactly(true, false);
    // an unmarked row's delete leaves nothing: key 3 is gone for good
    assertThat(versions(false)).extracting(v -> v.row()[0]).doesNotContain(3L);
    // UPDATE skips tombstones and keeps the mark
    assertThat(
            topology
                .update("u1", MESSAGES, null, List.of("content"), List.of("'x'"))
                .rowsAffected())
        .isEqualTo(1);
    assertThat(versions(true)).hasSize(2);
  }

  @Test
  void shouldEvictOnlyTheFlushedVersion() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));
    topology.apply(new WriteCommand.MarkCold(topology.nextId(), MESSAGES.id(), "u1"));
    topology.update("u1", MESSAGES, "id = 2", List.of("content"), List.of("'b2'")); // offset 2

    assertThat(topology.apply(evict(1, seq(0, 0))).rowsAffected()).isEqualTo(1);
    // row 2 changed after the flush read it at seq(0, 1): it stays
    assertThat(topology.apply(evict(2, seq(0, 1))).rowsAffected()).isZero();
    assertThat(rows()).containsExactly("2=b2");
    // applying an eviction again removes nothing
    assertThat(topology.apply(evict(1, seq(0, 0))).rowsAffected()).isZero();
    assertThat(topology.apply(evict(2, seq(2, 0))).rowsAffected()).isEqualTo(1);
    assertThat(rows()).isEmpty();
    assertThat(topology.entries(MESSAGES)).hasSize(1); // the range's watermark
  }

  @Test
  void shouldRestoreOnlyKeysTheRangeDoesNotHold() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "hot")); // offset 0
    topology.apply(new WriteCommand.MarkCold(topology.nextId(), MESSAGES.id(), "u1"));
    topology.delete("u1", MESSAGES, "id = 1"); // offset 2: a tombstone
    topology.insert("u1", MESSAGES, message(2, 10, "user", "hot2")); // offset 3

    WriteCommand.RestoreRows restore =
        new WriteCommand.RestoreRows(
            topology.nextId(),
            MESSAGES.id(),
            "u1",
            List.of(
                entry(5, message(1, 10, "user", "cold1")),
                entry(6, message(2, 10, "user", "cold2")),
                entry(7, message(3, 10, "user", "cold3"))));
    assertThat(topology.apply(restore).rowsAffected()).isEqualTo(1);
    assertThat(rows()).containsExactly("2=hot2", "3=cold3");
    // a restored row is marked: deleting it leaves a tombstone that hides its cold version
    assertThat(versions(true)).extracting(v -> v.row()[0]).containsExactly(1L, 3L);
    assertThat(topology.insert("u1", MESSAGES, message(3, 10, "user", "dup")).error())
        .isEqualTo(ErrorCode.DUPLICATE_KEY);
    topology.delete("u1", MESSAGES, "id = 3");
    assertThat(versions(false)).extracting(RowVersion::deleted).containsExactly(true, false, true);
    assertThat(topology.readChanges())
        .extracting(RowChange::kind)
        .containsExactly(
            RowChange.Kind.INSERT,
            RowChange.Kind.DELETE,
            RowChange.Kind.INSERT,
            RowChange.Kind.DELETE);
  }

  private static byte[] entry(long seq, byte[] row) {
    return ByteBuffer.allocate(Long.BYTES + row.length).putLong(seq).put(row).array();
  }
}
