package io.tributary.query.expr;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.internal.BoundRex;
import io.tributary.query.expr.internal.EvalContext;
import io.tributary.query.expr.internal.ExpressionBinder;
import io.tributary.query.expr.internal.RexCompiler;
import io.tributary.query.parse.SqlParsing;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Compiles SQL expressions over one table's rows, once, into objects evaluated many times (a
 * subscription's WHERE clause, an UPDATE's SET value). Expressions are bound with Calcite against
 * the table's columns plus {@code _seq} (BIGINT NOT NULL; absent for system tables), so they are
 * validated exactly as the same expression in a SELECT would be, turned into a {@link Bound} tree,
 * then compiled to a tree of lambdas. Every compilation starts from the bound tree: {@link
 * #bindPredicate} and {@link #bindValue} stop there (a command carries the tree), and {@link
 * #predicate(TableDef, BoundExpression)} and {@link #expression(TableDef, BoundExpression,
 * ColumnType, String)} compile a tree without parsing or validating SQL again.
 *
 * <p>Supported: literals of every type; column references; AND, OR, NOT (three-valued); {@code = <>
 * < <= > >=}, IS [NOT] DISTINCT FROM across numeric types; IS [NOT] NULL / TRUE / FALSE / UNKNOWN;
 * BETWEEN; IN lists; [NOT] LIKE [ESCAPE]; {@code + - * / %} and unary minus on INT, BIGINT, DOUBLE
 * and DECIMAL (integer division on integers; overflow and division by zero fail); TIMESTAMP/DATE
 * plus or minus an INTERVAL; {@code ||}; UPPER, LOWER, CHAR_LENGTH, SUBSTRING, TRIM, POSITION,
 * REPLACE; ABS, MOD, CEIL, FLOOR (also of a TIMESTAMP to a unit), ROUND; EXTRACT; COALESCE, NULLIF,
 * CASE; CAST between the dialect's types. Anything else (subqueries, aggregate, window and
 * non-deterministic functions such as CURRENT_TIMESTAMP) fails to compile with
 * UNSUPPORTED_STATEMENT naming it.
 *
 * <p>Failures at compile time: SYNTAX_ERROR (with line and column, relative to the expression
 * text), COLUMN_NOT_FOUND ({@code Cannot resolve column 'x' in table ns.t}), TYPE_MISMATCH,
 * UNSUPPORTED_STATEMENT. Failures of one row's evaluation: INVALID_ARGUMENT ({@code Cannot evaluate
 * <expression>: division by zero}). Compiled objects are immutable and thread-safe. Compiling costs
 * a few milliseconds; evaluating does not allocate except for new result values.
 */
public final class Expressions {
  private static final String WHERE = "WHERE clause";
  private static final String EXPRESSION = "expression";
  private static final Bound NULL =
      new Bound.Literal(
          null,
          new Bound.Type(
              Bound.TypeName.NULL,
              Bound.Type.UNSPECIFIED,
              Bound.Type.UNSPECIFIED,
              true,
              null,
              null));

  private Expressions() {}

  /**
   * Compiles a WHERE clause bound to the table's columns plus {@code _seq}. Rows passed to {@link
   * RowPredicate#test} hold canonical values in column order with the {@code _seq} {@link Long} at
   * index {@code columns().size()}.
   */
  public static RowPredicate predicate(TableDef table, String whereSql) {
    return predicate(table, bindCondition(table, SqlParsing.parseExpression(whereSql), whereSql));
  }

  /**
   * Compiles an already parsed WHERE clause (for example one taken from a statement parsed with
   * {@link SqlParsing}); the tree is not modified.
   */
  public static RowPredicate predicate(TableDef table, SqlNode where) {
    return predicate(table, bindCondition(table, where, SqlParsing.unparse(where)));
  }

  /**
   * Binds a WHERE clause to the table (see {@link Bound}) and checks that it compiles, so that a
   * command carrying it can be applied. Fails as {@link #predicate(TableDef, SqlNode)} does.
   */
  public static BoundExpression bindPredicate(TableDef table, SqlNode where) {
    BoundExpression bound = bindCondition(table, where, SqlParsing.unparse(where));
    predicate(table, bound);
    return bound;
  }

  /**
   * Binds a WHERE clause given as SQL text, which is also the text shown in evaluation errors; as
   * {@link #bindPredicate(TableDef, SqlNode)} otherwise.
   */
  public static BoundExpression bindPredicate(TableDef table, String whereSql) {
    BoundExpression bound = bindCondition(table, SqlParsing.parseExpression(whereSql), whereSql);
    predicate(table, bound);
    return bound;
  }

  /**
   * Compiles a bound WHERE clause (one made by {@link #bindPredicate} for the same table, possibly
   * read back from a command). A tree that does not fit the table (a column that does not exist or
   * has another type, a malformed call) fails with {@code Cannot compile WHERE clause: ...}.
   */
  public static RowPredicate predicate(TableDef table, BoundExpression where) {
    try {
      BoundRex.Rex rex = BoundRex.toRex(where.tree(), table, WHERE);
      return new RexCompiler(rex.rexBuilder(), where.text(), WHERE).predicate(rex.node());
    } catch (TributaryException e) {
      throw e;
    } catch (RuntimeException | AssertionError e) {
      throw malformed(WHERE, e);
    }
  }

