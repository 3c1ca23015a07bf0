package io.tributary.query.live;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.RowPredicate;
import java.util.List;

/**
 * An analyzed and authorized {@code SUBSCRIBE TO ...}: what one subscription sees.
 *
 * @param table the table subscribed to
 * @param owner the user whose rows it sees (USER and STREAM tables), or null (SHARED tables)
 * @param whereSql the filter as deterministic SQL text (parameters inlined), or null for none
 * @param predicate the compiled filter over rows of canonical values followed by {@code _seq};
 *     always true when there is no filter
 * @param equalities top-level {@code column = literal} terms of the filter (AND-ed), for the
 *     subscription index; empty when the filter has none
 * @param lastRows how many of the most recent matching rows the snapshot holds, or -1 for all
 * @param fromSeq resume after this {@code _seq} instead of taking a snapshot, or -1
 * @param batchSize rows per InitialRows event
 */
public record LiveQuery(
    TableDef table,
    String owner,
    String whereSql,
    RowPredicate predicate,
    List<Equality> equalities,
    long lastRows,
    long fromSeq,
    int batchSize) {

  public static final int DEFAULT_BATCH_SIZE = 500;
  public static final int MAX_BATCH_SIZE = 10_000;

  public LiveQuery {
    equalities = List.copyOf(equalities);
  }

  /** A {@code column = value} term: {@code column} indexes the table's columns. */
  public record Equality(int column, Object value) {}

  public boolean resumes() {
    return fromSeq >= 0;
  }
}
