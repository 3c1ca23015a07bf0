package io.tributary.materializer.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowCodec;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import io.tributary.query.exec.HotVersions;
import io.tributary.query.exec.RowVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads one key range of a row store (see {@link StoreLayout}) by a prefix scan. One RocksDB
 * iterator serves a whole read, and a RocksDB iterator reads one point-in-time view (the implicit
 * snapshot it takes when created), so the rows and the range's watermark entry agree however long
 * the read takes. The watermark entry is the range's shortest key, so the scan returns it first; it
 * is not a row and is skipped. So is a STREAM event that has expired at the time of the read (its
 * removal by the expiry step may come a little later).
 */
final class StoreScanner {
  private static final ByteArraySerializer PREFIX_SERIALIZER = new ByteArraySerializer();

  /** How often a seek tries for a view in which the watermark did not move, before a scan. */
  private static final int SEEK_ATTEMPTS = 3;

  private StoreScanner() {}

  /** The rows of one range, all in memory, as of the system clock. */
  static List<Object[]> scan(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    return scan(store, table, owner, System.currentTimeMillis());
  }

  /** The rows of one range that have not expired at {@code now}, all in memory. */
  static List<Object[]> scan(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner, long now) {
    return snapshot(store, table, owner, now).rows();
  }

  /** The rows and the high-water mark of one range, all in memory, as of the system clock. */
  static HotSnapshot snapshot(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    return snapshot(store, table, owner, System.currentTimeMillis());
  }

  /** The rows not expired at {@code now} and the high-water mark of one range, all in memory. */
  static HotSnapshot snapshot(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner, long now) {
    try (Cursor cursor = open(store, table, owner, now)) {
      List<Object[]> rows = new ArrayList<>();
      cursor.forEachRemaining(rows::add);
      return new HotSnapshot(rows, cursor.highWater());
    }
  }

  /**
   * Opens a cursor over one range and reads its first entry, so the iterator (and with it the view)
   * exists when this returns. Throws InvalidStateStoreException when the store is unavailable (the
   * caller retries).
   */
  static Cursor open(ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    return open(store, table, owner, System.currentTimeMillis());
  }

