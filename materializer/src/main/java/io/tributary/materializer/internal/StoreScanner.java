package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
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
   * by its {@code _seq}.
   */
  static List<Object[]> scan(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    byte[] prefix = StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? owner : null);
    List<ColumnType> types = table.types();
    List<Object[]> rows = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        rows.add(StoreLayout.decode(types, it.next().value));
      }
    }
    return rows;
  }
}
