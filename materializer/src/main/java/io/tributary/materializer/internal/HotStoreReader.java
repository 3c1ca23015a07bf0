package io.tributary.materializer.internal;

import io.tributary.log.LogKeys;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import io.tributary.query.exec.HotVersions;
import io.tributary.query.exec.RowVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the hot tier through interactive queries: finds the partition that holds a key range, asks
 * for that partition's store and scans it. While the store is unavailable (Streams starting,
 * rebalancing, restoring) it retries with backoff within a bounded wait, then gives up with
 * UNAVAILABLE. Thread-safe.
 */
final class HotStoreReader {
  /** Looks up the store of one partition; throws InvalidStateStoreException when unavailable. */
  @FunctionalInterface
  interface StoreLookup {
    ReadOnlyKeyValueStore<Bytes, byte[]> store(String storeName, int partition);
  }

  static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(10);
  private static final long FIRST_BACKOFF_MS = 10;
  private static final long MAX_BACKOFF_MS = 200;

  private final StoreLookup lookup;
  private final int partitions;
  private final Time time;
  private final long maxWaitMs;
  private final LongSupplier clock;

  HotStoreReader(StoreLookup lookup, int partitions, Time time, Duration maxWait) {
    this(lookup, partitions, time, maxWait, System::currentTimeMillis);
  }

  /**
   * @param clock epoch milliseconds: a STREAM event expired at its time is not read
   */
  HotStoreReader(
      StoreLookup lookup, int partitions, Time time, Duration maxWait, LongSupplier clock) {
    this.clock = clock;
    this.lookup = lookup;
    this.partitions = partitions;
    this.time = time;
    this.maxWaitMs = maxWait.toMillis();
  }

