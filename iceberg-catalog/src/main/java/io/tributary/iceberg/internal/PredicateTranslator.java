package io.tributary.iceberg.internal;

import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.Bound;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;

/**
 * Translates a bound predicate ({@link Bound}, the form the hot tier and subscriptions start from)
 * into an Iceberg {@link Expression} once per scan, for pruning: partitions, files (column
 * statistics) and Parquet row groups.
 *
 * <p>The result is <em>inclusive</em>: every row for which the predicate is TRUE satisfies it, so
 * pruning by it never drops a matching row. What does not map (functions, arithmetic, casts that
 * change values, LIKE patterns other than a prefix, ordering comparisons on DOUBLE, whose NaN
 * Iceberg orders apart) becomes "always true" inside an AND and makes an enclosing OR "always
 * true". The predicate itself is applied to every row read anyway (Iceberg's Arrow reader prunes
 * but does not filter rows), so the translation only has to be sound, not complete; {@link
 * Translation#complete()} says whether it was both.
 *
 * <p>NOT is pushed down to the leaves (De Morgan, inverted comparisons), which keeps SQL's
 * three-valued logic: {@code NOT (x < 5)} holds exactly for non-null {@code x >= 5}, as Iceberg's
 * {@code x >= 5} does.
 */
public final class PredicateTranslator {
  /**
   * A translated predicate.
   *
   * @param expression the Iceberg expression to prune with
   * @param complete whether it holds for exactly the rows the predicate holds for
   */
  public record Translation(Expression expression, boolean complete) {}

  private final TableDef table;
  private boolean complete = true;

  private PredicateTranslator(TableDef table) {
    this.table = table;
  }

  /** Translates a predicate bound to {@code table}; null translates to "always true". */
  public static Translation translate(TableDef table, Bound predicate) {
    if (predicate == null) {
      return new Translation(Expressions.alwaysTrue(), true);
    }
    PredicateTranslator t = new PredicateTranslator(table);
    try {
      Expression e = t.node(predicate, false);
      return new Translation(e, t.complete);
    } catch (OutOfRange e) {
      return new Translation(Expressions.alwaysTrue(), false);
    }
  }

  private Expression unsupported() {
    complete = false;
    return Expressions.alwaysTrue();
  }

  private Expression node(Bound b, boolean negated) {
    if (b instanceof Bound.Column c) {
      String name = booleanColumn(c);
      if (name == null) {
        return unsupported();
      }
      return Expressions.equal(name, !negated);
    }
    if (b instanceof Bound.Literal lit) {
      if (lit.value() instanceof Boolean v) {
        return v != negated ? Expressions.alwaysTrue() : Expressions.alwaysFalse();
      }
      if (lit.value() == null) {
        return Expressions.alwaysFalse(); // NULL (and NOT NULL) is never TRUE
      }
      return unsupported();
    }
    Bound.Call call = (Bound.Call) b;
    List<Bound> ops = call.operands();
    switch (call.operator()) {
      case AND:
      case OR:
        {
          boolean and = (call.operator() == Bound.Operator.AND) != negated;
          List<Expression> parts = new ArrayList<>();
          for (Bound op : ops) {
            parts.add(node(op, negated));
          }
          Expression out = parts.get(0);
          for (int i = 1; i < parts.size(); i++) {
            out = and ? Expressions.and(out, parts.get(i)) : Expressions.or(out, parts.get(i));
          }
          return out;
        }
      case NOT:
        return node(ops.get(0), !negated);
      case IS_TRUE:
        // NOT (x IS TRUE) also holds for a NULL x, which "x is FALSE" would prune.
        return negated ? unsupported() : node(ops.get(0), false);
      case IS_NULL:
      case IS_NOT_NULL:
        {
          Col col = column(ops.get(0));
          if (col == null) {
            return unsupported();
          }
          boolean isNull = (call.operator() == Bound.Operator.IS_NULL) != negated;
          return isNull ? Expressions.isNull(col.name) : Expressions.notNull(col.name);
        }
      case EQUALS:
      case NOT_EQUALS:
      case LESS_THAN:
      case LESS_THAN_OR_EQUAL:
      case GREATER_THAN:
      case GREATER_THAN_OR_EQUAL:
      case IS_NOT_DISTINCT_FROM:
        return comparison(call.operator(), ops, negated);
      case SEARCH:
        return negated ? unsupported() : search(ops);
      case LIKE:
        return negated ? unsupported() : like(ops);
      default:
        return unsupported();
    }
  }

