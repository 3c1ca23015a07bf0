package io.tributary.query.live;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.policy.RowPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * An analyzed and authorized live query: a {@code SUBSCRIBE TO ...}, or a live {@code SELECT cols
 * FROM t [WHERE ...] [ORDER BY ...] [LIMIT n]}. What one subscription sees.
 *
 * @param table the table subscribed to
 * @param owner the id of the account whose rows it sees (USER and STREAM tables), or null (SHARED
 *     tables)
 * @param whereSql the filter as deterministic SQL text (parameters inlined), or null for none
 * @param predicate the compiled filter over rows of canonical values followed by {@code _seq};
 *     always true when there is no filter
 * @param equalities top-level {@code column = literal} terms of the filter (AND-ed), for the
 *     subscription index; empty when the filter has none
 * @param lastRows how many of the most recent matching rows the snapshot holds, or -1 for all
 * @param fromSeq resume after this {@code _seq} instead of taking a snapshot, or -1
 * @param batchSize rows per InitialRows event
 * @param columns the indexes of the table columns that events carry, in order (a live SELECT's
 *     columns followed by the primary key columns it does not select, then the ORDER BY columns it
 *     does not select; every column for SUBSCRIBE); {@code _seq} always follows them and is not
 *     listed
 * @param order the ORDER BY of a live SELECT, ties broken by the primary key; empty for none
 * @param limit the LIMIT of a live SELECT: the subscriber holds the first {@code limit} matching
 *     rows in {@link #rowOrder()}, kept up to date as rows enter and leave that window; -1 for none
 * @param policy the row-level policy that limits which rows of a SHARED table the subscriber sees,
 *     or null: {@link #predicate()} is only the filter, and the live hub adds the policy with
 *     membership as it stands at each change's position in the log
 */
public record LiveQuery(
    TableDef table,
    String owner,
    String whereSql,
    RowPredicate predicate,
    List<Equality> equalities,
    long lastRows,
    long fromSeq,
    int batchSize,
    List<Integer> columns,
    List<SortKey> order,
    long limit,
    RowPolicy policy) {

  public static final int DEFAULT_BATCH_SIZE = 500;
  public static final int MAX_BATCH_SIZE = 10_000;

  public LiveQuery {
    equalities = List.copyOf(equalities);
    columns = List.copyOf(columns);
    order = List.copyOf(order);
    if (limit < -1 || limit > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Cannot create live query: limit " + limit);
    }
  }

  /** A live query no row policy limits. */
  public LiveQuery(
      TableDef table,
      String owner,
      String whereSql,
      RowPredicate predicate,
      List<Equality> equalities,
      long lastRows,
      long fromSeq,
      int batchSize,
      List<Integer> columns,
      List<SortKey> order,
      long limit) {
    this(
        table,
        owner,
        whereSql,
        predicate,
        equalities,
        lastRows,
        fromSeq,
        batchSize,
        columns,
        order,
        limit,
        null);
  }

  /** This live query with another predicate (the hub's filter-and-policy). */
  public LiveQuery withPredicate(RowPredicate combined) {
    return new LiveQuery(
        table,
        owner,
        whereSql,
        combined,
        equalities,
        lastRows,
        fromSeq,
        batchSize,
        columns,
        order,
        limit,
        policy);
  }

  /** This live query limited by a row policy (null: none). */
  public LiveQuery withPolicy(RowPolicy rowPolicy) {
    return new LiveQuery(
        table,
        owner,
        whereSql,
        predicate,
        equalities,
        lastRows,
        fromSeq,
        batchSize,
        columns,
        order,
        limit,
        rowPolicy);
  }

  /** A {@code SUBSCRIBE TO ...}: every column, no order, no limit. */
  public LiveQuery(
      TableDef table,
      String owner,
      String whereSql,
      RowPredicate predicate,
      List<Equality> equalities,
      long lastRows,
      long fromSeq,
      int batchSize) {
    this(
        table,
        owner,
        whereSql,
        predicate,
        equalities,
        lastRows,
        fromSeq,
        batchSize,
        allColumns(table),
        List.of(),
        -1);
  }

  /** A {@code column = value} term: {@code column} indexes the table's columns. */
  public record Equality(int column, Object value) {}

  /**
   * One ORDER BY term.
   *
   * @param column index of the table column, or {@code columns().size()} for {@code _seq}
   * @param nullsFirst whether NULL sorts before every value (by default NULL sorts as the largest
   *     value, as in SELECT: last when ascending, first when descending)
   */
  public record SortKey(int column, boolean descending, boolean nullsFirst) {}

  /** The indexes of all columns of a table, in order. */
  public static List<Integer> allColumns(TableDef table) {
    return IntStream.range(0, table.columns().size()).boxed().toList();
  }

  /**
   * The values of the leading primary key columns that the filter fixes by equality, in primary key
   * order (the longest such prefix; empty when the first key column is not fixed): every row the
   * filter accepts holds them, so a snapshot reads only the rows under that key prefix. Only
   * columns whose canonical values are equal exactly when the filter finds them equal take part:
   * not DOUBLE (0.0 = -0.0, NaN), JSON or BYTES.
   */
  public List<Object> keyPrefix() {
    List<Object> prefix = new ArrayList<>();
    for (int column : table.primaryKeyIndexes()) {
      Object value = null;
      for (Equality eq : equalities) {
        if (eq.column() == column) {
          value = eq.value();
          break;
        }
      }
      if (value == null || !seekable(table.columns().get(column).type().kind())) {
        break;
      }
      prefix.add(value);
    }
    return prefix;
  }

  /**
   * The range this query reads in the hot tier and the log ({@link
   * io.tributary.query.exec.HotTier}'s {@code owner}): the owner of a USER or STREAM table; for a
   * SHARED table with a PARTITION_KEY, the text of the key value the filter fixes (which names the
   * partition), or null when it fixes none; null for other SHARED tables.
   */
  public String range() {
    if (table.partitionKey() == null) {
      return owner;
    }
    int column = table.partitionKeyIndex();
    for (Equality eq : equalities) {
      if (eq.column() == column) {
        return TableDef.partitionValue(eq.value());
      }
    }
    return null;
  }

  /**
   * Whether it reads a SHARED table with a PARTITION_KEY whose filter fixes no value of the key:
   * its snapshot reads every partition and its changes come from every partition, each ordered by
   * its own {@code _seq} ({@link #range()} is then null).
   */
  public boolean spread() {
    return table.partitionKey() != null && range() == null;
  }

  private static boolean seekable(ColumnType.Kind kind) {
    return switch (kind) {
      case BOOLEAN, INT, BIGINT, DECIMAL, TEXT, TIMESTAMP, DATE, UUID -> true;
      case DOUBLE, JSON, BYTES -> false;
    };
  }

  public boolean resumes() {
    return fromSeq >= 0;
  }

  /** Whether the subscriber holds a window of the first {@link #limit()} rows. */
  public boolean windowed() {
    return limit >= 0;
  }

  /**
   * The order of matching rows: the ORDER BY terms, then the primary key columns ascending, so that
   * it is total (no two rows of a range compare equal). Compares rows of canonical values followed
   * by {@code _seq}. Values compare as a SELECT's ORDER BY compares them: numbers, text (by UTF-16
   * code unit), booleans (false first), timestamps and dates by value, bytes unsigned.
   */
  public Comparator<Object[]> rowOrder() {
    List<SortKey> keys = new ArrayList<>(order);
    for (int pk : table.primaryKeyIndexes()) {
      keys.add(new SortKey(pk, false, false));
    }
    SortKey[] terms = keys.toArray(SortKey[]::new);
    return (a, b) -> {
      for (SortKey k : terms) {
        Object x = a[k.column()];
        Object y = b[k.column()];
        int c;
        if (x == null || y == null) {
          c = x == y ? 0 : (x == null) == k.nullsFirst() ? -1 : 1;
        } else {
          c = compareValues(x, y);
          c = k.descending() ? -c : c;
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  /** Compares two non-null canonical values of one column. */
  private static int compareValues(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.compareUnsigned(x, y);
    }
    @SuppressWarnings("unchecked")
    Comparable<Object> c = (Comparable<Object>) a;
    return c.compareTo(b);
  }
}