  /**
   * The rows of one range; see {@link StoreScanner#scan}. A SHARED table with a partition key and
   * no key value named is read from every partition, one after the other.
   */
  List<Object[]> scan(TableDef table, String owner) {
    if (spread(table, owner)) {
      List<Object[]> rows = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        rows.addAll(
            withStore(
                MaterializerTopology.SHARED_ROWS,
                p,
                table.qualifiedName(),
                s -> StoreScanner.scan(s, table, null, clock.getAsLong())));
      }
      return rows;
    }
    return read(table, owner, (store, t, o) -> StoreScanner.scan(store, t, o, clock.getAsLong()));
  }

  /** The rows and the high-water mark of one range, from one iterator; see {@link StoreScanner}. */
  HotSnapshot snapshot(TableDef table, String owner) {
    return read(
        table, owner, (store, t, o) -> StoreScanner.snapshot(store, t, o, clock.getAsLong()));
  }

  /** A point-in-time cursor over one range; see {@link StoreScanner#open}. */
  HotCursor open(TableDef table, String owner) {
    return read(table, owner, (store, t, o) -> StoreScanner.open(store, t, o, clock.getAsLong()));
  }

  /**
   * A point-in-time cursor over the rows of one range with a key prefix; see StoreScanner. For a
   * SHARED table with a partition key, a prefix that fixes the key names the partition.
   */
  HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
    String range =
        spread(table, owner) && !keyPrefix.isEmpty()
            ? TableDef.partitionValue(keyPrefix.get(0))
            : owner;
    return read(
        table,
        range,
        (store, t, o) -> StoreScanner.open(store, t, o, keyPrefix, clock.getAsLong()));
  }

  /** Every version of one range, tombstones too; see {@link StoreScanner#versions}. */
  List<RowVersion> versions(TableDef table, String owner, boolean markedOnly) {
    return read(table, owner, (store, t, o) -> StoreScanner.versions(store, t, o, markedOnly));
  }

  /** Every version of one range and its high-water mark, from one view; see StoreScanner. */
  HotVersions versionsAt(TableDef table, String owner) {
    return read(table, owner, (store, t, o) -> StoreScanner.versionsAt(store, t, o, false));
  }

  /**
   * One point-in-time cursor per partition over the rows of a SHARED table with a partition key,
   * indexed by partition, each with that partition's high-water mark; all opened before it returns
   * (closed again when one cannot be opened).
   */
  List<HotCursor> openPartitions(TableDef table) {
    if (!spread(table, null)) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot read the partitions of table %s: it has no PARTITION_KEY",
          table.qualifiedName());
    }
    List<HotCursor> cursors = new ArrayList<>(partitions);
    try {
      for (int p = 0; p < partitions; p++) {
        cursors.add(
            withStore(
                MaterializerTopology.SHARED_ROWS,
                p,
                table.qualifiedName(),
                s -> StoreScanner.open(s, table, null, clock.getAsLong())));
      }
    } catch (RuntimeException e) {
      cursors.forEach(HotCursor::close);
      throw e;
    }
    return cursors;
  }

  /** The rows of {@code system.audit}: every partition of both row stores, each in order. */
  List<Object[]> auditRows() {
    List<Object[]> rows = new ArrayList<>();
    for (String storeName :
        List.of(MaterializerTopology.USER_ROWS, MaterializerTopology.SHARED_ROWS)) {
      for (int p = 0; p < partitions; p++) {
        rows.addAll(withStore(storeName, p, "system.audit", StoreScanner::auditRows));
      }
    }
    return rows;
  }

  /** How many store entries belong to {@code table} in every partition; see StoreScanner. */
  long entries(TableDef table) {
    String storeName =
        StoreLayout.ownedRows(table)
            ? MaterializerTopology.USER_ROWS
            : MaterializerTopology.SHARED_ROWS;
    long count = 0;
    for (int p = 0; p < partitions; p++) {
      count += withStore(storeName, p, table.qualifiedName(), s -> StoreScanner.entries(s, table));
    }
    return count;
  }

  /** The high-water mark of one range; see {@link StoreScanner#highWater}. */
  long highWater(TableDef table, String owner) {
    return read(table, owner, StoreScanner::highWater);
  }

  /** Whether {@code table} is a SHARED table with a partition key and no key value is named. */
  private static boolean spread(TableDef table, String owner) {
    return !StoreLayout.ownedRows(table) && table.partitionKey() != null && owner == null;
  }

  /** How one read uses the store of its range. */
  @FunctionalInterface
  private interface Read<T> {
    T apply(ReadOnlyKeyValueStore<Bytes, byte[]> store, TableDef table, String owner);
  }

  /**
   * Finds the store of the range's partition and applies {@code read} to it, retrying while the
   * store is unavailable.
   */
  private <T> T read(TableDef table, String owner, Read<T> read) {
    String storeName;
    byte[] recordKey;
    if (StoreLayout.ownedRows(table)) {
      if (owner == null) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot read table %s: a %s table is read per user, and no user was named",
            table.qualifiedName(),
            table.kind());
      }
      storeName = MaterializerTopology.USER_ROWS;
      recordKey = LogKeys.userKey(owner);
    } else if (table.partitionKey() != null) {
      if (owner == null) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot read table %s: it is spread over partitions by its PARTITION_KEY %s, and no"
                + " value of the key was named",
            table.qualifiedName(),
            table.partitionKey());
      }
      storeName = MaterializerTopology.SHARED_ROWS;
      recordKey = LogKeys.sharedKey(table.id(), owner);
    } else {
      storeName = MaterializerTopology.SHARED_ROWS;
      recordKey = LogKeys.sharedKey(table.id());
    }
    int partition = LogKeys.partition(recordKey, partitions);
    return withStore(storeName, partition, table.qualifiedName(), s -> read.apply(s, table, owner));
  }

  /**
   * Applies {@code read} to the store of one partition, retrying while the store is unavailable.
   */
  private <T> T withStore(
      String storeName,
      int partition,
      String what,
      Function<ReadOnlyKeyValueStore<Bytes, byte[]>, T> read) {
    long deadline = time.milliseconds() + maxWaitMs;
    long backoff = FIRST_BACKOFF_MS;
    while (true) {
      try {
        return read.apply(lookup.store(storeName, partition));
      } catch (InvalidStateStoreException e) {
        long now = time.milliseconds();
        if (now >= deadline) {
          throw new TributaryException(
              ErrorCode.UNAVAILABLE,
              String.format(
                  "Cannot read table %s: the hot store is not available (%s)",
                  what, e.getMessage()),
              e);
        }
        time.sleep(Math.min(backoff, deadline - now));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