  /** Like {@link #open(ReadOnlyKeyValueStore, TableDef, String)}, hiding events expired at now. */
  static Cursor open(
      ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner, long now) {
    byte[] prefix = StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? owner : null);
    KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER);
    Cursor cursor = new Cursor(it, prefix, null, table, now);
    try {
      cursor.advance();
    } catch (RuntimeException e) {
      cursor.close();
      throw e;
    }
    return cursor;
  }

  /**
   * Opens a cursor over the rows of one range whose leading primary key columns hold {@code
   * keyPrefix} (canonical values; empty: the whole range, as {@link #open}), hiding events expired
   * at {@code now}. The primary key encoding is self-delimiting per column ({@link RowCodec}), so
   * those rows are exactly the keys that start with the range's prefix and the encoded values: one
   * contiguous run of the store, read by a prefix scan of that run (a seek), not of the range.
   *
   * <p>The high-water mark is the range's, from the same view as the rows, read like this: the
   * range's watermark entry W1, then the iterator (its view is taken when it is created), then the
   * watermark entry again, W2. Every write to a range puts its watermark, with a {@code _seq}
   * larger than any before, in the same atomic batch as its rows, so W1 = W2 means that no write to
   * the range happened between the two reads, and the iterator's view holds exactly the changes up
   * to W1. When they differ (a write came in between) it tries again, a few times, and then, like a
   * range without a watermark entry (last written before watermark entries existed), it reads the
   * whole range and keeps the rows that hold the prefix, as {@link #open} does.
   */
  static Cursor open(
      ReadOnlyKeyValueStore<Bytes, byte[]> store,
      TableDef table,
      String owner,
      List<Object> keyPrefix,
      long now) {
    if (keyPrefix.isEmpty()) {
      return open(store, table, owner, now);
    }
    byte[] range = StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? owner : null);
    byte[] seek = StoreLayout.key(range, encodeKeyPrefix(table, keyPrefix));
    Bytes watermarkKey = Bytes.wrap(range);
    for (int attempt = 0; attempt < SEEK_ATTEMPTS; attempt++) {
      byte[] before = store.get(watermarkKey);
      if (before == null) {
        break;
      }
      Cursor cursor =
          new Cursor(store.prefixScan(seek, PREFIX_SERIALIZER), range, null, table, now);
      try {
        cursor.advance();
        byte[] after = store.get(watermarkKey);
        if (after != null && StoreLayout.seqOf(after) == StoreLayout.seqOf(before)) {
          cursor.highWater = Math.max(cursor.highWater, StoreLayout.seqOf(before));
          return cursor;
        }
      } catch (RuntimeException e) {
        cursor.close();
        throw e;
      }
      cursor.close();
    }
    KeyValueIterator<Bytes, byte[]> it = store.prefixScan(range, PREFIX_SERIALIZER);
    Cursor cursor = new Cursor(it, range, seek, table, now);
    try {
      cursor.advance();
    } catch (RuntimeException e) {
      cursor.close();
      throw e;
    }
    return cursor;
  }

  /** The encoding of the leading primary key columns, a prefix of the encoding of the whole key. */
  static byte[] encodeKeyPrefix(TableDef table, List<Object> keyPrefix) {
    List<ColumnType> keyTypes = table.primaryKeyTypes();
    if (keyPrefix.size() > keyTypes.size()) {
      throw new IllegalArgumentException(
          "Cannot read "
              + table.qualifiedName()
              + ": a key prefix of "
              + keyPrefix.size()
              + " values for a primary key of "
              + keyTypes.size());
    }
    return RowCodec.encode(keyTypes.subList(0, keyPrefix.size()), keyPrefix.toArray());
  }

  /**
   * The high-water mark of one range: its watermark entry, read without reading a row; for a range
   * last written before watermarks existed (no entry), the largest row {@code _seq}, read without
   * decoding the rows; -1 for a range that never changed.
   */
  static long highWater(ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner) {
    byte[] prefix = StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? owner : null);
    long highWater = -1;
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), prefix)) {
          return StoreLayout.seqOf(entry.value);
        }
        highWater = Math.max(highWater, StoreLayout.seqOf(entry.value));
      }
    }
    return highWater;
  }

  /**
   * Every version of one range as the cold tier's merge and flush read them ({@link
   * io.tributary.query.exec.HotTier#versions}): live rows and tombstones, all, or only those marked
   * for the cold tier.
   */
  static List<RowVersion> versions(
      ReadOnlyKeyValueStore<Bytes, byte[]> store,
      TableDef table,
      String owner,
      boolean markedOnly) {
    return versionsAt(store, table, owner, markedOnly).versions();
  }

  /**
   * Every version of one range and its high-water mark, from one iterator (one point-in-time view):
   * the watermark entry is the range's shortest key, so it is read first; for a range without one,
   * the largest {@code _seq} read.
   */
  static HotVersions versionsAt(
      ReadOnlyKeyValueStore<Bytes, byte[]> store,
      TableDef table,
      String owner,
      boolean markedOnly) {
    long highWater = -1;
    String rangeOwner = StoreLayout.ownedRows(table) ? owner : null;
    byte[] prefix = StoreLayout.rangePrefix(table, rangeOwner);
    List<ColumnType> types = table.types();
    List<ColumnType> keyTypes = table.primaryKeyTypes();
    int[] keyIndexes = table.primaryKeyIndexes();
    List<RowVersion> out = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        byte[] key = entry.key.get();
        highWater = Math.max(highWater, StoreLayout.seqOf(entry.value));
        if (StoreLayout.isWatermark(key, prefix)
            || (markedOnly && !StoreLayout.isCold(entry.value))) {
          continue;
        }
        if (!StoreLayout.isTombstone(entry.value)) {
          out.add(RowVersion.of(rangeOwner, StoreLayout.decode(types, entry.value)));
          continue;
        }
        Object[] keyValues =
            RowCodec.decode(
                keyTypes, Arrays.copyOfRange(key, prefix.length, key.length), keyTypes.size());
        Object[] row = new Object[types.size() + 1];
        for (int i = 0; i < keyIndexes.length; i++) {
          row[keyIndexes[i]] = keyValues[i];
        }
        row[types.size()] = StoreLayout.seqOf(entry.value);
        out.add(RowVersion.tombstone(rangeOwner, row));
      }
    }
    return new HotVersions(out, highWater);
  }

  /** The rows of {@code system.audit} in one store, in {@code _seq} order. */
  static List<Object[]> auditRows(ReadOnlyKeyValueStore<Bytes, byte[]> store) {
    List<Object[]> rows = new ArrayList<>();
    List<ColumnType> types = SystemTables.AUDIT.types();
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.AUDIT_PREFIX, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        rows.add(RowCodec.decode(types, it.next().value));
      }
    }
    return rows;
  }

  /**
   * How many entries of one store belong to {@code table}: its rows (expired or not), its
   * watermarks and its entries in the expiry index. Reads them all: for tests and benchmarks.
   */
  static long entries(ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table) {
    long count = 0;
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.tablePrefix(table.id()), PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        it.next();
        count++;
      }
    }
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.EXPIRY_PREFIX, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        byte[] rowKey = StoreLayout.rowKeyOfIndexKey(it.next().key.get());
        if (StoreLayout.tableIdOf(rowKey) == table.id()) {
          count++;
        }
      }
    }
    return count;
  }

  /**
   * A {@link HotCursor} over one store iterator. It reads one entry ahead: {@link #next} returns
   * the row read before and reads the following one.
   */
  static final class Cursor implements HotCursor {
    private final KeyValueIterator<Bytes, byte[]> it;
    private final byte[] prefix;
    private final byte[] keyFilter;
    private final TableDef table;
    private final List<ColumnType> types;
    private final long now;
    private Object[] next;
    private long highWater = -1;
    private boolean closed;

    /**
     * @param prefix the range's prefix (its watermark entry's key)
     * @param keyFilter null, or the start every row key read must have (others are skipped, but
     *     count towards the high-water mark as in a scan of the range)
     */
    private Cursor(
        KeyValueIterator<Bytes, byte[]> it,
        byte[] prefix,
        byte[] keyFilter,
        TableDef table,
        long now) {
      this.now = now;
      this.it = it;
      this.prefix = prefix;
      this.keyFilter = keyFilter;
      this.table = table;
      this.types = table.types();
    }

    /** Reads the next row into {@link #next} (null at the end), noting the watermark on the way. */
    private void advance() {
      next = null;
      while (!closed && it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), prefix)) {
          highWater = Math.max(highWater, StoreLayout.seqOf(entry.value));
          continue;
        }
        if (StoreLayout.expired(entry.value, now) || StoreLayout.isTombstone(entry.value)) {
          highWater = Math.max(highWater, StoreLayout.seqOf(entry.value));
          continue;
        }
        if (keyFilter != null && !startsWith(entry.key.get(), keyFilter)) {
          highWater = Math.max(highWater, StoreLayout.seqOf(entry.value));
          continue;
        }
        Object[] row = StoreLayout.decode(types, entry.value);
        highWater = Math.max(highWater, (Long) row[types.size()]);
        next = row;
        return;
      }
    }

    private static boolean startsWith(byte[] key, byte[] start) {
      return key.length >= start.length
          && Arrays.equals(key, 0, start.length, start, 0, start.length);
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Object[] next() {
      if (next == null) {
        throw new NoSuchElementException("Cannot read past the end of the range");
      }
      Object[] row = next;
      try {
        advance();
      } catch (InvalidStateStoreException e) {
        throw new TributaryException(
            ErrorCode.UNAVAILABLE,
            String.format(
                "Cannot read table %s: the hot store went away while it was read (%s)",
                table.qualifiedName(), e.getMessage()),
            e);
      }
      return row;
    }

    @Override
    public long highWater() {
      return highWater;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        next = null;
        it.close();
      }
    }
  }
}
