package io.tributary.server.internal;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.HotVersions;
import io.tributary.query.exec.RowVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot tier as live subscriptions and membership reads see it: a table that has flushed is read
 * across both tiers, through the same merged reader as SELECT ({@link FlushJobs#openMerged}, {@link
 * FlushJobs#merged}), so a snapshot, its {@code last_rows}, a revision scan and a members table's
 * load see flushed rows too. Reads that are not of rows (high-water marks, the versions a flush
 * writes, partitions, system.audit) go to the hot tier itself. Thread-safe.
 */
final class TieredReads implements HotTier {
  private final HotTier hot;
  private final FlushJobs flushes;

  TieredReads(HotTier hot, FlushJobs flushes) {
    this.hot = hot;
    this.flushes = flushes;
  }

  @Override
  public List<Object[]> scan(TableDef table, String owner) {
    return flushes.merged(table, owner, null);
  }

  @Override
  public HotCursor open(TableDef table, String owner) {
    return flushes.openMerged(table, owner, List.of(), null);
  }

  @Override
  public HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
    return flushes.openMerged(table, owner, keyPrefix, null);
  }

  @Override
  public HotCursor open(TableDef table, String owner, List<Object> keyPrefix, String whereSql) {
    return flushes.openMerged(table, owner, keyPrefix, whereSql);
  }

  @Override
  public HotSnapshot snapshot(TableDef table, String owner) {
    try (HotCursor cursor = open(table, owner)) {
      List<Object[]> rows = new ArrayList<>();
      cursor.forEachRemaining(rows::add);
      return new HotSnapshot(rows, cursor.highWater());
    }
  }

  @Override
  public List<HotCursor> openPartitions(TableDef table) {
    return hot.openPartitions(table);
  }

  @Override
  public long highWater(TableDef table, String owner) {
    return hot.highWater(table, owner);
  }

  @Override
  public List<RowVersion> versions(TableDef table, String owner, boolean markedOnly) {
    return hot.versions(table, owner, markedOnly);
  }

  @Override
  public HotVersions versionsAt(TableDef table, String owner) {
    return hot.versionsAt(table, owner);
  }

  @Override
  public List<Object[]> auditRows() {
    return hot.auditRows();
  }
}
