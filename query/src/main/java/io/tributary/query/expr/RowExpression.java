package io.tributary.query.expr;

/**
 * A compiled value expression over one row.
 *
 * <p>Instances returned by {@link Expressions} are immutable and thread-safe; {@link #evaluate}
 * does not retain the row. It may throw {@link io.tributary.query.TributaryException}
 * (INVALID_ARGUMENT) when evaluation fails on this row's values, for example on a division by zero
 * or an invalid cast, and TYPE_MISMATCH when the result does not fit the target column.
 */
@FunctionalInterface
public interface RowExpression {
  /**
   * @param row canonical values in the column order of the table the expression was compiled for,
   *     followed by the row's {@code _seq} for tables that have one
   * @return a canonical value ({@link io.tributary.query.catalog.ColumnType}), or null for SQL NULL
   */
  Object evaluate(Object[] row);
}