  private static BoundExpression bindCondition(TableDef table, SqlNode where, String source) {
    ExpressionBinder.Bound bound = ExpressionBinder.bindCondition(table, where, WHERE);
    return new BoundExpression(toBound(bound, source, WHERE, true), EvalContext.shown(source));
  }

  /**
   * Converts a RexNode made by binding. When it holds something outside the bound form, the
   * compiler is asked first, so an expression that never compiled fails with the message it always
   * had.
   */
  private static Bound toBound(
      ExpressionBinder.Bound bound, String source, String action, boolean condition) {
    try {
      return BoundRex.toBound(bound.node(), action);
    } catch (TributaryException e) {
      RexCompiler compiler = new RexCompiler(bound.rexBuilder(), source, action);
      if (condition) {
        compiler.predicate(bound.node());
      } else {
        compiler.value(bound.node());
      }
      throw e;
    }
  }

  /**
   * Compiles a value expression over the table's row (an UPDATE SET value such as {@code n + 1},
   * {@code content || '!'}, a CASE, a literal). Its result is converted to {@code target} as an
   * assignment does (an INT expression into a BIGINT column, a string literal into a TIMESTAMP,
   * DATE, UUID, JSON or DECIMAL column) and canonicalized with {@link ColumnType#coerce}, which
   * fails with TYPE_MISMATCH naming {@code targetColumn} when a value does not fit. An expression
   * whose type can never be assigned to the column (BOOLEAN into INT) fails to compile with
   * TYPE_MISMATCH.
   */
  public static RowExpression expression(
      TableDef table, String exprSql, ColumnType target, String targetColumn) {
    return expression(
        table,
        bindValue(table, SqlParsing.parseExpression(exprSql), exprSql),
        target,
        targetColumn);
  }

  /** Compiles an already parsed value expression; the tree is not modified. */
  public static RowExpression expression(
      TableDef table, SqlNode expr, ColumnType target, String targetColumn) {
    return expression(
        table, bindValue(table, expr, SqlParsing.unparse(expr)), target, targetColumn);
  }

  /**
   * Binds a value expression to the table (see {@link Bound}) and checks that it compiles into
   * {@code target}, so that a command carrying it can be applied. Fails as {@link
   * #expression(TableDef, SqlNode, ColumnType, String)} does.
   */
  public static BoundExpression bindValue(
      TableDef table, SqlNode expr, ColumnType target, String targetColumn) {
    BoundExpression bound = bindValue(table, expr, SqlParsing.unparse(expr));
    expression(table, bound, target, targetColumn);
    return bound;
  }

  /**
   * Binds a value expression given as SQL text, which is also the text shown in evaluation errors;
   * as {@link #bindValue(TableDef, SqlNode, ColumnType, String)} otherwise.
   */
  public static BoundExpression bindValue(
      TableDef table, String exprSql, ColumnType target, String targetColumn) {
    BoundExpression bound = bindValue(table, SqlParsing.parseExpression(exprSql), exprSql);
    expression(table, bound, target, targetColumn);
    return bound;
  }

  /**
   * Compiles a bound value expression (one made by {@link #bindValue} for the same table, possibly
   * read back from a command) into {@code target}, as {@link #expression(TableDef, SqlNode,
   * ColumnType, String)} does.
   */
  public static RowExpression expression(
      TableDef table, BoundExpression expr, ColumnType target, String targetColumn) {
    if (target == null || targetColumn == null) {
      throw new TributaryException(
          ErrorCode.INTERNAL, "Cannot compile expression: no target column given");
    }
    if (expr.tree() instanceof Bound.Literal lit
        && lit.value() == null
        && lit.type().name() == Bound.TypeName.NULL) {
      return row -> null;
    }
    try {
      BoundRex.Rex rex = BoundRex.toRex(expr.tree(), table, EXPRESSION);
      return new RexCompiler(rex.rexBuilder(), expr.text(), EXPRESSION)
          .valueInto(rex.node(), target, targetColumn);
    } catch (TributaryException e) {
      throw e;
    } catch (RuntimeException | AssertionError e) {
      throw malformed(EXPRESSION, e);
    }
  }

  private static BoundExpression bindValue(TableDef table, SqlNode expr, String source) {
    if (expr instanceof SqlLiteral lit && lit.getTypeName() == SqlTypeName.NULL) {
      return new BoundExpression(NULL, EvalContext.shown(source));
    }
    ExpressionBinder.Bound bound = ExpressionBinder.bindValue(table, expr, EXPRESSION);
    return new BoundExpression(
        toBound(bound, source, EXPRESSION, false), EvalContext.shown(source));
  }

  private static TributaryException malformed(String action, Throwable e) {
    return new TributaryException(
        ErrorCode.INTERNAL,
        "Cannot compile " + action + ": the bound tree is malformed (" + e + ")");
  }
}
