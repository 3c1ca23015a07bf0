package io.tributary.query.catalog;

import java.util.List;
import java.util.Map;

/**
 * A table's definition. Immutable; dropping and re-creating a table gives it a new id, which is why
 * commands name tables by id: a command for a dropped table never applies to its successor.
 *
 * <p>{@code ALTER TABLE} writes a new definition under the same id that only appends columns (ADD
 * COLUMN), renames them (RENAME COLUMN) or widens a DECIMAL's precision (whose stored form does not
 * depend on it): a column's position is its identity for good (its cold field id is {@code 3 +
 * position}), so a row encoded under an earlier definition decodes under a later one (the columns
 * it lacks read NULL) and a command analyzed before the change applies after it.
 *
 * @param id unique id, assigned by the node that accepted the CREATE TABLE
 * @param primaryKey names of the primary key columns, in key order
 * @param options the WITH options other than TYPE, upper-case keys (e.g. ACCESS_LEVEL, TTL_SECONDS)
 */
public record TableDef(
    long id,
    String namespace,
    String name,
    TableKind kind,
    List<ColumnDef> columns,
    List<String> primaryKey,
    Map<String, String> options,
    long createdAtMillis) {

  /** Name of the pseudo-column every row version carries: its position in the log. */
  public static final String SEQ_COLUMN = "_seq";

  /** The longest TTL_SECONDS of a STREAM table: 30 days (STREAM tables hold ephemeral events). */
  public static final long MAX_TTL_SECONDS = 30L * 86_400;

  public TableDef {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
    options = Map.copyOf(options);
  }

  public String qualifiedName() {
    return namespace + "." + name;
  }

  /** Index of the column, or -1. */
  public int columnIndex(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    return -1;
  }

  public int[] primaryKeyIndexes() {
    return primaryKey.stream().mapToInt(this::columnIndex).toArray();
  }

  public List<ColumnType> types() {
    return columns.stream().map(ColumnDef::type).toList();
  }

  public List<ColumnType> primaryKeyTypes() {
    return primaryKey.stream().map(c -> columns.get(columnIndex(c)).type()).toList();
  }

  /**
   * How long an event of a STREAM table lives after the node accepted its INSERT, in milliseconds
   * (its TTL_SECONDS); 0 for other tables (their rows do not expire).
   */
  public long ttlMillis() {
    if (kind != TableKind.STREAM) {
      return 0;
    }
    String ttl = options.get("TTL_SECONDS");
    return ttl == null ? 0 : Long.parseLong(ttl.trim()) * 1000;
  }

  /** The access level of a SHARED table: who besides service, dba and system may read and write. */
  public SharedAccess sharedAccess() {
    return SharedAccess.parse(options.getOrDefault("ACCESS_LEVEL", SharedAccess.READ.sqlName()));
  }

  /**
   * The column whose value spreads a SHARED table's rows over the partitions of the log ({@code
   * PARTITION_KEY}), or null when the whole table lives in one partition. It is the first primary
   * key column, so it never changes on a row (primary key columns cannot be updated) and a filter
   * that fixes it names the row's partition.
   */
  public String partitionKey() {
    return options.get("PARTITION_KEY");
  }

  /** The index of {@link #partitionKey()}, or -1 when the table has none. */
  public int partitionKeyIndex() {
    String key = partitionKey();
    return key == null ? -1 : columnIndex(key);
  }

  /**
   * The text a value of the partition key is hashed as (the log routes by it): the canonical
   * value's decimal or text form.
   */
  public static String partitionValue(Object canonical) {
    return String.valueOf(canonical);
  }
}