  private Expression comparison(Bound.Operator op, List<Bound> ops, boolean negated) {
    Col col = column(ops.get(0));
    Bound other = ops.get(1);
    boolean flipped = false;
    if (col == null) {
      col = column(ops.get(1));
      other = ops.get(0);
      flipped = true;
    }
    if (col == null || !(other instanceof Bound.Literal lit)) {
      return unsupported();
    }
    if (lit.value() == null) {
      // x = NULL is never TRUE; x IS NOT DISTINCT FROM NULL is x IS NULL.
      if (op == Bound.Operator.IS_NOT_DISTINCT_FROM) {
        return negated ? Expressions.notNull(col.name) : Expressions.isNull(col.name);
      }
      return Expressions.alwaysFalse();
    }
    if (op == Bound.Operator.IS_NOT_DISTINCT_FROM) {
      if (negated) {
        return unsupported(); // also true for NULL
      }
      op = Bound.Operator.EQUALS;
    }
    Object value = literal(col, lit.value(), lit.type().name());
    if (value == null) {
      return unsupported();
    }
    if (flipped) {
      op = flip(op);
    }
    if (negated) {
      op = invert(op);
    }
    boolean ordering = op != Bound.Operator.EQUALS && op != Bound.Operator.NOT_EQUALS;
    if (ordering && !orderable(col, value)) {
      return unsupported();
    }
    if (!ordering && col.type.kind() == ColumnType.Kind.DOUBLE && ((Double) value).isNaN()) {
      return unsupported();
    }
    Object v = icebergLiteral(col, value);
    return switch (op) {
      case EQUALS -> Expressions.equal(col.name, v);
      case NOT_EQUALS -> Expressions.notEqual(col.name, v);
      case LESS_THAN -> Expressions.lessThan(col.name, v);
      case LESS_THAN_OR_EQUAL -> Expressions.lessThanOrEqual(col.name, v);
      case GREATER_THAN -> Expressions.greaterThan(col.name, v);
      case GREATER_THAN_OR_EQUAL -> Expressions.greaterThanOrEqual(col.name, v);
      default -> unsupported();
    };
  }

  private Expression search(List<Bound> ops) {
    Col col = column(ops.get(0));
    if (col == null
        || !(ops.get(1) instanceof Bound.Literal lit)
        || !(lit.value() instanceof Bound.Ranges ranges)) {
      return unsupported();
    }
    Bound.TypeName valueType = lit.type().name();
    List<Object> points = new ArrayList<>();
    Expression out = Expressions.alwaysFalse();
    for (Bound.Range r : ranges.ranges()) {
      boolean point =
          r.lowerKind() == Bound.BoundKind.CLOSED
              && r.upperKind() == Bound.BoundKind.CLOSED
              && r.lower() != null
              && r.lower().equals(r.upper());
      if (point) {
        Object v = literal(col, r.lower(), valueType);
        if (v == null || (col.type.kind() == ColumnType.Kind.DOUBLE && ((Double) v).isNaN())) {
          return unsupported();
        }
        points.add(icebergLiteral(col, v));
        continue;
      }
      Expression range = Expressions.alwaysTrue();
      if (r.lowerKind() != Bound.BoundKind.NONE) {
        Object v = literal(col, r.lower(), valueType);
        if (v == null || !orderable(col, v)) {
          return unsupported();
        }
        Object l = icebergLiteral(col, v);
        range =
            r.lowerKind() == Bound.BoundKind.CLOSED
                ? Expressions.greaterThanOrEqual(col.name, l)
                : Expressions.greaterThan(col.name, l);
      }
      if (r.upperKind() != Bound.BoundKind.NONE) {
        Object v = literal(col, r.upper(), valueType);
        if (v == null || !orderable(col, v)) {
          return unsupported();
        }
        Object u = icebergLiteral(col, v);
        range =
            Expressions.and(
                range,
                r.upperKind() == Bound.BoundKind.CLOSED
                    ? Expressions.lessThanOrEqual(col.name, u)
                    : Expressions.lessThan(col.name, u));
      }
      if (r.lowerKind() == Bound.BoundKind.NONE && r.upperKind() == Bound.BoundKind.NONE) {
        range = Expressions.notNull(col.name);
      }
      out = Expressions.or(out, range);
    }
    if (!points.isEmpty()) {
      out = Expressions.or(out, Expressions.in(col.name, points));
    }
    if (ranges.nullAs() == Bound.NullAs.TRUE) {
      out = Expressions.or(out, Expressions.isNull(col.name));
    }
    return out;
  }

