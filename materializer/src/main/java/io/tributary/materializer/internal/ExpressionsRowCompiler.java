package io.tributary.materializer.internal;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowExpression;
import io.tributary.query.expr.RowPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

/** Compiles with the query module's {@link Expressions}. */
final class ExpressionsRowCompiler implements RowCompiler {
  @Override
  public Predicate<Object[]> predicate(TableDef table, String whereSql) {
    RowPredicate predicate = Expressions.predicate(table, whereSql);
    return predicate::test;
  }

  @Override
  public Function<Object[], Object> expression(
      TableDef table, String exprSql, ColumnType target, String targetColumn) {
    RowExpression expression = Expressions.expression(table, exprSql, target, targetColumn);
    return expression::evaluate;
  }

  @Override
  public Predicate<Object[]> predicate(TableDef table, BoundExpression where) {
    RowPredicate predicate = Expressions.predicate(table, where);
    return predicate::test;
  }

  @Override
  public Function<Object[], Object> expression(
      TableDef table, BoundExpression expr, ColumnType target, String targetColumn) {
    RowExpression expression = Expressions.expression(table, expr, target, targetColumn);
    return expression::evaluate;
  }
}
