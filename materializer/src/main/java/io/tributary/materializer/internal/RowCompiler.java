package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.BoundExpression;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compiles the expressions of commands (WHERE clauses, SET values) against a table: bound
 * expressions, and the SQL text of commands read from records written before bound expressions.
 * Rows given to the compiled functions hold canonical values in column order followed by {@code
 * _seq} as a Long. Compilation errors are {@link io.tributary.query.TributaryException}s.
 */
interface RowCompiler {
  Predicate<Object[]> predicate(TableDef table, String whereSql);

  Predicate<Object[]> predicate(TableDef table, BoundExpression where);

  /** An expression whose value is a canonical value of {@code target}, for {@code targetColumn}. */
  Function<Object[], Object> expression(
      TableDef table, String exprSql, ColumnType target, String targetColumn);

  /** An expression whose value is a canonical value of {@code target}, for {@code targetColumn}. */
  Function<Object[], Object> expression(
      TableDef table, BoundExpression expr, ColumnType target, String targetColumn);
}
