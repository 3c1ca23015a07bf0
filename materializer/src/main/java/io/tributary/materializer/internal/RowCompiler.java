package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compiles the SQL text of commands (WHERE clauses, SET expressions) against a table. Rows given to
 * the compiled functions hold canonical values in column order followed by {@code _seq} as a Long.
 * Compilation errors are {@link io.tributary.query.TributaryException}s.
 */
interface RowCompiler {
  Predicate<Object[]> predicate(TableDef table, String whereSql);

  /** An expression whose value is a canonical value of {@code target}, for {@code targetColumn}. */
  Function<Object[], Object> expression(
      TableDef table, String exprSql, ColumnType target, String targetColumn);
}
