package io.tributary.server.internal;

import io.tributary.log.Log;
import io.tributary.log.LogException;
import io.tributary.log.LogTopics;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code retention.ms} of the stream-events topic at the largest TTL_SECONDS of the
 * STREAM tables, at least {@link LogTopics#STREAM_RETENTION_FLOOR_MS} ({@link
 * LogTopics#streamEventsRetentionMs}), through the log's topic admin (the embedded broker or an
 * external cluster alike).
 *
 * <p>The rule: a catalog change that creates a STREAM table with a larger TTL raises the retention
 * <em>before</em> the change is appended (if the raise fails, the statement fails and changes
 * nothing), so no event of the new table can be deleted before its TTL. Once a change is applied,
 * the retention follows the catalog: dropping the table with the largest TTL lowers it. Lowering is
 * safe: an event expires relative to the time its command was accepted, so a command older than
 * every remaining TTL has no visible effect any more; it only shortens how far back a subscriber to
 * a STREAM table can resume (never below the floor). A server aligns the retention when it starts.
 *
 * <p>Called under the engine's catalog lock; {@link #applied} only saves admin calls.
 */
final class StreamRetention {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRetention.class);

  private final Log log;
  private final Catalog catalog;

  /** The retention this node set last, or -1 before the first time. */
  private volatile long applied = -1;

  StreamRetention(Log log, Catalog catalog) {
    this.log = log;
    this.catalog = catalog;
  }

  /** The retention STREAM tables {@code tables} need. */
  static long required(Iterable<TableDef> tables) {
    long largest = 0;
    for (TableDef table : tables) {
      if (table.kind() == TableKind.STREAM) {
        largest = Math.max(largest, table.ttlMillis());
      }
    }
    return LogTopics.streamEventsRetentionMs(largest);
  }

  /**
   * Raises the retention before {@code records} are appended when a STREAM table among them needs
   * more than the topic keeps now. A change without such a table (users, namespaces, other tables,
   * a STREAM table whose TTL the topic already covers) makes no admin call, so catalog statements
   * keep working on a cluster that refuses {@code AlterConfigs}.
   *
   * @throws TributaryException UNAVAILABLE when the log refuses the raise
   */
  void beforeChange(List<CatalogRecord> records, String action) {
    long needed = 0;
    for (CatalogRecord record : records) {
      if (record.kind() == CatalogRecord.Kind.TABLE
          && record.value() instanceof TableDef table
          && table.kind() == TableKind.STREAM) {
        needed = Math.max(needed, required(List.of(table)));
      }
    }
    if (needed == 0 || current() >= needed) {
      return;
    }
    try {
      set(needed);
    } catch (LogException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot "
              + action
              + ": cannot raise the retention of "
              + log.topics().streamEvents()
              + " to "
              + needed
              + " ms: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * The retention the topic has: the one this node set last, else the one the broker reports (read
   * once, e.g. when {@link #align} failed at start). A retention the broker does not report, or
   * cannot be read, counts as 0 (then a raise is attempted). A retention of -1 (unlimited) covers
   * every TTL.
   */
  private long current() {
    if (applied >= 0) {
      return applied;
    }
    try {
      var found = log.topicAdmin().retentionMs(log.topics().streamEvents());
      if (found.isPresent()) {
        long retention = found.getAsLong() < 0 ? Long.MAX_VALUE : found.getAsLong();
        applied = retention;
        return retention;
      }
    } catch (LogException e) {
      LOG.warn("Could not read the retention of {}", log.topics().streamEvents(), e);
    }
    return 0;
  }

  /**
   * After a change is applied: lowers (or sets) the retention when the change dropped or altered a
   * STREAM table; any other change makes no admin call.
   */
  void afterChange(List<CatalogRecord> records, List<TableDef> dropped) {
    boolean stream = dropped.stream().anyMatch(t -> t.kind() == TableKind.STREAM);
    for (CatalogRecord record : records) {
      stream |=
          record.kind() == CatalogRecord.Kind.TABLE
              && record.value() instanceof TableDef table
              && table.kind() == TableKind.STREAM;
    }
    if (stream) {
      align();
    }
  }

  /** Sets the retention the catalog's STREAM tables need now; a failure is logged, not thrown. */
  void align() {
    long needed = required(catalog.tables(null));
    if (applied == needed) {
      return;
    }
    try {
      set(needed);
    } catch (LogException e) {
      LOG.warn(
          "Could not set the retention of {} to {} ms; it stays as it was",
          log.topics().streamEvents(),
          needed,
          e);
    }
  }

  private void set(long retentionMs) {
    log.topicAdmin().setRetention(log.topics().streamEvents(), retentionMs);
    applied = retentionMs;
    LOG.info("Retention of {} is {} ms", log.topics().streamEvents(), retentionMs);
  }
}
