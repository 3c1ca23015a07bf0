package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Reads the rows of one key range of a row store (see {@link StoreLayout}). */
final class StoreScanner {
  private static final ByteArraySerializer PREFIX_SERIALIZER = new ByteArraySerializer();

  private StoreScanner() {}

  /**
   * The rows of one owner of a USER or STREAM table, or of a whole SHARED table ({@code owner}
   * ignored), by a prefix scan of that range. One RocksDB iterator serves the whole scan, so the
   * rows come from one point-in-time view. Each row holds canonical values in column order followed
   * by its {@code _seq}. The range's watermark entry is not a row and is skipped.
   */
  static List<Object[]> scan(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    return snapshot(store, table, owner).rows();
  }

  /**
   * Like {@link #scan}, with the range's high-water mark read by the same iterator, hence from the
   * same point-in-time view as the rows: the watermark entry is the range's shortest key, so the
   * prefix scan returns it first. The high-water mark is the watermark's {@code _seq}, which is at
   * least every row's {@code _seq}; for a range last written before watermarks existed (no entry)
   * it falls back to the largest row {@code _seq}, and it is 0 for a range that never changed.
   */
  static HotSnapshot snapshot(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    byte[] prefix = StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? owner : null);
    List<ColumnType> types = table.types();
    List<Object[]> rows = new ArrayList<>();
    long highWater = -1;
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), prefix)) {
          highWater = StoreLayout.seqOf(entry.value);
          continue;
        }
        Object[] row = StoreLayout.decode(types, entry.value);
        highWater = Math.max(highWater, (Long) row[types.size()]);
        rows.add(row);
      }
    }
    return new HotSnapshot(rows, highWater);
  }
}
