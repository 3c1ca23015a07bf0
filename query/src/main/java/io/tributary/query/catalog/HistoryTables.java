package io.tributary.query.catalog;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The history view of a USER table for cross-user analytics: {@code ns.t$history} is every owner's
 * flushed rows of {@code ns.t}, read from the cold tier alone (never from the hot stores), with two
 * more columns: {@code _owner} (the owning account's name; null once the account is gone) and
 * {@code _owner_id} (its id, as the cold tier stores it), then {@code _seq} as for every table.
 * Read-only: only SELECT resolves it, and only roles dba and system may read it. A table name never
 * holds {@code $}, so no table can be named like a history view.
 */
public final class HistoryTables {
  /** What a history view's name adds to its table's name. */
  public static final String SUFFIX = "$history";

  /** The owning account's name. */
  public static final String OWNER_COLUMN = "_owner";

  /** The owning account's id. */
  public static final String OWNER_ID_COLUMN = "_owner_id";

  private HistoryTables() {}

  /** Whether a table definition is a history view. */
  public static boolean isHistory(TableDef table) {
    return table.name().endsWith(SUFFIX);
  }

  /**
   * The history view named {@code name} in {@code namespace}: present when {@code name} is a USER
   * table's name followed by {@link #SUFFIX}.
   */
  public static Optional<TableDef> find(Catalog catalog, String namespace, String name) {
    return baseOf(catalog, namespace, name).map(HistoryTables::of);
  }

  /** The USER table whose history view is named {@code name} in {@code namespace}, if any. */
  public static Optional<TableDef> baseOf(Catalog catalog, String namespace, String name) {
    if (!name.endsWith(SUFFIX) || name.length() == SUFFIX.length()) {
      return Optional.empty();
    }
    String base = name.substring(0, name.length() - SUFFIX.length());
    return catalog.table(namespace, base).filter(t -> t.kind() == TableKind.USER);
  }

  /**
   * The history view of a USER table: the same id (reads route by it), the table's columns, then
   * {@link #OWNER_COLUMN} and {@link #OWNER_ID_COLUMN}. Fails when the table has a column of either
   * name.
   */
  public static TableDef of(TableDef base) {
    if (base.columnIndex(OWNER_COLUMN) >= 0 || base.columnIndex(OWNER_ID_COLUMN) >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot read %s%s: the table has a column named %s or %s",
          base.qualifiedName(),
          SUFFIX,
          OWNER_COLUMN,
          OWNER_ID_COLUMN);
    }
    List<ColumnDef> columns = new ArrayList<>(base.columns());
    columns.add(new ColumnDef(OWNER_COLUMN, ColumnType.TEXT, true, null));
    columns.add(new ColumnDef(OWNER_ID_COLUMN, ColumnType.TEXT, false, null));
    return new TableDef(
        base.id(),
        base.namespace(),
        base.name() + SUFFIX,
        base.kind(),
        columns,
        base.primaryKey(),
        base.options(),
        base.createdAtMillis());
  }

  /** The USER table a history view reads. */
  public static TableDef base(Catalog catalog, TableDef history) {
    String name = history.name().substring(0, history.name().length() - SUFFIX.length());
    return catalog
        .table(history.namespace(), name)
        .filter(t -> t.id() == history.id())
        .orElseThrow(
            () ->
                TributaryException.of(
                    ErrorCode.TABLE_NOT_FOUND,
                    "Cannot find table %s.%s",
                    history.namespace(),
                    name));
  }
}
