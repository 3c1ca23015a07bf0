package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.log.LogKeys;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowCodec;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class HotStoreReaderTest {
  private final FakeTime time = new FakeTime();

  @Test
  void shouldReadTheOwnersPartitionOfTheUserStore() {
    KeyValueStore<Bytes, byte[]> store = memoryStore();
    byte[] prefix = StoreLayout.ownerPrefix(MESSAGES.id(), "u7");
    store.put(
        Bytes.wrap(StoreLayout.key(prefix, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 1})),
        StoreLayout.value(42, TestTables.message(1, 2, "user", "x")));
    List<String> asked = new ArrayList<>();
    HotStoreReader reader =
        new HotStoreReader(
            (name, partition) -> {
              asked.add(name + "/" + partition);
              return store;
            },
            6,
            time,
            Duration.ofSeconds(10));

    assertThat(reader.scan(MESSAGES, "u7"))
        .containsExactly(new Object[] {1L, 2L, "user", "x", 42L});
    assertThat(reader.scan(ROOMS, null)).isEmpty();
    assertThat(asked)
        .containsExactly(
            "user-rows/" + LogKeys.partition(LogKeys.userKey("u7"), 6),
            "shared-rows/" + LogKeys.partition(LogKeys.sharedKey(ROOMS.id()), 6));
  }

  /** app.spread (SHARED, PARTITION_KEY = 'room'): room BIGINT, id BIGINT, PK (room, id). */
  private static final TableDef SPREAD =
      new TableDef(
          209,
          "app",
          "spread",
          TableKind.SHARED,
          List.of(
              new ColumnDef("room", ColumnType.BIGINT, false, null),
              new ColumnDef("id", ColumnType.BIGINT, false, null)),
          List.of("room", "id"),
          Map.of("PARTITION_KEY", "room"),
          0);

  @Test
  void shouldReadAPartitionedSharedTableFromThePartitionOfEachKeyValue() {
    int partitions = 6;
    Map<Integer, KeyValueStore<Bytes, byte[]>> stores = new HashMap<>();
    long room7 = 7;
    long room8 = 0;
    int p7 = LogKeys.partition(LogKeys.sharedKey(SPREAD.id(), "7"), partitions);
    while (LogKeys.partition(LogKeys.sharedKey(SPREAD.id(), Long.toString(room8)), partitions)
        == p7) {
      room8++;
    }
    for (long room : new long[] {room7, room8}) {
      int p = LogKeys.partition(LogKeys.sharedKey(SPREAD.id(), Long.toString(room)), partitions);
      KeyValueStore<Bytes, byte[]> store = stores.computeIfAbsent(p, k -> memoryStore());
      byte[] range = StoreLayout.tablePrefix(SPREAD.id());
      byte[] key = StoreScanner.encodeKeyPrefix(SPREAD, List.of(room, 1L));
      store.put(
          Bytes.wrap(StoreLayout.key(range, key)),
          StoreLayout.value(100 + room, RowCodec.encode(SPREAD.types(), new Object[] {room, 1L})));
      store.put(Bytes.wrap(range), StoreLayout.watermarkValue(100 + room));
    }
    List<Integer> asked = new ArrayList<>();
    HotStoreReader reader =
        new HotStoreReader(
            (name, partition) -> {
              asked.add(partition);
              return stores.computeIfAbsent(partition, k -> memoryStore());
            },
            partitions,
            time,
            Duration.ofSeconds(10));

    assertThat(reader.scan(SPREAD, null))
        .containsExactlyInAnyOrder(
            new Object[] {room7, 1L, 100 + room7}, new Object[] {room8, 1L, 100 + room8});
    assertThat(asked).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);

    asked.clear();
    try (HotCursor cursor = reader.open(SPREAD, null, List.of(room7))) {
      assertThat(cursor.next()).containsExactly(room7, 1L, 100 + room7);
      assertThat(cursor.hasNext()).isFalse();
      assertThat(cursor.highWater()).isEqualTo(100 + room7);
    }
    assertThat(asked).containsOnly(p7);
    assertThat(reader.highWater(SPREAD, Long.toString(room8))).isEqualTo(100 + room8);
    assertThatThrownBy(() -> reader.highWater(SPREAD, null))
        .isInstanceOf(TributaryException.class)
        .hasMessageContaining("PARTITION_KEY room");
  }

  @Test
  void shouldReadASnapshotWithTheRangesWatermark() {
    KeyValueStore<Bytes, byte[]> store = memoryStore();
    byte[] prefix = StoreLayout.ownerPrefix(MESSAGES.id(), "u7");
    store.put(
        Bytes.wrap(StoreLayout.key(prefix, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 1})),
        StoreLayout.value(42, TestTables.message(1, 2, "user", "x")));
    store.put(Bytes.wrap(prefix), StoreLayout.watermarkValue(43));
    store.put(
        Bytes.wrap(StoreLayout.ownerPrefix(MESSAGES.id(), "u8")), StoreLayout.watermarkValue(99));
    HotStoreReader reader =
        new HotStoreReader((name, partition) -> store, 6, time, Duration.ofSeconds(10));

    HotSnapshot snapshot = reader.snapshot(MESSAGES, "u7");

    assertThat(snapshot.rows()).containsExactly(new Object[] {1L, 2L, "user", "x", 42L});
    assertThat(snapshot.highWater()).isEqualTo(43);
    assertThat(reader.scan(MESSAGES, "u7")).hasSize(1);
    assertThat(reader.snapshot(MESSAGES, "u8")).isEqualTo(new HotSnapshot(List.of(), 99));
    assertThat(reader.snapshot(ROOMS, null)).isEqualTo(new HotSnapshot(List.of(), -1));
  }

  @Test
  void shouldFallBackToTheLargestRowSeqForARangeWithoutWatermark() {
    KeyValueStore<Bytes, byte[]> store = memoryStore();
    byte[] prefix = StoreLayout.ownerPrefix(MESSAGES.id(), "legacy");
    store.put(
        Bytes.wrap(StoreLayout.key(prefix, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 1})),
        StoreLayout.value(77, TestTables.message(1, 2, "user", "x")));
    store.put(
        Bytes.wrap(StoreLayout.key(prefix, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 2})),
        StoreLayout.value(12, TestTables.message(2, 2, "user", "y")));
    HotStoreReader reader =
        new HotStoreReader((name, partition) -> store, 1, time, Duration.ofSeconds(10));

    assertThat(reader.snapshot(MESSAGES, "legacy").highWater()).isEqualTo(77);
  }

  @Test
  void shouldRetryWhileTheStoreIsMigrating() {
    KeyValueStore<Bytes, byte[]> store = memoryStore();
    AtomicInteger attempts = new AtomicInteger();
    HotStoreReader reader =
        new HotStoreReader(
            (name, partition) -> {
              if (attempts.incrementAndGet() < 4) {
                throw new InvalidStateStoreException("store is restoring");
              }
              return store;
            },
            1,
            time,
            Duration.ofSeconds(10));

    assertThat(reader.scan(MESSAGES, "u1")).isEmpty();
    assertThat(attempts).hasValue(4);
    assertThat(time.sleeps).containsExactly(10L, 20L, 40L);
  }

  @Test
  void shouldGiveUpWithUnavailableAfterTheBoundedWait() {
    HotStoreReader reader =
        new HotStoreReader(
            (name, partition) -> {
              throw new InvalidStateStoreException("the store may have migrated");
            },
            1,
            time,
            Duration.ofSeconds(10));

    assertThatThrownBy(() -> reader.scan(MESSAGES, "u1"))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessage(
            "Cannot read table chat.messages: the hot store is not available (the store may have"
                + " migrated)");
    assertThat(time.milliseconds()).isEqualTo(10_000);
    assertThat(time.sleeps).allMatch(ms -> ms <= 200);
  }

  @Test
  void shouldRefuseToReadAUserTableWithoutAnOwner() {
    HotStoreReader reader =
        new HotStoreReader((name, partition) -> memoryStore(), 1, time, Duration.ofSeconds(1));

    assertThatThrownBy(() -> reader.scan(MESSAGES, null))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot read table chat.messages: a USER table is read per user, and no user was"
                + " named");
  }

  private static KeyValueStore<Bytes, byte[]> memoryStore() {
    KeyValueStore<Bytes, byte[]> store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("rows"), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    return store;
  }

  /** A clock that only moves when slept on. */
  static final class FakeTime implements Time {
    final List<Long> sleeps = new ArrayList<>();
    private long now;

    @Override
    public long milliseconds() {
      return now;
    }

    @Override
    public long nanoseconds() {
      return now * 1_000_000;
    }

    @Override
    public void sleep(long ms) {
      sleeps.add(ms);
      now += ms;
    }
  }
}
