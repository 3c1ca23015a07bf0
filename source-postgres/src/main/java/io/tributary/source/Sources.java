package io.tributary.source;

import io.tributary.log.Log;
import io.tributary.query.Action;
import io.tributary.query.Environment;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.source.internal.PostgresSources;
import java.util.List;

/**
 * The sources of changes of one node (CREATE SOURCE ... FROM POSTGRES): one replication stream per
 * source, each turning the source's committed changes into write commands appended through {@code
 * log}'s command writer, the same way every other write is.
 *
 * <p><b>Lifecycle.</b> {@link #start} starts a stream for every source in the catalog; after each
 * catalog change the caller appends, {@link #catalogChanged} starts, restarts and stops streams to
 * match. {@link #close} stops them all; it never drops a replication slot (only DROP SOURCE does).
 *
 * <p><b>Threading.</b> Thread-safe. Each source's stream runs on its own thread; {@link #prepare}
 * blocks the caller while it talks to the source database (and, for MAP TABLE, copies the table).
 *
 * <p><b>Failure.</b> A source that is unreachable or whose slot is gone is retried with backoff;
 * its state and last error show in {@link #statusRows}. Nothing here throws out of a stream.
 */
public interface Sources extends AutoCloseable {

  /** Writes catalog records and returns once this node has applied them. */
  @FunctionalInterface
  interface CatalogAppender {
    void append(List<CatalogRecord> records);
  }

  /**
   * PostgreSQL sources.
   *
   * @param catalog the node's catalog (sources, tables, users)
   * @param appender how the sources' records (definitions, positions) reach the catalog topic
   * @param log where the commands go
   * @param env the node's clock and ids, for the commands' defaults
   */
  static Sources postgres(Catalog catalog, CatalogAppender appender, Log log, Environment env) {
    return new PostgresSources(catalog, appender, log, env);
  }

  /** Starts a stream for every source in the catalog. */
  void start();

  /**
   * Checks a source statement against the source database and prepares it: CREATE connects and
   * creates the replication slot; MAP TABLE checks the table (in the publication, a primary key,
   * every column's type) and copies its rows; DROP drops the slot. Returns the catalog records to
   * append; the caller appends them and then calls {@link #catalogChanged}.
   *
   * @throws io.tributary.query.TributaryException SOURCE_UNAVAILABLE (cannot connect or log in),
   *     SOURCE_INVALID (no such publication or table, no primary key, no replication permission),
   *     UNSUPPORTED_TYPE, TYPE_MISMATCH, COLUMN_NOT_FOUND; nothing is changed then
   */
  List<CatalogRecord> prepare(Action.SourceChange change);

  /** Makes the running streams match the catalog's sources. */
  void catalogChanged();

  /**
   * The rows of {@code system.sources}, in its column order (see {@link
   * io.tributary.query.catalog.SystemTables#SOURCES}); never a password.
   */
  List<Object[]> statusRows();

  /** The sum over all sources of the bytes of WAL their slots hold back (a metric). */
  long totalLagBytes();

  @Override
  void close();
}
