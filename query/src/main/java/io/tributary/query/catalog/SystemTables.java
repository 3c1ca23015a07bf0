package io.tributary.query.catalog;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read-only tables of the {@code system} namespace. Their rows come from the catalog (and,
 * later, from the live and job registries); a {@link io.tributary.query.exec.RowSource} provides
 * them like any other table. They carry no {@code _seq}.
 */
public final class SystemTables {
  public static final TableDef USERS =
      table(
          -1,
          "users",
          List.of(
              col("name", ColumnType.TEXT, false),
              col("role", ColumnType.TEXT, false),
              col("created_at", ColumnType.TIMESTAMP, false)),
          "name");
  public static final TableDef NAMESPACES =
      table(
          -2,
          "namespaces",
          List.of(
              col("name", ColumnType.TEXT, false), col("created_at", ColumnType.TIMESTAMP, false)),
          "name");
  public static final TableDef TABLES =
      table(
          -3,
          "tables",
          List.of(
              col("namespace", ColumnType.TEXT, false),
              col("name", ColumnType.TEXT, false),
              col("type", ColumnType.TEXT, false),
              col("primary_key", ColumnType.TEXT, false),
              col("options", ColumnType.TEXT, false),
              col("created_at", ColumnType.TIMESTAMP, false)),
          "namespace");

  /**
   * The open live subscriptions of the node (one row per stream), provided by the server. {@code
   * filter} is the subscription's WHERE clause with parameters inlined, or null; {@code last_seq}
   * is the {@code _seq} of the last change delivered (or of the snapshot's high-water mark).
   */
  public static final TableDef LIVE =
      table(
          -4,
          "live",
          List.of(
              col("id", ColumnType.TEXT, false),
              col("user", ColumnType.TEXT, false),
              col("table", ColumnType.TEXT, false),
              col("filter", ColumnType.TEXT, true),
              col("opened_at", ColumnType.TIMESTAMP, false),
              col("changes_delivered", ColumnType.BIGINT, false),
              col("last_seq", ColumnType.BIGINT, false)),
          "id");

  /**
   * The delegated writes (EXECUTE AS USER): one row per applied write command, written by the
   * materializer in the same atomic batch as the rows the command changed (so a row exists exactly
   * when the write was applied). {@code actor} ran the statement as {@code as_user}; {@code
   * statement} is INSERT, UPDATE or DELETE; {@code row_count} the rows it changed (a DELETE applied
   * in steps has a row per step); {@code _seq} the {@code _seq} of the command's first change (its
   * position in {@code write_partition} of its write topic); {@code accepted_at} the accepting
   * node's time. Roles dba and system only.
   */
  public static final TableDef AUDIT =
      table(
          -5,
          "audit",
          List.of(
              col("actor", ColumnType.TEXT, false),
              col("actor_id", ColumnType.TEXT, false),
              col("as_user", ColumnType.TEXT, false),
              col("as_user_id", ColumnType.TEXT, false),
              col("table_name", ColumnType.TEXT, false),
              col("statement", ColumnType.TEXT, false),
              col("row_count", ColumnType.BIGINT, false),
              col("write_partition", ColumnType.INT, false),
              col("_seq", ColumnType.BIGINT, false),
              col("accepted_at", ColumnType.TIMESTAMP, false)),
          "_seq");

  /** The row-level policies of the tables the reader may read ({@code CREATE POLICY}). */
  public static final TableDef POLICIES =
      table(
          -6,
          "policies",
          List.of(
              col("namespace", ColumnType.TEXT, false),
              col("table", ColumnType.TEXT, false),
              col("name", ColumnType.TEXT, false),
              col("command", ColumnType.TEXT, false),
              col("roles", ColumnType.TEXT, false),
              col("using_sql", ColumnType.TEXT, true),
              col("check_sql", ColumnType.TEXT, true),
              col("created_at", ColumnType.TIMESTAMP, false)),
          "name");

