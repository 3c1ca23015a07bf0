package io.tributary.query.exec;

import io.tributary.query.catalog.TableDef;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot tier as the query layer sees it: the current rows of a table, read from the
 * materializer's state stores at a consistent point. Implemented by the materializer. Thread-safe.
 *
 * <p>A key range is one owner's rows of a USER or STREAM table ({@code owner} is the user id), or a
 * whole SHARED table ({@code owner} is ignored and may be null). A SHARED table with a {@code
 * PARTITION_KEY} is one range per partition: {@code owner} is then a key value's text ({@link
 * TableDef#partitionValue}) and names the range of that value's partition; {@link #scan} with a
 * null {@code owner} reads every partition, and {@link #open(TableDef, String, List)} finds the
 * partition from a key prefix; the other reads need the value. One owner's rows are read by a
 * prefix scan of that owner's key range, never by filtering other users' rows. Each row holds
 * canonical values in column order followed by its {@code _seq} as a {@link Long}.
 *
 * <p>Every read may throw {@code io.tributary.query.TributaryException} UNAVAILABLE when the stores
 * cannot be read within a bounded wait (for example during a rebalance).
 */
public interface HotTier {
  /** The current rows of one key range, all in memory (for SELECT). */
  List<Object[]> scan(TableDef table, String owner);

  /**
   * Opens a point-in-time cursor over one key range, for reads that must not hold the whole range
   * at once (live snapshots). The caller closes it.
   */
  HotCursor open(TableDef table, String owner);

  /**
   * Opens a point-in-time cursor over the rows of one key range whose leading primary key columns
   * hold {@code keyPrefix} (canonical values, in primary key order, none null; empty: the whole
   * range, as {@link #open(TableDef, String)}). A store ordered by primary key reads only those
   * rows (a seek, not a scan of the range). The view and the high-water mark are the range's, with
   * the same meaning as for {@link #open(TableDef, String)}: every change of the range with {@code
   * _seq} ≤ H is in the view, none after it. By default: the whole range, filtered.
   */
  default HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
    HotCursor cursor = open(table, owner);
    return keyPrefix.isEmpty() ? cursor : new KeyPrefixCursor(cursor, table, keyPrefix);
  }

  /**
   * Like {@link #open(TableDef, String, List)}, for a reader that keeps only the rows meeting
   * {@code whereSql} (a condition over the table's columns as SQL text, null for none) and applies
   * it itself: a reader that also reads the cold tier may push it down into its cold scan. The rows
   * returned are those of {@link #open(TableDef, String, List)} (a superset of the matching ones).
   */
  default HotCursor open(TableDef table, String owner, List<Object> keyPrefix, String whereSql) {
    return open(table, owner, keyPrefix);
  }

  /**
   * Opens point-in-time cursors over every partition of a SHARED table with a {@code
   * PARTITION_KEY}, one per partition of the write topic, indexed by partition: each cursor's view
   * and high-water mark are that partition's (the {@code _seq} of one partition does not compare
   * with another's). All views are taken before this returns. The caller closes them. Unsupported
   * by default (a hot tier of one partition has no partitioned tables).
   */
  default List<HotCursor> openPartitions(TableDef table) {
    throw new UnsupportedOperationException(
        "Cannot open the partitions of " + table.qualifiedName() + ": not a partitioned hot tier");
  }

  /**
   * The high-water mark of one key range as {@link HotCursor#highWater()} defines it, without
   * reading its rows when the range has a watermark entry.
   */
  default long highWater(TableDef table, String owner) {
    try (HotCursor cursor = open(table, owner)) {
      while (cursor.hasNext()) {
        cursor.next();
      }
      return cursor.highWater();
    }
  }

  /**
   * The rows of one key range and its high-water mark, from one point-in-time view, all in memory:
   * for small ranges and tests; live snapshots use {@link #open}.
   */
  default HotSnapshot snapshot(TableDef table, String owner) {
    try (HotCursor cursor = open(table, owner)) {
      List<Object[]> rows = new ArrayList<>();
      cursor.forEachRemaining(rows::add);
      return new HotSnapshot(rows, cursor.highWater());
    }
  }

  /**
   * Every version of one key range as the cold tier sees it (DESIGN.md section 7): its live rows
   * and its tombstones (deleted keys whose older cold version they hide), in primary key order.
   * With {@code markedOnly}, only the versions a flush may write (marked for the cold tier by a
   * {@link io.tributary.query.command.WriteCommand.MarkCold}). By default: the live rows of {@link
   * #scan}, none of them marked.
   */
  default List<RowVersion> versions(TableDef table, String owner, boolean markedOnly) {
    if (markedOnly) {
      return List.of();
    }
    List<RowVersion> out = new ArrayList<>();
    for (Object[] row : scan(table, owner)) {
      out.add(RowVersion.of(owner, row));
    }
    return out;
  }

  /**
   * Every version of one key range ({@link #versions} with {@code markedOnly} false) and its
   * high-water mark, from one point-in-time view. By default: the live rows and the high-water mark
   * of {@link #open(TableDef, String)}, without tombstones.
   */
  default HotVersions versionsAt(TableDef table, String owner) {
    try (HotCursor cursor = open(table, owner)) {
      List<RowVersion> out = new ArrayList<>();
      while (cursor.hasNext()) {
        out.add(RowVersion.of(owner, cursor.next()));
      }
      return new HotVersions(out, cursor.highWater());
    }
  }

  /**
   * The rows of {@code system.audit} (delegated writes) in this node's stores, in the column order
   * of {@link io.tributary.query.catalog.SystemTables#AUDIT}. None by default.
   */
  default List<Object[]> auditRows() {
    return List.of();
  }
}
