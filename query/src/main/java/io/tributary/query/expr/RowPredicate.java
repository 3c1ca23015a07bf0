package io.tributary.query.expr;

/**
 * A compiled boolean condition over one row. SQL semantics: a condition that is NULL (unknown) does
 * not hold, so {@link #test} returns false for it.
 *
 * <p>Instances returned by {@link Expressions} are immutable and thread-safe; {@link #test} does
 * not retain the row. It may throw {@link io.tributary.query.TributaryException} (INVALID_ARGUMENT)
 * when evaluation fails on this row's values, for example on a division by zero.
 */
@FunctionalInterface
public interface RowPredicate {
  /**
   * @param row canonical values in the column order of the table the predicate was compiled for,
   *     followed by the row's {@code _seq} for tables that have one
   */
  boolean test(Object[] row);
}