  /** The topics ({@code sources} as SQL, separated by {@code ; }). */
  public static final TableDef TOPICS =
      table(
          -10,
          "topics",
          List.of(
              col("namespace", ColumnType.TEXT, false),
              col("name", ColumnType.TEXT, false),
              col("partitions", ColumnType.INT, false),
              col("sources", ColumnType.TEXT, false),
              col("created_at", ColumnType.TIMESTAMP, false)),
          "name");

  /**
   * The sources of changes (CREATE SOURCE) and how far each is, provided by the server to roles dba
   * and system (never the password). {@code tables} lists the mappings as {@code
   * schema.table->namespace.table}; {@code last_ack_lsn} is the position acknowledged to the
   * source; {@code lag_bytes} the WAL its replication slot holds back; {@code lag_seconds} how long
   * it has been behind; {@code rows_skipped} rows of USER tables whose owner is not a user.
   */
  public static final TableDef SOURCES =
      table(
          -18,
          "sources",
          List.of(
              col("name", ColumnType.TEXT, false),
              col("type", ColumnType.TEXT, false),
              col("url", ColumnType.TEXT, false),
              col("user", ColumnType.TEXT, false),
              col("publication", ColumnType.TEXT, false),
              col("slot", ColumnType.TEXT, false),
              col("state", ColumnType.TEXT, false),
              col("tables", ColumnType.TEXT, false),
              col("last_ack_lsn", ColumnType.TEXT, true),
              col("lag_bytes", ColumnType.BIGINT, true),
              col("lag_seconds", ColumnType.DOUBLE, true),
              col("changes_applied", ColumnType.BIGINT, false),
              col("rows_skipped", ColumnType.BIGINT, false),
              col("last_error", ColumnType.TEXT, true)),
          "name");

  /**
   * The committed positions of the consumer groups, one row per group, topic (or table) and
   * partition, provided by the server: {@code committed_offset} is the offset the group resumes at,
   * {@code lag} the records between it and the partition's end.
   */
  public static final TableDef CONSUMER_OFFSETS =
      table(
          -11,
          "consumer_offsets",
          List.of(
              col("group", ColumnType.TEXT, false),
              col("topic", ColumnType.TEXT, false),
              col("partition", ColumnType.INT, false),
              col("committed_offset", ColumnType.BIGINT, false),
              col("end_offset", ColumnType.BIGINT, false),
              col("lag", ColumnType.BIGINT, false)),
          "group");

  /**
   * The flush jobs of the node since it started, provided by the server: one row per flush of one
   * table to the cold tier ({@code STORAGE FLUSH}, or its {@code FLUSH_POLICY}). {@code state} is
   * RUNNING, DONE or FAILED; {@code rows} the row versions written, {@code files} the data files
   * added; {@code error} why it failed. Roles dba and system only.
   */
  public static final TableDef JOBS =
      table(
          -19,
          "jobs",
          List.of(
              col("id", ColumnType.TEXT, false),
              col("table", ColumnType.TEXT, false),
              col("state", ColumnType.TEXT, false),
              col("rows", ColumnType.BIGINT, false),
              col("files", ColumnType.INT, false),
              col("started", ColumnType.TIMESTAMP, false),
              col("finished", ColumnType.TIMESTAMP, true),
              col("error", ColumnType.TEXT, true)),
          "id");

  public static final List<TableDef> ALL =
      List.of(
          USERS,
          NAMESPACES,
          TABLES,
          LIVE,
          AUDIT,
          POLICIES,
          TOPICS,
          CONSUMER_OFFSETS,
          SOURCES,
          JOBS);

  private SystemTables() {}

  public static Optional<TableDef> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  public static boolean isSystem(TableDef table) {
    return table.id() < 0;
  }

  private static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return new ColumnDef(name, type, nullable, null);
  }

  private static TableDef table(long id, String name, List<ColumnDef> columns, String key) {
    return new TableDef(
        id, Catalog.SYSTEM_NAMESPACE, name, TableKind.SHARED, columns, List.of(key), Map.of(), 0);
  }
}
