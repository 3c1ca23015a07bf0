package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.REACTIONS;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static io.tributary.materializer.internal.TestTables.message;
import static io.tributary.materializer.internal.TestTables.reaction;
import static io.tributary.materializer.internal.TestTables.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.HotSnapshot;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-range watermark entries of DESIGN.md section 4 and the snapshots that read them. */
class WatermarkTest {
  /** {@code _seq} of the {@code ordinal}-th change of the command at {@code offset}. */
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

  @Test
  void shouldHaveNoHighWaterForARangeThatNeverChanged() {
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(-1L);
    assertThat(topology.snapshot(MESSAGES, "u1").rows()).isEmpty();
    assertThat(topology.snapshot(ROOMS, null).highWater()).isEqualTo(-1L);
  }

  @Test
  void shouldHoldTheSeqOfTheLastChangeAfterInsertsUpdatesAndDeletes() {
    topology.insert(
        "u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b")); // offset 0
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(0, 1));

    topology.insert("u1", MESSAGES, message(3, 11, "user", "c")); // offset 1
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(1, 0));

    topology.update(
        "u1", MESSAGES, "conversation_id = 10", List.of("content"), List.of("'x'")); // offset 2
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(2, 1));

    topology.delete("u1", MESSAGES, "id = 3"); // offset 3
    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(3, 0));

    WriteOutcome emptied = topology.delete("u1", MESSAGES, null); // offset 4
    assertThat(emptied.rowsAffected()).isEqualTo(2);
    HotSnapshot snapshot = topology.snapshot(MESSAGES, "u1");
    assertThat(snapshot.rows()).isEmpty();
    assertThat(snapshot.highWater()).isEqualTo(seq(4, 1));
  }

  @Test
  void shouldKeepTheWatermarkWhenACommandChangesNothingInTheRange() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a")); // offset 0
    long before = topology.snapshot(MESSAGES, "u1").highWater();
    assertThat(before).isEqualTo(seq(0, 0));

    assertThat(topology.delete("u1", MESSAGES, "id = 99").rowsAffected()).isZero();
    assertThat(
            topology
                .update("u1", MESSAGES, "id = 99", List.of("content"), List.of("'x'"))
                .rowsAffected())
        .isZero();
    assertThat(topology.insert("u1", MESSAGES, message(1, 10, "user", "dup")).error())
        .isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(
            topology
                .update("u1", MESSAGES, null, List.of("conversation_id"), List.of("NULL"))
                .error())
        .isEqualTo(ErrorCode.NOT_NULL_VIOLATION);
    topology.insert("u2", MESSAGES, message(1, 10, "user", "other owner"));
    topology.insert("u1", REACTIONS, reaction(1, "x", 1));

    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(before);
  }

  @Test
  void shouldKeepOneWatermarkPerOwnerAndPerTable() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a")); // offset 0
    topology.insert("u", MESSAGES, message(1, 10, "user", "prefix of u1")); // offset 1
    topology.insert("u2", MESSAGES, message(1, 10, "user", "b"), message(2, 10, "user", "c")); // 2
    topology.insert("u1", REACTIONS, reaction(1, "x", 1)); // offset 3
    topology.delete("u2", MESSAGES, "id = 1"); // offset 4
    topology.applyShared(
        new WriteCommand.InsertRows(
            topology.nextId(), ROOMS.id(), null, List.of(room(1, "lobby", 1)))); // shared 0
    topology.applyShared(
        new WriteCommand.UpdateRows(
            topology.nextId(),
            ROOMS.id(),
            null,
            null,
            List.of("members"),
            List.of("members + 1"))); // shared 1

    assertThat(topology.snapshot(MESSAGES, "u1").highWater()).isEqualTo(seq(0, 0));
    assertThat(topology.snapshot(MESSAGES, "u").highWater()).isEqualTo(seq(1, 0));
    assertThat(topology.snapshot(MESSAGES, "u2").highWater()).isEqualTo(seq(4, 0));
    assertThat(topology.snapshot(REACTIONS, "u1").highWater()).isEqualTo(seq(3, 0));
    assertThat(topology.snapshot(REACTIONS, "u2").highWater()).isEqualTo(-1L);
    assertThat(topology.snapshot(ROOMS, null).highWater()).isEqualTo(seq(1, 0));
  }

  @Test
  void shouldReturnTheRowsAndTheHighWaterOfOneView() {
    topology.insert(
        "u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b")); // offset 0
    topology.update("u1", MESSAGES, "id = 2", List.of("content"), List.of("'B'")); // offset 1

    HotSnapshot snapshot = topology.snapshot(MESSAGES, "u1");

    assertThat(snapshot.rows())
        .containsExactly(
            new Object[] {1L, 10L, "user", "a", seq(0, 0)},
            new Object[] {2L, 10L, "user", "B", seq(1, 0)});
    assertThat(snapshot.rows()).containsExactlyElementsOf(topology.scan(MESSAGES, "u1"));
    assertThat(snapshot.highWater())
        .isEqualTo(snapshot.rows().stream().mapToLong(row -> (Long) row[4]).max().orElseThrow());
  }

  @Test
  void shouldStoreTheWatermarkUnderTheBarePrefixAndScanItFirst() {
    topology.insert("u1", MESSAGES, message(-1, 1, null, null), message(7, 1, null, null));
    topology.insert("u1", REACTIONS, reaction(Long.MIN_VALUE, "", null));
    topology.applyShared(
        new WriteCommand.InsertRows(
            topology.nextId(), ROOMS.id(), null, List.of(room(Long.MIN_VALUE, "", null))));

    for (byte[] prefix :
        List.of(
            StoreLayout.ownerPrefix(MESSAGES.id(), "u1"),
            StoreLayout.ownerPrefix(REACTIONS.id(), "u1"))) {
      assertWatermarkFirst(topology.store(MESSAGES), prefix);
    }
    assertWatermarkFirst(topology.store(ROOMS), StoreLayout.tablePrefix(ROOMS.id()));
  }

  private static void assertWatermarkFirst(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, byte[] prefix) {
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, new ByteArraySerializer())) {
      assertThat(it.hasNext()).isTrue();
      KeyValue<Bytes, byte[]> first = it.next();
      assertThat(first.key.get()).isEqualTo(prefix);
      assertThat(first.value).hasSize(StoreLayout.SEQ_BYTES);
      assertThat(it.hasNext()).isTrue();
      while (it.hasNext()) {
        assertThat(it.next().key.get().length).isGreaterThan(prefix.length);
      }
    }
  }

  @Test
  void shouldNeverScanTheWatermarkAsARow() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 11, "user", "b"));

    assertThat(topology.scan(MESSAGES, "u1")).hasSize(2);
    assertThat(topology.entries(MESSAGES)).hasSize(3);
    assertThat(
            topology
                .update("u1", MESSAGES, null, List.of("content"), List.of("'all'"))
                .rowsAffected())
        .isEqualTo(2);
    assertThat(topology.scan(MESSAGES, "u1")).extracting(row -> row[3]).containsOnly("all");
    assertThat(topology.delete("u1", MESSAGES, null).rowsAffected()).isEqualTo(2);
    assertThat(topology.scan(MESSAGES, "u1")).isEmpty();
    assertThat(topology.entries(MESSAGES)).hasSize(1); // the watermark alone
  }

  @Test
  void shouldPurgeTheWatermarksWithTheRows() {
    topology.insert("u1", MESSAGES, message(1, 10, "user", "a"), message(2, 10, "user", "b"));
    topology.insert("u2", MESSAGES, message(1, 10, "user", "c"));
    topology.insert("u1", REACTIONS, reaction(1, "x", 1));

    WriteOutcome purged = topology.purge(MESSAGES);

    assertThat(purged.rowsAffected()).isEqualTo(3);
    assertThat(topology.snapshot(MESSAGES, "u1")).isEqualTo(new HotSnapshot(List.of(), -1));
    assertThat(topology.snapshot(MESSAGES, "u2").highWater()).isEqualTo(-1L);
    assertThat(topology.entries(MESSAGES))
        .extracting(entry -> entry.key)
        .containsExactly(
            Bytes.wrap(StoreLayout.ownerPrefix(REACTIONS.id(), "u1")),
            Bytes.wrap(
                StoreLayout.key(
                    StoreLayout.ownerPrefix(REACTIONS.id(), "u1"),
                    RowCodec.encode(REACTIONS.primaryKeyTypes(), new Object[] {1L, "x"}))));
    assertThat(topology.snapshot(REACTIONS, "u1").highWater()).isEqualTo(seq(2, 0));
  }

  @Test
  void shouldPurgeASharedTablesWatermark() {
    topology.applyShared(
        new WriteCommand.InsertRows(
            topology.nextId(), ROOMS.id(), null, List.of(room(1, "a", 1), room(2, "b", 2))));

    assertThat(topology.purge(ROOMS).rowsAffected()).isEqualTo(2);
    assertThat(topology.entries(ROOMS)).isEmpty();
    assertThat(topology.snapshot(ROOMS, null).highWater()).isEqualTo(-1L);
  }

  @Test
  void shouldTellWatermarkKeysFromRowKeys() {
    byte[] owner = StoreLayout.ownerPrefix(MESSAGES.id(), "u1");
    byte[] row = StoreLayout.key(owner, new byte[] {1});
    byte[] shared = StoreLayout.tablePrefix(ROOMS.id());

    assertThat(StoreLayout.isWatermark(owner, true)).isTrue();
    assertThat(StoreLayout.isWatermark(row, true)).isFalse();
    assertThat(StoreLayout.isWatermark(StoreLayout.ownerPrefix(MESSAGES.id(), ""), true)).isTrue();
    assertThat(StoreLayout.isWatermark(shared, false)).isTrue();
    assertThat(StoreLayout.isWatermark(StoreLayout.key(shared, new byte[] {1}), false)).isFalse();
    assertThat(StoreLayout.isWatermark(owner, owner)).isTrue();
    assertThat(StoreLayout.isWatermark(row, owner)).isFalse();
  }
}