  private Expression like(List<Bound> ops) {
    Col col = column(ops.get(0));
    if (ops.size() != 2
        || col == null
        || !isString(col.type)
        || !(ops.get(1) instanceof Bound.Literal lit)
        || !(lit.value() instanceof String pattern)) {
      return unsupported();
    }
    int wildcard = firstWildcard(pattern);
    if (wildcard < 0) {
      return Expressions.equal(col.name, pattern);
    }
    String prefix = pattern.substring(0, wildcard);
    if (prefix.isEmpty() || !orderable(col, prefix)) {
      return unsupported();
    }
    if (!pattern.substring(wildcard).chars().allMatch(ch -> ch == '%')) {
      complete = false; // prefix% only is exact; the rest is left to the row filter
    }
    return Expressions.startsWith(col.name, prefix);
  }

  private static int firstWildcard(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      char ch = pattern.charAt(i);
      if (ch == '%' || ch == '_') {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether ordering comparisons with {@code value} are safe to push. DOUBLE: never (NaN). Strings:
   * only when the value has no character at or above U+D800, where Java's UTF-16 order (the row
   * filter's) and Iceberg's code point order (the statistics') can disagree.
   */
  private static boolean orderable(Col col, Object value) {
    if (col.type.kind() == ColumnType.Kind.DOUBLE || col.type.kind() == ColumnType.Kind.BOOLEAN) {
      return false;
    }
    if (value instanceof String s) {
      return s.chars().allMatch(ch -> ch < 0xD800);
    }
    return col.type.kind() != ColumnType.Kind.BYTES;
  }

  /** A canonical value as an Iceberg literal; one out of Iceberg's range is left to the filter. */
  private static Object icebergLiteral(Col col, Object canonical) {
    try {
      return ColdSchema.toLiteral(col.type, canonical);
    } catch (ArithmeticException e) {
      throw new OutOfRange();
    }
  }

  /** Thrown by {@link #icebergLiteral} and caught by {@link #translate}: nothing is pushed. */
  private static final class OutOfRange extends RuntimeException {
    OutOfRange() {
      super(null, null, false, false);
    }
  }

  /** The literal as a canonical value of the column's type, or null when it does not map. */
  private static Object literal(Col col, Object value, Bound.TypeName literalType) {
    if (value == null || !compatible(col.type, literalType)) {
      return null;
    }
    if (col.type.kind() == ColumnType.Kind.TIMESTAMP
        && value instanceof String text
        && text.matches(".*\\.\\d{4,}.*")) {
      return null; // finer than the milliseconds the column holds
    }
    try {
      Object v = col.type.coerce(value, col.name);
      if (v instanceof java.math.BigDecimal d
          && value instanceof java.math.BigDecimal original
          && d.compareTo(original) != 0) {
        return null; // rounded to the column's scale: not the same value
      }
      if (col.type.kind() == ColumnType.Kind.DOUBLE
          && value instanceof java.math.BigDecimal original
          && new java.math.BigDecimal((Double) v).compareTo(original) != 0) {
        return null; // not exactly a double
      }
      return v;
    } catch (TributaryException e) {
      return null;
    }
  }

  private static boolean compatible(ColumnType type, Bound.TypeName literal) {
    return switch (type.kind()) {
      case BOOLEAN -> literal == Bound.TypeName.BOOLEAN;
      case INT, BIGINT, DOUBLE, DECIMAL ->
          switch (literal) {
            case TINYINT, SMALLINT, INTEGER, BIGINT, DECIMAL, FLOAT, REAL, DOUBLE -> true;
            default -> false;
          };
      case TEXT, JSON, UUID -> literal == Bound.TypeName.CHAR || literal == Bound.TypeName.VARCHAR;
      case BYTES -> literal == Bound.TypeName.BINARY || literal == Bound.TypeName.VARBINARY;
      case TIMESTAMP -> literal == Bound.TypeName.TIMESTAMP;
      case DATE -> literal == Bound.TypeName.DATE;
    };
  }

  private static boolean isString(ColumnType type) {
    return type.kind() == ColumnType.Kind.TEXT
        || type.kind() == ColumnType.Kind.JSON
        || type.kind() == ColumnType.Kind.UUID;
  }

  private static Bound.Operator flip(Bound.Operator op) {
    return switch (op) {
      case LESS_THAN -> Bound.Operator.GREATER_THAN;
      case LESS_THAN_OR_EQUAL -> Bound.Operator.GREATER_THAN_OR_EQUAL;
      case GREATER_THAN -> Bound.Operator.LESS_THAN;
      case GREATER_THAN_OR_EQUAL -> Bound.Operator.LESS_THAN_OR_EQUAL;
      default -> op;
    };
  }

  private static Bound.Operator invert(Bound.Operator op) {
    return switch (op) {
      case EQUALS -> Bound.Operator.NOT_EQUALS;
      case NOT_EQUALS -> Bound.Operator.EQUALS;
      case LESS_THAN -> Bound.Operator.GREATER_THAN_OR_EQUAL;
      case LESS_THAN_OR_EQUAL -> Bound.Operator.GREATER_THAN;
      case GREATER_THAN -> Bound.Operator.LESS_THAN_OR_EQUAL;
      case GREATER_THAN_OR_EQUAL -> Bound.Operator.LESS_THAN;
      default -> op;
    };
  }

  /** A column of the Iceberg table a bound node reads as is. */
  private record Col(String name, ColumnType type) {}

  /**
   * The column a node refers to: a column reference, or a CAST of one that keeps every value
   * ordered the same (an integer widened to a larger integer type, DECIMAL or DOUBLE).
   */
  private Col column(Bound b) {
    if (b instanceof Bound.Call call
        && call.operator() == Bound.Operator.CAST
        && call.operands().size() == 1
        && call.operands().get(0) instanceof Bound.Column inner) {
      Col col = column(inner);
      if (col != null
          && (col.type.kind() == ColumnType.Kind.INT || col.type.kind() == ColumnType.Kind.BIGINT)
          && widens(col.type, call.type().name())) {
        return col;
      }
      return null;
    }
    if (!(b instanceof Bound.Column c)) {
      return null;
    }
    int n = table.columns().size();
    if (c.index() == n) {
      return new Col(ColdSchema.SEQ, ColumnType.BIGINT);
    }
    if (c.index() < 0 || c.index() > n) {
      return null;
    }
    return new Col(table.columns().get(c.index()).name(), table.columns().get(c.index()).type());
  }

  private static boolean widens(ColumnType from, Bound.TypeName to) {
    return switch (to) {
      case BIGINT, DECIMAL -> true;
      case INTEGER -> from.kind() == ColumnType.Kind.INT;
      default -> false;
    };
  }

  private String booleanColumn(Bound.Column c) {
    Col col = column(c);
    return col != null && col.type.kind() == ColumnType.Kind.BOOLEAN ? col.name : null;
  }
}
