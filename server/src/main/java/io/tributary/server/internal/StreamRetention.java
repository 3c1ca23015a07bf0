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
   * more than the catalog's tables do.
   *
   * @throws TributaryException UNAVAILABLE when the log refuses the raise
   */
  void beforeChange(List<CatalogRecord> records, String action) {
    long needed = required(catalog.tables(null));
    for (CatalogRecord record : records) {
      if (record.kind() == CatalogRecord.Kind.TABLE && record.value() instanceof TableDef table) {
        needed = Math.max(needed, required(List.of(table)));
      }
    }
    if (applied >= needed) {
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
