package io.tributary.query;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.exec.QueryResult;
import java.util.List;

/** What the server must do to carry out one analyzed statement. */
public sealed interface Action {

  /**
   * Append catalog records; then purge the rows of dropped tables from every partition.
   *
   * @param tag the confirmation shown when done, e.g. "CREATE TABLE"
   */
  record CatalogChange(String tag, List<CatalogRecord> records, List<TableDef> dropped)
      implements Action {}

  /**
   * Append a write command to the log and wait for its outcome.
   *
   * @param owner the user whose partition the command goes to (USER and STREAM tables), or null for
   *     a SHARED table (partitioned by table id)
   */
  record Write(TableDef table, String owner, WriteCommand command) implements Action {}

  /**
   * Run a query as {@code user} with {@code role}: USER-table scans see that user's rows.
   *
   * @param sql the query with {@code ?} placeholders
   * @param params the value of each placeholder, in order
   */
  record Read(String sql, List<Object> params, String user, Role role) implements Action {}

  /** A result computed from the catalog (SHOW, DESCRIBE). */
  record Result(QueryResult result) implements Action {}

  /** Open a live subscription for {@code user}. Only the live API runs it; Execute refuses it. */
  record Subscribe(io.tributary.query.live.LiveQuery query, String user, Role role)
      implements Action {}

  /** Close a live subscription by id (KILL LIVE QUERY; dba and system only). */
  record KillLiveQuery(String subscriptionId) implements Action {}

  /** Nothing to do (e.g. CREATE ... IF NOT EXISTS of something that exists). */
  record Done(String tag) implements Action {}
}
