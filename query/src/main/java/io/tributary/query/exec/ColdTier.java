package io.tributary.query.exec;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.BoundExpression;
import java.util.Iterator;
import java.util.List;

/**
 * The cold tier as the query layer sees it: the flushed history of USER and SHARED tables, kept as
 * Iceberg tables (implemented by {@code iceberg-catalog}). STREAM tables never reach it.
 *
 * <p><b>Contents.</b> The cold tier holds at most one version of each primary key of a table (per
 * owner): a flush replaces the versions it supersedes and removes the keys it deletes, in one
 * atomic commit. So a key's cold version is older than any version the hot tier holds for it, and a
 * read merges the two tiers with {@link TierMerge}.
 *
 * <p><b>Failures.</b> Bad input fails with {@code io.tributary.query.TributaryException}
 * (INVALID_ARGUMENT, INVALID_DEFINITION) and changes nothing; a storage failure with UNAVAILABLE.
 * Thread-safe; flushes of one table must not run concurrently (the flush job runs one at a time).
 */
public interface ColdTier extends AutoCloseable {
  /**
   * Makes sure the table has its cold table (creating it on first use); idempotent. Refuses a
   * STREAM table, and a table whose name belongs to the cold table of an earlier table with the
   * same name (it must be dropped first).
   */
  void ensureTable(TableDef table);

  /**
   * Writes one flush and commits it atomically: the row versions become the cold versions of their
   * keys (replacing older ones), tombstones remove their keys, and the table's flushed position
   * becomes {@code upToSeq}. Retrying a flush is safe: a flush whose id was already committed, or
   * whose {@code upToSeq} the table's flushed position already covers, commits nothing and reports
   * {@link FlushCommit#alreadyCommitted()}.
   *
   * @param flushId the flush's id, 1 to 64 of {@code [A-Za-z0-9_-]}
   * @param upToSeq the position the flush covers: every settled change with a {@code _seq} up to it
   *     is in {@code versions} or already in the cold tier
   * @param versions the settled row versions of the table, in any order (of one key, the version
   *     with the largest {@code _seq} counts)
   */
  FlushCommit flush(TableDef table, String flushId, long upToSeq, Iterator<RowVersion> versions);

  /** The table's flushed position ({@link FlushCommit#flushedSeq()}), -1 before its first flush. */
  long flushedSeq(TableDef table);

  /**
   * Brings the cold table's schema to the table's definition after ALTER TABLE (nothing when it has
   * no cold table). Idempotent; a cold tier also does it by itself before it next flushes or scans
   * the table, so a call that fails (or never happens, after a crash) leaves nothing wrong.
   */
  default void evolve(TableDef table) {}

  /**
   * Opens a scan of a table's cold rows: one owner's rows of a USER table ({@code owner} null for
   * every owner, as cross-user analytics reads), or a SHARED table's rows ({@code owner} null).
   * {@code where}, a predicate bound to the table (null for none), is pushed down to prune files
   * and row groups and applied to every row, so the cursor returns exactly the matching rows.
   */
  ColdCursor scan(TableDef table, String owner, BoundExpression where);

  /**
   * The cold versions of some primary keys of one owner's rows ({@code owner} null for a SHARED
   * table): for an UPDATE or DELETE of a flushed row, and for the primary-key check of an INSERT
   * across tiers. Each key holds the primary key's canonical values in key order; keys that are not
   * in the cold tier are absent from the result, which is in no particular order. Fails with
   * INVALID_ARGUMENT for a key that does not fit the primary key.
   */
  List<RowVersion> lookup(TableDef table, String owner, List<Object[]> keys);

  /**
   * Removes every row of one owner from a USER table's cold tier, for erasing a user: the files
   * holding the owner's rows are rewritten without them in one commit, then every older snapshot is
   * expired, which deletes from disk the files that held the owner's rows (also older versions kept
   * only for earlier snapshots). Other owners' rows are unchanged, and so is the flushed position.
   * Returns the number of rows removed; 0 for a table without a cold table.
   */
  long erase(TableDef table, String owner);

  /** Drops a table's cold table and deletes its files; does nothing when it has none. */
  void drop(TableDef table);

  /**
   * Drops every cold table that belongs to none of {@code tableIds} (the catalog's tables): the
   * cold table of a table whose DROP TABLE did not reach its cold drop (a crash in between).
   * Returns how many it dropped. None by default.
   */
  default int dropOrphans(java.util.Set<Long> tableIds) {
    return 0;
  }

  /** Closes the catalog; idempotent. */
  @Override
  void close();
}
