package io.tributary.query.exec;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.exec.internal.CalciteQueryRunner;
import java.util.List;

/**
 * Runs SELECT queries over the tables of a {@link Catalog} (each {@code namespace.table}) and the
 * system tables ({@code system.*}), reading every table through a {@link RowSource}.
 *
 * <p>Supported: SELECT with WHERE, ORDER BY, LIMIT/OFFSET (and FETCH), GROUP BY with aggregates
 * (COUNT, SUM, AVG, MIN, MAX, ...), HAVING, joins, subqueries, UNION/INTERSECT/EXCEPT, VALUES and
 * WITH; Calcite's standard functions and operators; {@code ?} parameters. Every table but the
 * system tables exposes its columns plus {@code _seq} (BIGINT NOT NULL) last, so {@code SELECT *}
 * includes {@code _seq}. Identifiers are case-sensitive ({@code Lex.JAVA}); timestamps are UTC.
 *
 * <p>Threading: an engine is immutable and thread-safe; each call runs on the calling thread and
 * reads the catalog as it is then. Each table a query reads is read through {@code
 * source.scan(table)} when Calcite scans it (once per appearance in the plan); the rows are
 * consumed before {@link #select} returns.
 *
 * <p>Failures are {@link io.tributary.query.TributaryException}s: SYNTAX_ERROR (with line and
 * column), UNSUPPORTED_STATEMENT (not a query, or an unknown function), TABLE_NOT_FOUND ({@code
 * Cannot find table ns.t}), COLUMN_NOT_FOUND ({@code Cannot resolve column 'x'}), TYPE_MISMATCH,
 * INVALID_ARGUMENT (other validation failures and failures while running, such as a division by
 * zero, with Calcite's reason after {@code Cannot run query: }). A {@code TributaryException} that
 * the source throws (for example PERMISSION_DENIED) comes out unchanged.
 */
public final class QueryEngine {
  private final CalciteQueryRunner runner;

  public QueryEngine(Catalog catalog) {
    this.runner = new CalciteQueryRunner(catalog);
  }

  /**
   * Runs one query.
   *
   * @param params binds the i-th {@code ?} to {@code params.get(i)}: Integer, Long, Double,
   *     BigDecimal, String, Boolean, byte[], {@link java.time.Instant}, {@link
   *     java.time.LocalDate}, {@link java.util.UUID}, a canonical value of the parameter's type, or
   *     null
   * @return typed columns and rows of canonical values ({@link
   *     io.tributary.query.catalog.ColumnType})
   */
  public QueryResult select(String sql, List<Object> params, RowSource source) {
    return runner.select(sql, params, source);
  }
}
