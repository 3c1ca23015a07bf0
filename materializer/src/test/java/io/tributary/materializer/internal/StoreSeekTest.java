package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.REACTIONS;
import static io.tributary.materializer.internal.TestTables.TYPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowCodec;
import io.tributary.query.exec.HotCursor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots by key seek over a real RocksDB row store: a cursor over the rows with a primary key
 * prefix returns exactly the rows (and the high-water mark) that a scan of the whole range returns
 * and then filters, reads O(1) entries for a point, and keeps one view with its high-water mark.
 */
class StoreSeekTest {
  /** A SHARED table with a composite key (region TEXT, id BIGINT) and a value. */
  private static final TableDef PLACES =
      new TableDef(
          202,
          "app",
          "places",
          TableKind.SHARED,
          List.of(
              new ColumnDef("region", ColumnType.TEXT, false, null),
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("v", ColumnType.INT, true, null)),
          List.of("region", "id"),
          Map.of(),
          0);

  private static final long NOW = 1_000_000L;
  private static final String[] TEXTS = {"a", "a ", "ab", "b", "", "é", "a\u0000"};

  @TempDir Path stateDir;
  private KeyValueStore<Bytes, byte[]> store;

  @BeforeEach
  void openStore() {
    store =
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("rows"), Serdes.Bytes(), Serdes.ByteArray())
            .withCachingDisabled()
            .withLoggingDisabled()
            .build();
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, "store-seek-test");
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<Object, Object> context =
        new MockProcessorContext<>(config, new TaskId(0, 0), stateDir.toFile());
    store.init(context.getStateStoreContext(), store);
  }

  @AfterEach
  void closeStore() {
    if (store.isOpen()) {
      store.close();
    }
  }

  @Test
  void shouldSeekTheSameRowsAndHighWaterMarkAsAScanThatFilters() {
    long seq = 1;
    for (int seed = 0; seed < 40; seed++) {
      Random random = new Random(seed);
      // Random writes, as the command processor makes them: rows and the watermark in one batch;
      // deletes; in USER and STREAM ranges of two owners and in a SHARED table.
      for (int batch = 0; batch < 30; batch++) {
        int which = random.nextInt(3);
        TableDef table = which == 0 ? REACTIONS : which == 1 ? TYPING : PLACES;
        String owner = table.kind() == TableKind.SHARED ? null : "u" + random.nextInt(2);
        byte[] prefix = StoreLayout.rangePrefix(table, owner);
        List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
        int changes = 1 + random.nextInt(4);
        for (int i = 0; i < changes; i++) {
          Object[] row = randomRow(table, random);
          byte[] key = StoreLayout.key(prefix, primaryKey(table, row));
          byte[] value;
          if (random.nextInt(4) == 0) {
            value = null; // a delete, maybe of an absent key
          } else if (table == TYPING) {
            // STREAM events: some expired at NOW, some not yet.
            value =
                StoreLayout.expiringValue(
                    seq, NOW + random.nextInt(2_000) - 1_000, RowCodec.encode(table.types(), row));
          } else {
            value = StoreLayout.value(seq, RowCodec.encode(table.types(), row));
          }
          writes.add(KeyValue.pair(Bytes.wrap(key), value));
          seq++;
        }
        writes.add(KeyValue.pair(Bytes.wrap(prefix), StoreLayout.watermarkValue(seq - 1)));
        store.putAll(writes);
      }

      for (int probe = 0; probe < 30; probe++) {
        int which = random.nextInt(3);
        TableDef table = which == 0 ? REACTIONS : which == 1 ? TYPING : PLACES;
        String owner =
            table.kind() == TableKind.SHARED ? null : "u" + random.nextInt(3); // u2: no rows
        Object[] row = randomRow(table, random);
        int keyColumns = table.primaryKey().size();
        List<Object> keyPrefix = new ArrayList<>();
        int[] pk = table.primaryKeyIndexes();
        int fixed = random.nextInt(keyColumns + 1);
        for (int i = 0; i < fixed; i++) {
          keyPrefix.add(row[pk[i]]);
        }

        Expected expected = scanAndFilter(table, owner, keyPrefix);
        List<Object[]> rows = new ArrayList<>();
        long highWater;
        try (HotCursor cursor = StoreScanner.open(store, table, owner, keyPrefix, NOW)) {
          cursor.forEachRemaining(rows::add);
          highWater = cursor.highWater();
        }

        assertThat(rows)
            .as("seed %d, %s of %s, key prefix %s", seed, table.name(), owner, keyPrefix)
            .usingRecursiveFieldByFieldElementComparator()
            .containsExactlyElementsOf(expected.rows);
        assertThat(highWater)
            .as("seed %d, %s of %s, key prefix %s", seed, table.name(), owner, keyPrefix)
            .isEqualTo(expected.highWater);
      }
    }
  }

  @Test
  void shouldReadOneEntryToFindOneRowAmongManyAndEveryEntryToScan() {
    List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
    byte[] prefix = StoreLayout.rangePrefix(PLACES, null);
    for (int i = 0; i < 10_000; i++) {
      Object[] row = {"r" + (i % 10), (long) i, i};
      writes.add(
          KeyValue.pair(
              Bytes.wrap(StoreLayout.key(prefix, primaryKey(PLACES, row))),
              StoreLayout.value(i + 1, RowCodec.encode(PLACES.types(), row))));
    }
    writes.add(KeyValue.pair(Bytes.wrap(prefix), StoreLayout.watermarkValue(10_000)));
    store.putAll(writes);
    CountingStore counting = new CountingStore(store);

    List<Object[]> point = read(counting, PLACES, List.of("r7", 4_567L));

    assertThat(point).containsExactly(new Object[] {"r7", 4_567L, 4_567, 4_568L});
    // The watermark twice (before and after the view is taken) and the one row.
    assertThat(counting.entries.get()).isLessThanOrEqualTo(3);

    counting.entries.set(0);
    assertThat(read(counting, PLACES, List.of("r7", 4_568L))).isEmpty(); // absent
    assertThat(counting.entries.get()).isLessThanOrEqualTo(2);

    counting.entries.set(0);
    assertThat(read(counting, PLACES, List.of("r7"))).hasSize(1_000); // a prefix: its run only
    assertThat(counting.entries.get()).isLessThanOrEqualTo(1_002);

    counting.entries.set(0);
    assertThat(read(counting, PLACES, List.of())).hasSize(10_000);
    assertThat(counting.entries.get()).isEqualTo(10_001); // the scan: every row and the watermark
  }

  @Test
  void shouldKeepTheViewAndHighWaterMarkOfTheMomentItWasOpened() {
    store.putAll(List.of(place("r1", 1, 10, 5), place("r1", 2, 20, 6), watermark(6)));

    try (HotCursor cursor = StoreScanner.open(store, PLACES, null, List.of("r1", 1L), NOW)) {
      store.putAll(List.of(place("r1", 1, 11, 7), watermark(7)));
      assertThat(cursor.highWater()).isEqualTo(6);
      assertThat(cursor.next()).containsExactly("r1", 1L, 10, 5L);
      assertThat(cursor.hasNext()).isFalse();
      assertThat(cursor.highWater()).isEqualTo(6);
    }
  }

  @Test
  void shouldTakeAnotherViewWhenAWriteComesBetweenTheWatermarkAndTheView() {
    store.putAll(List.of(place("r1", 1, 10, 5), watermark(5)));
    AtomicInteger scans = new AtomicInteger();
    // The first view is taken after a write that the watermark read before it did not see.
    ReadOnlyKeyValueStore<Bytes, byte[]> racing =
        new CountingStore(store) {
          @Override
          public <S extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
              P prefix, S serializer) {
            if (scans.getAndIncrement() == 0) {
              store.putAll(List.of(place("r1", 1, 11, 8), watermark(8)));
            }
            return super.prefixScan(prefix, serializer);
          }
        };

    List<Object[]> rows = new ArrayList<>();
    long highWater;
    try (HotCursor cursor = StoreScanner.open(racing, PLACES, null, List.of("r1", 1L), NOW)) {
      cursor.forEachRemaining(rows::add);
      highWater = cursor.highWater();
    }

    assertThat(scans.get()).isEqualTo(2);
    assertThat(rows).containsExactly(new Object[] {"r1", 1L, 11, 8L});
    assertThat(highWater).isEqualTo(8);
  }

  @Test
  void shouldScanARangeWithoutAWatermarkAndKeepItsHighWaterMark() {
    // Last written before watermark entries existed: H is the largest _seq of the whole range.
    store.putAll(List.of(place("r1", 1, 10, 5), place("r2", 1, 20, 9)));

    List<Object[]> rows = new ArrayList<>();
    long highWater;
    try (HotCursor cursor = StoreScanner.open(store, PLACES, null, List.of("r1", 1L), NOW)) {
      cursor.forEachRemaining(rows::add);
      highWater = cursor.highWater();
    }

    assertThat(rows).containsExactly(new Object[] {"r1", 1L, 10, 5L});
    assertThat(highWater).isEqualTo(9);
  }

  private record Expected(List<Object[]> rows, long highWater) {}

  private Expected scanAndFilter(TableDef table, String owner, List<Object> keyPrefix) {
    List<Object[]> rows = new ArrayList<>();
    long highWater;
    int[] pk = table.primaryKeyIndexes();
    try (HotCursor cursor = StoreScanner.open(store, table, owner, NOW)) {
      while (cursor.hasNext()) {
        Object[] row = cursor.next();
        boolean holds = true;
        for (int i = 0; i < keyPrefix.size(); i++) {
          holds &= RowCodec.sameValue(row[pk[i]], keyPrefix.get(i));
        }
        if (holds) {
          rows.add(row);
        }
      }
      highWater = cursor.highWater();
    }
    return new Expected(rows, highWater);
  }

  private static List<Object[]> read(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, List<Object> keyPrefix) {
    List<Object[]> rows = new ArrayList<>();
    try (HotCursor cursor = StoreScanner.open(store, table, null, keyPrefix, NOW)) {
      cursor.forEachRemaining(rows::add);
    }
    return rows;
  }

  private static Object[] randomRow(TableDef table, Random random) {
    if (table == REACTIONS) {
      return new Object[] {
        (long) random.nextInt(4), TEXTS[random.nextInt(TEXTS.length)], random.nextInt(100)
      };
    }
    if (table == TYPING) {
      return new Object[] {(long) random.nextInt(6) - 2, (long) random.nextInt(3), "e"};
    }
    return new Object[] {
      TEXTS[random.nextInt(TEXTS.length)], (long) random.nextInt(4), random.nextInt(100)
    };
  }

  private static byte[] primaryKey(TableDef table, Object[] row) {
    int[] pk = table.primaryKeyIndexes();
    Object[] key = new Object[pk.length];
    for (int i = 0; i < pk.length; i++) {
      key[i] = row[pk[i]];
    }
    return RowCodec.encode(table.primaryKeyTypes(), key);
  }

  private static KeyValue<Bytes, byte[]> place(String region, long id, int v, long seq) {
    Object[] row = {region, id, v};
    return KeyValue.pair(
        Bytes.wrap(StoreLayout.key(StoreLayout.rangePrefix(PLACES, null), primaryKey(PLACES, row))),
        StoreLayout.value(seq, RowCodec.encode(PLACES.types(), row)));
  }

  private static KeyValue<Bytes, byte[]> watermark(long seq) {
    return KeyValue.pair(
        Bytes.wrap(StoreLayout.rangePrefix(PLACES, null)), StoreLayout.watermarkValue(seq));
  }

  /** A store that counts the entries read from it: each get, and each entry an iterator returns. */
  private static class CountingStore implements ReadOnlyKeyValueStore<Bytes, byte[]> {
    final AtomicInteger entries = new AtomicInteger();
    private final ReadOnlyKeyValueStore<Bytes, byte[]> store;

    CountingStore(ReadOnlyKeyValueStore<Bytes, byte[]> store) {
      this.store = store;
    }

    @Override
    public byte[] get(Bytes key) {
      entries.incrementAndGet();
      return store.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
      return counted(store.range(from, to));
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
      return counted(store.all());
    }

    @Override
    public <S extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
        P prefix, S serializer) {
      return counted(store.prefixScan(prefix, serializer));
    }

    @Override
    public long approximateNumEntries() {
      return store.approximateNumEntries();
    }

    private KeyValueIterator<Bytes, byte[]> counted(KeyValueIterator<Bytes, byte[]> it) {
      return new KeyValueIterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
          entries.incrementAndGet();
          return it.next();
        }

        @Override
        public void close() {
          it.close();
        }

        @Override
        public Bytes peekNextKey() {
          return it.peekNextKey();
        }
      };
    }
  }
}
