package io.tributary.query.expr.internal;

import com.google.common.collect.Range;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.expr.RowExpression;
import io.tributary.query.expr.RowPredicate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.apache.calcite.avatica.util.TimeUnitRange;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexCorrelVariable;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexFieldAccess;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.fun.SqlLikeOperator;
import org.apache.calcite.sql.fun.SqlTrimFunction;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.Sarg;
import org.apache.calcite.util.TimeString;
import org.apache.calcite.util.TimestampString;

/**
 * Compiles a bound {@link RexNode} into a tree of lambdas: one pass over the tree at compile time,
 * no reflection or code generation, no allocation while evaluating except for results that are new
 * values (arithmetic, strings). Values inside use the representations of {@link Rep}.
 *
 * <p>Every construct that is not supported fails at compile time with UNSUPPORTED_STATEMENT naming
 * it. The compiled objects are immutable and thread-safe.
 */
public final class RexCompiler {
  private static final Object[] NO_ROW = new Object[0];

  private final RexBuilder rexBuilder;
  private final EvalContext ctx;
  private final String action;

  /**
   * @param source the SQL text of the expression, shown in evaluation errors
   * @param action what is being compiled, shown in compile errors ({@code Cannot compile <action>})
   */
  public RexCompiler(RexBuilder rexBuilder, String source, String action) {
    this.rexBuilder = rexBuilder;
    this.ctx = new EvalContext(source);
    this.action = action;
  }

  // ================================================================ public entry points

  /** Compiles a boolean condition: true only when the condition is TRUE (not FALSE, not NULL). */
  public RowPredicate predicate(RexNode node) {
    Rep rep = Rep.of(node.getType());
    if (rep != Rep.BOOLEAN && rep != Rep.NULL) {
      throw typeMismatch("condition must be BOOLEAN, not " + node.getType().getFullTypeString());
    }
    return pred(node);
  }

  /** Compiles a value expression; the result is in Calcite's internal representation. */
  public RowExpression value(RexNode node) {
    return compile(node).fn;
  }

  /**
   * Compiles a value expression whose result is assigned to a column: converted as an assignment
   * would (a string literal parses into a TIMESTAMP, a DATE widens to a TIMESTAMP, an INT into a
   * BIGINT) and canonicalized by {@link ColumnType#coerce}. Throws TYPE_MISMATCH when no value of
   * the expression's type can be assigned to the column.
   */
  public RowExpression valueInto(RexNode node, ColumnType target, String column) {
    Compiled c = compile(node);
    Values.Conv conv = assignment(c, target);
    if (conv == null) {
      throw new TributaryException(
          ErrorCode.TYPE_MISMATCH,
          "Cannot compile "
              + action
              + ": cannot assign a value of type "
              + c.type.getFullTypeString().replace(" NOT NULL", "")
              + " to column "
              + column
              + " of type "
              + target);
    }
    RowExpression fn = c.fn;
    RowExpression result =
        row -> {
          Object v = fn.evaluate(row);
          return v == null ? null : target.coerce(conv.apply(v), column);
        };
    if (c.constant) {
      try {
        Object v = result.evaluate(NO_ROW);
        return row -> v;
      } catch (TributaryException e) {
        return result; // fails again, per row, where it is evaluated
      }
    }
    return result;
  }

  private static Values.Conv assignment(Compiled c, ColumnType target) {
    Rep rep = c.rep;
    if (rep == Rep.NULL) {
      return v -> null;
    }
    switch (target.kind()) {
      case TEXT:
        if (rep == Rep.STRING) {
          return v -> v;
        }
        if (rep == Rep.BYTES
            || rep == Rep.SYMBOL
            || rep == Rep.INTERVAL_MILLIS
            || rep == Rep.INTERVAL_MONTHS) {
          return null;
        }
        return v -> Values.toText(v, rep, c.type);
      case JSON:
      case UUID:
        return rep == Rep.STRING ? v -> v : null;
      case BOOLEAN:
        return rep == Rep.BOOLEAN || rep == Rep.STRING ? v -> v : null;
      case INT:
      case BIGINT:
      case DOUBLE:
      case DECIMAL:
        return rep.isNumeric() || rep == Rep.STRING ? v -> v : null;
      case TIMESTAMP:
        if (rep == Rep.DATE) {
          return v -> (Integer) v * Values.MILLIS_PER_DAY;
        }
        return rep == Rep.TIMESTAMP || rep == Rep.STRING ? v -> v : null;
      case DATE:
        if (rep == Rep.TIMESTAMP) {
          return v -> (int) Math.floorDiv((Long) v, Values.MILLIS_PER_DAY);
        }
        return rep == Rep.DATE || rep == Rep.STRING ? v -> v : null;
      case BYTES:
        return rep == Rep.BYTES ? v -> v : null;
      default:
        return null;
    }
  }

  // ================================================================ compiled nodes

  /** A compiled node: its function, representation, type and, for constants, its value. */
  private static final class Compiled {
    final RowExpression fn;
    final Rep rep;
    final RelDataType type;
    final boolean constant;
    final Object value;

    /** The column index when the node is a plain input reference, else -1. */
    final int input;

    private Compiled(
        RowExpression fn, Rep rep, RelDataType type, boolean constant, Object value, int input) {
      this.fn = fn;
      this.rep = rep;
      this.type = type;
      this.constant = constant;
      this.value = value;
      this.input = input;
    }

    static Compiled of(RowExpression fn, Rep rep, RelDataType type) {
      return new Compiled(fn, rep, type, false, null, -1);
    }

    static Compiled constant(Object value, Rep rep, RelDataType type) {
      return new Compiled(row -> value, rep, type, true, value, -1);
    }

    static Compiled input(int index, Rep rep, RelDataType type) {
      return new Compiled(row -> row[index], rep, type, false, null, index);
    }

    boolean isNullConstant() {
      return constant && value == null;
    }
  }

  private TributaryException unsupported(String what) {
    return new TributaryException(
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot compile " + action + ": " + what + " is not supported");
  }

  private TributaryException typeMismatch(String reason) {
    return new TributaryException(
        ErrorCode.TYPE_MISMATCH, "Cannot compile " + action + ": " + reason);
  }

  private Rep repOf(RelDataType type) {
    Rep rep = Rep.of(type);
    if (rep == null) {
      throw unsupported("type " + type.getSqlTypeName());
    }
    return rep;
  }

  private static String typeName(RelDataType type) {
    return type.getFullTypeString().replace(" NOT NULL", "");
  }

  // ================================================================ values

  private Compiled compile(RexNode node) {
    if (node instanceof RexLiteral lit) {
      Rep rep = repOf(lit.getType());
      Object v;
      try {
        v = Values.fromCalcite(literalValue(lit, rep), rep);
      } catch (IllegalArgumentException e) {
        throw unsupported("literal " + lit);
      }
      return Compiled.constant(v, rep, lit.getType());
    }
    if (node instanceof RexInputRef ref) {
      return Compiled.input(ref.getIndex(), repOf(ref.getType()), ref.getType());
    }
    if (node instanceof RexSubQuery) {
      throw unsupported("a subquery");
    }
    if (node instanceof RexOver) {
      throw unsupported("a window function");
    }
    if (node instanceof RexDynamicParam) {
      throw unsupported("a parameter");
    }
    if (node instanceof RexCorrelVariable || node instanceof RexFieldAccess) {
      throw unsupported("a correlated reference");
    }
    if (node instanceof RexCall call) {
      Compiled c = call(call);
      if (!c.constant && RexUtil.isConstant(call)) {
        try {
          return Compiled.constant(c.fn.evaluate(NO_ROW), c.rep, c.type);
        } catch (TributaryException e) {
          return c; // fails again, per row, where it is evaluated
        }
      }
      return c;
    }
    throw unsupported("expression " + node);
  }

  /** The literal's value as {@link Values#fromCalcite} takes it (not the legacy Calendar). */
  private static Object literalValue(RexLiteral lit, Rep rep) {
    switch (rep) {
      case TIMESTAMP:
        return lit.getValueAs(TimestampString.class);
      case DATE:
        return lit.getValueAs(DateString.class);
      case TIME:
        return lit.getValueAs(TimeString.class);
      default:
        return lit.getValue();
    }
  }

  private Compiled call(RexCall call) {
    List<RexNode> ops = call.getOperands();
    RelDataType type = call.getType();
    switch (call.getKind()) {
      case AND:
        return and(call);
      case OR:
        return or(call);
      case NOT:
        {
          RowExpression x = compile(ops.get(0)).fn;
          return Compiled.of(
              row -> {
                Object v = x.evaluate(row);
                return v == null ? null : (Boolean) (!(Boolean) v);
              },
              Rep.BOOLEAN,
              type);
        }
      case EQUALS:
      case NOT_EQUALS:
      case LESS_THAN:
      case LESS_THAN_OR_EQUAL:
      case GREATER_THAN:
      case GREATER_THAN_OR_EQUAL:
        return comparisonValue(call);
      case IS_DISTINCT_FROM:
      case IS_NOT_DISTINCT_FROM:
        {
          Compiled[] lr = aligned(ops.get(0), ops.get(1));
          Values.Cmp cmp = comparator(lr[0], lr[1]);
          RowExpression l = lr[0].fn;
          RowExpression r = lr[1].fn;
          boolean distinct = call.getKind() == SqlKind.IS_DISTINCT_FROM;
          return Compiled.of(
              row -> {
                Object x = l.evaluate(row);
                Object y = r.evaluate(row);
                boolean same = x == null ? y == null : y != null && cmp.compare(x, y) == 0;
                return same != distinct;
              },
              Rep.BOOLEAN,
              type);
        }
      case IS_NULL:
      case IS_UNKNOWN:
        {
          RowExpression x = compile(ops.get(0)).fn;
          return Compiled.of(row -> x.evaluate(row) == null, Rep.BOOLEAN, type);
        }
      case IS_NOT_NULL:
        {
          RowExpression x = compile(ops.get(0)).fn;
          return Compiled.of(row -> x.evaluate(row) != null, Rep.BOOLEAN, type);
        }
      case IS_TRUE:
      case IS_NOT_TRUE:
      case IS_FALSE:
      case IS_NOT_FALSE:
        {
          RowPredicate p = pred(call);
          return Compiled.of(row -> p.test(row), Rep.BOOLEAN, type);
        }
      case SEARCH:
        return search(call);
      case LIKE:
        return like(call);
      case PLUS:
      case MINUS:
      case TIMES:
      case DIVIDE:
      case MOD:
        return arithmetic(call);
      case MINUS_PREFIX:
        return negate(call);
      case PLUS_PREFIX:
        return compile(ops.get(0));
      case CAST:
        return cast(compile(ops.get(0)), type);
      case CASE:
        return caseWhen(call);
      case COALESCE:
        return coalesce(call);
      default:
        return function(call);
    }
  }

  // ---------------------------------------------------------------- logic

  private Compiled and(RexCall call) {
    RowExpression[] xs =
        call.getOperands().stream().map(o -> compile(o).fn).toArray(RowExpression[]::new);
    return Compiled.of(
        row -> {
          boolean unknown = false;
          for (RowExpression x : xs) {
            Object v = x.evaluate(row);
            if (v == null) {
              unknown = true;
            } else if (!(Boolean) v) {
              return Boolean.FALSE;
            }
          }
          return unknown ? null : Boolean.TRUE;
        },
        Rep.BOOLEAN,
        call.getType());
  }

  private Compiled or(RexCall call) {
    RowExpression[] xs =
        call.getOperands().stream().map(o -> compile(o).fn).toArray(RowExpression[]::new);
    return Compiled.of(
        row -> {
          boolean unknown = false;
          for (RowExpression x : xs) {
            Object v = x.evaluate(row);
            if (v == null) {
              unknown = true;
            } else if ((Boolean) v) {
              return Boolean.TRUE;
            }
          }
          return unknown ? null : Boolean.FALSE;
        },
        Rep.BOOLEAN,
        call.getType());
  }

  // ---------------------------------------------------------------- comparison

  /** Compiles both operands, converting a constant to the other side's representation. */
  private Compiled[] aligned(RexNode a, RexNode b) {
    Compiled l = compile(a);
    Compiled r = compile(b);
    if (l.rep != r.rep) {
      if (r.constant && r.value != null) {
        Object v = convertConstant(r.value, r.rep, l.rep);
        if (v != null) {
          r = Compiled.constant(v, l.rep, l.type);
        }
      } else if (l.constant && l.value != null) {
        Object v = convertConstant(l.value, l.rep, r.rep);
        if (v != null) {
          l = Compiled.constant(v, r.rep, r.type);
        }
      }
    }
    return new Compiled[] {l, r};
  }

  private static Object convertConstant(Object v, Rep from, Rep to) {
    if (from.isNumeric() && to.isNumeric()) {
      return Values.exactNumber(v, to);
    }
    if (from == Rep.DATE && to == Rep.TIMESTAMP) {
      return (Integer) v * Values.MILLIS_PER_DAY;
    }
    return null;
  }

  private Values.Cmp comparator(Compiled l, Compiled r) {
    if (l.rep == Rep.NULL || r.rep == Rep.NULL) {
      return (x, y) -> 0; // never called: one side is always null
    }
    Values.Cmp cmp = Values.comparator(l.rep, r.rep);
    if (cmp == null) {
      throw typeMismatch("cannot compare " + typeName(l.type) + " with " + typeName(r.type));
    }
    return cmp;
  }

  private static IntPredicate outcome(SqlKind kind) {
    switch (kind) {
      case EQUALS:
        return c -> c == 0;
      case NOT_EQUALS:
        return c -> c != 0;
      case LESS_THAN:
        return c -> c < 0;
      case LESS_THAN_OR_EQUAL:
        return c -> c <= 0;
      case GREATER_THAN:
        return c -> c > 0;
      case GREATER_THAN_OR_EQUAL:
        return c -> c >= 0;
      default:
        throw new AssertionError(kind);
    }
  }

  private Compiled comparisonValue(RexCall call) {
    Compiled[] lr = aligned(call.getOperands().get(0), call.getOperands().get(1));
    Values.Cmp cmp = comparator(lr[0], lr[1]);
    IntPredicate test = outcome(call.getKind());
    RowExpression l = lr[0].fn;
    RowExpression r = lr[1].fn;
    return Compiled.of(
        row -> {
          Object x = l.evaluate(row);
          if (x == null) {
            return null;
          }
          Object y = r.evaluate(row);
          if (y == null) {
            return null;
          }
          return test.test(cmp.compare(x, y));
        },
        Rep.BOOLEAN,
        call.getType());
  }

  private RowPredicate comparisonPredicate(RexCall call) {
    Compiled[] lr = aligned(call.getOperands().get(0), call.getOperands().get(1));
    Compiled l = lr[0];
    Compiled r = lr[1];
    SqlKind kind = call.getKind();
    if (l.isNullConstant() || r.isNullConstant()) {
      return row -> false;
    }
    Values.Cmp cmp = comparator(l, r);
    if (l.input >= 0 && r.constant && l.rep == r.rep) {
      return inputVersusConstant(kind, l.input, l.rep, r.value, cmp);
    }
    if (r.input >= 0 && l.constant && l.rep == r.rep) {
      return inputVersusConstant(kind.reverse(), r.input, r.rep, l.value, cmp);
    }
    RowExpression lf = l.fn;
    RowExpression rf = r.fn;
    switch (kind) {
      case EQUALS:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) == 0;
        };
      case NOT_EQUALS:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) != 0;
        };
      case LESS_THAN:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) < 0;
        };
      case LESS_THAN_OR_EQUAL:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) <= 0;
        };
      case GREATER_THAN:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) > 0;
        };
      case GREATER_THAN_OR_EQUAL:
        return row -> {
          Object x = lf.evaluate(row);
          if (x == null) {
            return false;
          }
          Object y = rf.evaluate(row);
          return y != null && cmp.compare(x, y) >= 0;
        };
      default:
        throw new AssertionError(kind);
    }
  }

  /** The hot path of subscription filters: {@code column <op> constant}. */
  private static RowPredicate inputVersusConstant(
      SqlKind kind, int i, Rep rep, Object constant, Values.Cmp cmp) {
    if (rep.isLongLike()) {
      long c = ((Number) constant).longValue();
      switch (kind) {
        case EQUALS:
          return row -> row[i] != null && ((Number) row[i]).longValue() == c;
        case NOT_EQUALS:
          return row -> row[i] != null && ((Number) row[i]).longValue() != c;
        case LESS_THAN:
          return row -> row[i] != null && ((Number) row[i]).longValue() < c;
        case LESS_THAN_OR_EQUAL:
          return row -> row[i] != null && ((Number) row[i]).longValue() <= c;
        case GREATER_THAN:
          return row -> row[i] != null && ((Number) row[i]).longValue() > c;
        case GREATER_THAN_OR_EQUAL:
          return row -> row[i] != null && ((Number) row[i]).longValue() >= c;
        default:
          throw new AssertionError(kind);
      }
    }
    if (rep == Rep.STRING && kind == SqlKind.EQUALS) {
      return row -> constant.equals(row[i]);
    }
    if (rep == Rep.STRING && kind == SqlKind.NOT_EQUALS) {
      return row -> row[i] != null && !constant.equals(row[i]);
    }
    IntPredicate test = outcome(kind);
    return row -> {
      Object v = row[i];
      return v != null && test.test(cmp.compare(v, constant));
    };
  }

  // ---------------------------------------------------------------- predicates

  private RowPredicate pred(RexNode node) {
    if (node instanceof RexLiteral lit) {
      boolean holds = Boolean.TRUE.equals(lit.getValue());
      return row -> holds;
    }
    if (!(node instanceof RexCall call) || node instanceof RexSubQuery || node instanceof RexOver) {
      return truthOf(compile(node));
    }
    List<RexNode> ops = call.getOperands();
    switch (call.getKind()) {
      case AND:
        {
          RowPredicate[] ps = ops.stream().map(this::pred).toArray(RowPredicate[]::new);
          if (ps.length == 2) {
            RowPredicate a = ps[0];
            RowPredicate b = ps[1];
            return row -> a.test(row) && b.test(row);
          }
          return row -> {
            for (RowPredicate p : ps) {
              if (!p.test(row)) {
                return false;
              }
            }
            return true;
          };
        }
      case OR:
        {
          RowPredicate[] ps = ops.stream().map(this::pred).toArray(RowPredicate[]::new);
          if (ps.length == 2) {
            RowPredicate a = ps[0];
            RowPredicate b = ps[1];
            return row -> a.test(row) || b.test(row);
          }
          return row -> {
            for (RowPredicate p : ps) {
              if (p.test(row)) {
                return true;
              }
            }
            return false;
          };
        }
      case EQUALS:
      case NOT_EQUALS:
      case LESS_THAN:
      case LESS_THAN_OR_EQUAL:
      case GREATER_THAN:
      case GREATER_THAN_OR_EQUAL:
        return comparisonPredicate(call);
      case IS_NULL:
      case IS_UNKNOWN:
        {
          Compiled x = compile(ops.get(0));
          if (x.input >= 0) {
            int i = x.input;
            return row -> row[i] == null;
          }
          RowExpression f = x.fn;
          return row -> f.evaluate(row) == null;
        }
      case IS_NOT_NULL:
        {
          Compiled x = compile(ops.get(0));
          if (x.input >= 0) {
            int i = x.input;
            return row -> row[i] != null;
          }
          RowExpression f = x.fn;
          return row -> f.evaluate(row) != null;
        }
      case IS_TRUE:
        return pred(ops.get(0));
      case IS_NOT_TRUE:
        {
          RowPredicate p = pred(ops.get(0));
          return row -> !p.test(row);
        }
      case IS_FALSE:
        {
          RowExpression f = compile(ops.get(0)).fn;
          return row -> Boolean.FALSE.equals(f.evaluate(row));
        }
      case IS_NOT_FALSE:
        {
          RowExpression f = compile(ops.get(0)).fn;
          return row -> !Boolean.FALSE.equals(f.evaluate(row));
        }
      case NOT:
        {
          RowExpression f = compile(ops.get(0)).fn;
          return row -> Boolean.FALSE.equals(f.evaluate(row));
        }
      default:
        return truthOf(compile(node));
    }
  }

  private static RowPredicate truthOf(Compiled c) {
    if (c.constant) {
      boolean holds = Boolean.TRUE.equals(c.value);
      return row -> holds;
    }
    RowExpression f = c.fn;
    return row -> Boolean.TRUE.equals(f.evaluate(row));
  }

  // ---------------------------------------------------------------- SEARCH (IN, BETWEEN)

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Compiled search(RexCall call) {
    RexNode operand = call.getOperands().get(0);
    RexLiteral literal = (RexLiteral) call.getOperands().get(1);
    Sarg sarg = literal.getValueAs(Sarg.class);
    Compiled x = compile(operand);
    boolean points = sarg != null && sarg.isPoints();
    boolean complemented = sarg != null && !points && sarg.isComplementedPoints();
    if ((points || complemented) && x.rep != Rep.BYTES && x.rep != Rep.NULL) {
      Set<Object> set = new HashSet<>();
      Iterable<Range> ranges =
          points ? sarg.rangeSet.asRanges() : sarg.rangeSet.complement().asRanges();
      Rep rep = x.rep;
      for (Range range : ranges) {
        Object v;
        try {
          v = Values.fromCalcite(range.lowerEndpoint(), rep);
        } catch (IllegalArgumentException | ClassCastException e) {
          return compile(RexUtil.expandSearch(rexBuilder, null, call));
        }
        set.add(Values.hashKey(v, rep));
      }
      Boolean whenNull =
          sarg.nullAs == RexUnknownAs.TRUE
              ? Boolean.TRUE
              : sarg.nullAs == RexUnknownAs.FALSE ? Boolean.FALSE : null;
      RowExpression f = x.fn;
      boolean normalize = rep == Rep.DOUBLE || rep == Rep.DECIMAL;
      return Compiled.of(
          row -> {
            Object v = f.evaluate(row);
            if (v == null) {
              return whenNull;
            }
            boolean in = set.contains(normalize ? Values.hashKey(v, rep) : v);
            return in != complemented;
          },
          Rep.BOOLEAN,
          call.getType());
    }
    return compile(RexUtil.expandSearch(rexBuilder, null, call));
  }

  // ---------------------------------------------------------------- LIKE

  private Compiled like(RexCall call) {
    if (!(call.getOperator() instanceof SqlLikeOperator op)) {
      throw unsupported("operator " + call.getOperator().getName());
    }
    boolean negated = op.isNegated();
    boolean caseSensitive = op.isCaseSensitive();
    List<RexNode> ops = call.getOperands();
    Compiled s = compile(ops.get(0));
    Compiled p = compile(ops.get(1));
    Compiled e = ops.size() > 2 ? compile(ops.get(2)) : null;
    if (s.rep != Rep.STRING && s.rep != Rep.NULL) {
      throw typeMismatch("LIKE needs a string, not " + typeName(s.type));
    }
    RowExpression sf = s.fn;
    if (p.constant && (e == null || e.constant)) {
      if (p.value == null || (e != null && e.value == null)) {
        return Compiled.constant(null, Rep.BOOLEAN, call.getType());
      }
      Predicate<String> m;
      try {
        m =
            LikeMatcher.compile(
                (String) p.value, e == null ? null : (String) e.value, caseSensitive);
      } catch (IllegalArgumentException ex) {
        throw new TributaryException(
            ErrorCode.INVALID_ARGUMENT, "Cannot compile " + action + ": " + ex.getMessage());
      }
      return Compiled.of(
          row -> {
            Object v = sf.evaluate(row);
            return v == null ? null : (Boolean) (m.test((String) v) != negated);
          },
          Rep.BOOLEAN,
          call.getType());
    }
    RowExpression pf = p.fn;
    RowExpression ef = e == null ? row -> null : e.fn;
    boolean hasEscape = e != null;
    return Compiled.of(
        row -> {
          Object v = sf.evaluate(row);
          Object pattern = pf.evaluate(row);
          Object escape = ef.evaluate(row);
          if (v == null || pattern == null || (hasEscape && escape == null)) {
            return null;
          }
          try {
            return LikeMatcher.compile((String) pattern, (String) escape, caseSensitive)
                    .test((String) v)
                != negated;
          } catch (IllegalArgumentException ex) {
            throw ctx.fail(ex.getMessage());
          }
        },
        Rep.BOOLEAN,
        call.getType());
  }

  // ---------------------------------------------------------------- arithmetic

  @FunctionalInterface
  private interface BinOp {
    Object apply(Object x, Object y);
  }

  private static Compiled binary(
      RowExpression l, RowExpression r, BinOp op, Rep rep, RelDataType type) {
    return Compiled.of(
        row -> {
          Object x = l.evaluate(row);
          if (x == null) {
            return null;
          }
          Object y = r.evaluate(row);
          if (y == null) {
            return null;
          }
          return op.apply(x, y);
        },
        rep,
        type);
  }

  /** The operand's function, its values converted to the numeric representation {@code to}. */
  private RowExpression numericAs(Compiled c, Rep to) {
    if (c.rep == to || c.rep == Rep.NULL) {
      return c.fn;
    }
    if (!c.rep.isNumeric()) {
      throw typeMismatch("cannot use " + typeName(c.type) + " as a number");
    }
    if (c.constant) {
      Object v = c.value == null ? null : toNumeric(c.value, to);
      return row -> v;
    }
    RowExpression f = c.fn;
    switch (to) {
      case LONG:
        return row -> {
          Object v = f.evaluate(row);
          return v == null ? null : (Object) ((Number) v).longValue();
        };
      case DOUBLE:
        return row -> {
          Object v = f.evaluate(row);
          return v == null ? null : (Object) ((Number) v).doubleValue();
        };
      case DECIMAL:
        return row -> {
          Object v = f.evaluate(row);
          return v == null ? null : Values.toDecimal(v);
        };
      case INT:
        return row -> {
          Object v = f.evaluate(row);
          return v == null ? null : (Object) ((Number) v).intValue();
        };
      default:
        throw new AssertionError(to);
    }
  }

  private static Object toNumeric(Object v, Rep to) {
    switch (to) {
      case INT:
        return ((Number) v).intValue();
      case LONG:
        return ((Number) v).longValue();
      case DOUBLE:
        return ((Number) v).doubleValue();
      default:
        return Values.toDecimal(v);
    }
  }

  private Compiled arithmetic(RexCall call) {
    SqlKind kind = call.getKind();
    RelDataType type = call.getType();
    Rep rep = repOf(type);
    Compiled a = compile(call.getOperands().get(0));
    Compiled b = compile(call.getOperands().get(1));
    if (a.rep == Rep.NULL || b.rep == Rep.NULL) {
      return Compiled.constant(null, rep, type);
    }
    if (rep.isNumeric()) {
      RowExpression x = numericAs(a, rep);
      RowExpression y = numericAs(b, rep);
      return binary(x, y, numericOp(kind, rep, type), rep, type);
    }
    String op = call.getOperator().getName();
    if (rep == Rep.TIMESTAMP || rep == Rep.DATE) {
      boolean minus = kind == SqlKind.MINUS;
      Compiled dt = a.rep == rep ? a : b;
      Compiled iv = a.rep == rep ? b : a;
      if (kind != SqlKind.PLUS && !(minus && dt == a)) {
        throw unsupported(
            "operator " + op + " on " + typeName(a.type) + " and " + typeName(b.type));
      }
      BinOp add = dateTimePlus(rep, iv.rep, minus);
      if (add == null) {
        throw unsupported(
            "operator " + op + " on " + typeName(a.type) + " and " + typeName(b.type));
      }
      return binary(dt.fn, iv.fn, add, rep, type);
    }
    if (rep == Rep.INTERVAL_MILLIS && kind == SqlKind.MINUS && a.rep == b.rep) {
      if (a.rep == Rep.TIMESTAMP || a.rep == Rep.INTERVAL_MILLIS) {
        return binary(
            a.fn, b.fn, (x, y) -> exact(() -> Math.subtractExact((Long) x, (Long) y)), rep, type);
      }
      if (a.rep == Rep.DATE) {
        return binary(
            a.fn,
            b.fn,
            (x, y) -> ((long) (Integer) x - (Integer) y) * Values.MILLIS_PER_DAY,
            rep,
            type);
      }
    }
    if (rep == Rep.INTERVAL_MILLIS && kind == SqlKind.PLUS && a.rep == rep && b.rep == rep) {
      return binary(
          a.fn, b.fn, (x, y) -> exact(() -> Math.addExact((Long) x, (Long) y)), rep, type);
    }
    if (rep == Rep.INTERVAL_MONTHS
        && (kind == SqlKind.PLUS || kind == SqlKind.MINUS)
        && a.rep == rep
        && b.rep == rep) {
      boolean minus = kind == SqlKind.MINUS;
      return binary(
          a.fn,
          b.fn,
          (x, y) -> minus ? (Integer) x - (Integer) y : (Integer) x + (Integer) y,
          rep,
          type);
    }
    throw unsupported("operator " + op + " on " + typeName(a.type) + " and " + typeName(b.type));
  }

  /** An operation that may overflow ({@code Math.addExact} and friends). */
  private interface CheckedOp {
    Object get();
  }

  private Object exact(CheckedOp op) {
    try {
      return op.get();
    } catch (ArithmeticException e) {
      throw ctx.fail("numeric overflow");
    }
  }

  private BinOp dateTimePlus(Rep rep, Rep interval, boolean minus) {
    int sign = minus ? -1 : 1;
    if (rep == Rep.TIMESTAMP && interval == Rep.INTERVAL_MILLIS) {
      return (x, y) -> exact(() -> Math.addExact((Long) x, sign * (Long) y));
    }
    if (rep == Rep.DATE && interval == Rep.INTERVAL_MILLIS) {
      return (x, y) -> (int) ((Integer) x + sign * Math.floorDiv((Long) y, Values.MILLIS_PER_DAY));
    }
    if (rep == Rep.TIMESTAMP && interval == Rep.INTERVAL_MONTHS) {
      return (x, y) -> {
        long ms = (Long) x;
        LocalDateTime t =
            LocalDateTime.ofEpochSecond(Math.floorDiv(ms, 1000), 0, ZoneOffset.UTC)
                .plusMonths(sign * (Integer) y);
        return t.toEpochSecond(ZoneOffset.UTC) * 1000 + Math.floorMod(ms, 1000L);
      };
    }
    if (rep == Rep.DATE && interval == Rep.INTERVAL_MONTHS) {
      return (x, y) ->
          (int) LocalDate.ofEpochDay((Integer) x).plusMonths(sign * (Integer) y).toEpochDay();
    }
    return null;
  }

  private BinOp numericOp(SqlKind kind, Rep rep, RelDataType type) {
    switch (rep) {
      case INT:
        switch (kind) {
          case PLUS:
            return (x, y) -> exact(() -> Math.addExact((Integer) x, (Integer) y));
          case MINUS:
            return (x, y) -> exact(() -> Math.subtractExact((Integer) x, (Integer) y));
          case TIMES:
            return (x, y) -> exact(() -> Math.multiplyExact((Integer) x, (Integer) y));
          case DIVIDE:
            return (x, y) -> {
              int d = (Integer) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              int n = (Integer) x;
              if (n == Integer.MIN_VALUE && d == -1) {
                throw ctx.fail("numeric overflow");
              }
              return n / d;
            };
          case MOD:
            return (x, y) -> {
              int d = (Integer) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              return d == -1 ? 0 : (Integer) x % d;
            };
          default:
            break;
        }
        break;
      case LONG:
        switch (kind) {
          case PLUS:
            return (x, y) -> exact(() -> Math.addExact((Long) x, (Long) y));
          case MINUS:
            return (x, y) -> exact(() -> Math.subtractExact((Long) x, (Long) y));
          case TIMES:
            return (x, y) -> exact(() -> Math.multiplyExact((Long) x, (Long) y));
          case DIVIDE:
            return (x, y) -> {
              long d = (Long) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              long n = (Long) x;
              if (n == Long.MIN_VALUE && d == -1) {
                throw ctx.fail("numeric overflow");
              }
              return n / d;
            };
          case MOD:
            return (x, y) -> {
              long d = (Long) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              return d == -1 ? 0L : (Long) x % d;
            };
          default:
            break;
        }
        break;
      case DOUBLE:
        switch (kind) {
          case PLUS:
            return (x, y) -> (Double) x + (Double) y;
          case MINUS:
            return (x, y) -> (Double) x - (Double) y;
          case TIMES:
            return (x, y) -> (Double) x * (Double) y;
          case DIVIDE:
            return (x, y) -> {
              double d = (Double) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              return (Double) x / d;
            };
          case MOD:
            return (x, y) -> {
              double d = (Double) y;
              if (d == 0) {
                throw ctx.divisionByZero();
              }
              return (Double) x % d;
            };
          default:
            break;
        }
        break;
      case DECIMAL:
        {
          int scale = Math.max(type.getScale(), 0);
          switch (kind) {
            case PLUS:
              return (x, y) -> ((BigDecimal) x).add((BigDecimal) y);
            case MINUS:
              return (x, y) -> ((BigDecimal) x).subtract((BigDecimal) y);
            case TIMES:
              return (x, y) -> ((BigDecimal) x).multiply((BigDecimal) y);
            case DIVIDE:
              return (x, y) -> {
                BigDecimal d = (BigDecimal) y;
                if (d.signum() == 0) {
                  throw ctx.divisionByZero();
                }
                return ((BigDecimal) x).divide(d, scale, RoundingMode.HALF_UP);
              };
            case MOD:
              return (x, y) -> {
                BigDecimal d = (BigDecimal) y;
                if (d.signum() == 0) {
                  throw ctx.divisionByZero();
                }
                return ((BigDecimal) x).remainder(d);
              };
            default:
              break;
          }
          break;
        }
      default:
        break;
    }
    throw unsupported("operator " + kind.sql + " on " + typeName(type));
  }

  private Compiled negate(RexCall call) {
    Compiled x = compile(call.getOperands().get(0));
    RelDataType type = call.getType();
    RowExpression f = x.fn;
    switch (x.rep) {
      case NULL:
        return x;
      case INT:
      case INTERVAL_MONTHS:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : exact(() -> Math.negateExact((Integer) v));
            },
            x.rep,
            type);
      case LONG:
      case INTERVAL_MILLIS:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : exact(() -> Math.negateExact((Long) v));
            },
            x.rep,
            type);
      case DOUBLE:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : (Object) (-(Double) v);
            },
            x.rep,
            type);
      case DECIMAL:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : ((BigDecimal) v).negate();
            },
            x.rep,
            type);
      default:
        throw unsupported("unary minus on " + typeName(x.type));
    }
  }

  // ---------------------------------------------------------------- CAST, CASE, COALESCE

  private Compiled cast(Compiled in, RelDataType to) {
    Rep toRep = repOf(to);
    if (in.rep == toRep
        && in.type.getSqlTypeName() == to.getSqlTypeName()
        && in.type.getPrecision() == to.getPrecision()
        && in.type.getScale() == to.getScale()) {
      return in.input >= 0
          ? Compiled.input(in.input, toRep, to)
          : new Compiled(in.fn, toRep, to, in.constant, in.value, -1);
    }
    Values.Conv conv = Values.castConversion(in.type, to, ctx);
    if (conv == null) {
      throw typeMismatch("cannot cast " + typeName(in.type) + " to " + typeName(to));
    }
    if (in.constant) {
      try {
        return Compiled.constant(in.value == null ? null : conv.apply(in.value), toRep, to);
      } catch (TributaryException e) {
        // fails again, per row, where it is evaluated
      }
    }
    RowExpression f = in.fn;
    return Compiled.of(
        row -> {
          Object v = f.evaluate(row);
          return v == null ? null : conv.apply(v);
        },
        toRep,
        to);
  }

  /** The node converted to the type's representation when it differs. */
  private Compiled align(Compiled c, RelDataType type) {
    Rep rep = repOf(type);
    if (c.rep == rep) {
      return c;
    }
    if (c.rep == Rep.NULL) {
      return Compiled.constant(null, rep, type);
    }
    return cast(c, type);
  }

  private Compiled caseWhen(RexCall call) {
    List<RexNode> ops = call.getOperands();
    RelDataType type = call.getType();
    Rep rep = repOf(type);
    int pairs = ops.size() / 2;
    RowPredicate[] conditions = new RowPredicate[pairs];
    RowExpression[] values = new RowExpression[pairs];
    for (int i = 0; i < pairs; i++) {
      conditions[i] = pred(ops.get(2 * i));
      values[i] = align(compile(ops.get(2 * i + 1)), type).fn;
    }
    RowExpression otherwise =
        ops.size() % 2 == 1 ? align(compile(ops.get(ops.size() - 1)), type).fn : row -> null;
    return Compiled.of(
        row -> {
          for (int i = 0; i < conditions.length; i++) {
            if (conditions[i].test(row)) {
              return values[i].evaluate(row);
            }
          }
          return otherwise.evaluate(row);
        },
        rep,
        type);
  }

  private Compiled coalesce(RexCall call) {
    RelDataType type = call.getType();
    RowExpression[] xs =
        call.getOperands().stream()
            .map(o -> align(compile(o), type).fn)
            .toArray(RowExpression[]::new);
    return Compiled.of(
        row -> {
          for (RowExpression x : xs) {
            Object v = x.evaluate(row);
            if (v != null) {
              return v;
            }
          }
          return null;
        },
        repOf(type),
        type);
  }

  // ---------------------------------------------------------------- functions

  private Compiled function(RexCall call) {
    String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
    List<RexNode> ops = call.getOperands();
    RelDataType type = call.getType();
    switch (name) {
      case "||":
        {
          Compiled a = compile(ops.get(0));
          Compiled b = compile(ops.get(1));
          if (a.rep == Rep.BYTES && b.rep == Rep.BYTES) {
            return binary(
                a.fn,
                b.fn,
                (x, y) -> {
                  byte[] l = (byte[]) x;
                  byte[] r = (byte[]) y;
                  byte[] out = java.util.Arrays.copyOf(l, l.length + r.length);
                  System.arraycopy(r, 0, out, l.length, r.length);
                  return out;
                },
                Rep.BYTES,
                type);
          }
          RowExpression l = textOf(a);
          RowExpression r = textOf(b);
          return binary(l, r, (x, y) -> ((String) x).concat((String) y), Rep.STRING, type);
        }
      case "UPPER":
        return stringFunction(ops.get(0), s -> s.toUpperCase(Locale.ROOT), type);
      case "LOWER":
        return stringFunction(ops.get(0), s -> s.toLowerCase(Locale.ROOT), type);
      case "CHAR_LENGTH":
      case "CHARACTER_LENGTH":
        {
          RowExpression s = textOf(compile(ops.get(0)));
          return Compiled.of(
              row -> {
                Object v = s.evaluate(row);
                return v == null ? null : (Object) ((String) v).length();
              },
              Rep.INT,
              type);
        }
      case "SUBSTRING":
        return substring(ops, type);
      case "REPLACE":
        {
          RowExpression s = textOf(compile(ops.get(0)));
          RowExpression from = textOf(compile(ops.get(1)));
          RowExpression to = textOf(compile(ops.get(2)));
          return Compiled.of(
              row -> {
                Object v = s.evaluate(row);
                Object f = from.evaluate(row);
                Object t = to.evaluate(row);
                if (v == null || f == null || t == null) {
                  return null;
                }
                return ((String) f).isEmpty() ? v : ((String) v).replace((String) f, (String) t);
              },
              Rep.STRING,
              type);
        }
      case "TRIM":
        return trim(ops, type);
      case "POSITION":
        {
          RowExpression sub = textOf(compile(ops.get(0)));
          RowExpression s = textOf(compile(ops.get(1)));
          RowExpression from =
              ops.size() > 2 ? numericAs(compile(ops.get(2)), Rep.LONG) : row -> 1L;
          return Compiled.of(
              row -> {
                Object a = sub.evaluate(row);
                Object b = s.evaluate(row);
                Object f = from.evaluate(row);
                if (a == null || b == null || f == null) {
                  return null;
                }
                int start = (int) Math.max(0, Math.min((Long) f - 1, Integer.MAX_VALUE));
                return ((String) b).indexOf((String) a, start) + 1;
              },
              Rep.INT,
              type);
        }
      case "ABS":
        return abs(compile(ops.get(0)), type);
      case "CEIL":
      case "CEILING":
      case "FLOOR":
        return ceilFloor(call, name.startsWith("CEIL"));
      case "ROUND":
        return round(ops, type);
      case "EXTRACT":
        return extract(ops, type);
      default:
        throw unsupported("function " + call.getOperator().getName());
    }
  }

  private RowExpression textOf(Compiled c) {
    if (c.rep == Rep.STRING || c.rep == Rep.NULL) {
      return c.fn;
    }
    throw typeMismatch("expected a string, not " + typeName(c.type));
  }

  private Compiled stringFunction(
      RexNode operand, java.util.function.UnaryOperator<String> f, RelDataType type) {
    RowExpression s = textOf(compile(operand));
    return Compiled.of(
        row -> {
          Object v = s.evaluate(row);
          return v == null ? null : f.apply((String) v);
        },
        Rep.STRING,
        type);
  }

  private Compiled substring(List<RexNode> ops, RelDataType type) {
    RowExpression s = textOf(compile(ops.get(0)));
    RowExpression from = numericAs(integral(compile(ops.get(1))), Rep.LONG);
    RowExpression len = ops.size() > 2 ? numericAs(integral(compile(ops.get(2))), Rep.LONG) : null;
    return Compiled.of(
        row -> {
          Object v = s.evaluate(row);
          Object f = from.evaluate(row);
          Object l = len == null ? Long.valueOf(Long.MAX_VALUE / 4) : len.evaluate(row);
          if (v == null || f == null || l == null) {
            return null;
          }
          String str = (String) v;
          long start = (Long) f;
          long count = (Long) l;
          if (count < 0) {
            throw ctx.fail("negative substring length " + count);
          }
          long end = start + count;
          long begin = Math.max(start, 1);
          long stop = Math.min(end, str.length() + 1L);
          if (stop <= begin) {
            return "";
          }
          return str.substring((int) begin - 1, (int) stop - 1);
        },
        Rep.STRING,
        type);
  }

  private Compiled integral(Compiled c) {
    if (c.rep.isIntegral() || c.rep == Rep.NULL) {
      return c;
    }
    throw typeMismatch("expected an integer, not " + typeName(c.type));
  }

  private Compiled trim(List<RexNode> ops, RelDataType type) {
    Compiled flag = compile(ops.get(0));
    if (!flag.constant || !(flag.value instanceof SqlTrimFunction.Flag)) {
      throw unsupported("TRIM without a constant BOTH, LEADING or TRAILING");
    }
    SqlTrimFunction.Flag f = (SqlTrimFunction.Flag) flag.value;
    boolean leading = f == SqlTrimFunction.Flag.BOTH || f == SqlTrimFunction.Flag.LEADING;
    boolean trailing = f == SqlTrimFunction.Flag.BOTH || f == SqlTrimFunction.Flag.TRAILING;
    RowExpression chars = textOf(compile(ops.get(1)));
    RowExpression s = textOf(compile(ops.get(2)));
    return Compiled.of(
        row -> {
          Object c = chars.evaluate(row);
          Object v = s.evaluate(row);
          if (c == null || v == null) {
            return null;
          }
          String str = (String) v;
          String set = (String) c;
          int b = 0;
          int e = str.length();
          if (leading) {
            while (b < e && set.indexOf(str.charAt(b)) >= 0) {
              b++;
            }
          }
          if (trailing) {
            while (e > b && set.indexOf(str.charAt(e - 1)) >= 0) {
              e--;
            }
          }
          return str.substring(b, e);
        },
        Rep.STRING,
        type);
  }

  private Compiled abs(Compiled x, RelDataType type) {
    RowExpression f = x.fn;
    switch (x.rep) {
      case NULL:
        return x;
      case INT:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : exact(() -> Math.absExact((Integer) v));
            },
            Rep.INT,
            type);
      case LONG:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : exact(() -> Math.absExact((Long) v));
            },
            Rep.LONG,
            type);
      case DOUBLE:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : (Object) Math.abs((Double) v);
            },
            Rep.DOUBLE,
            type);
      case DECIMAL:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : ((BigDecimal) v).abs();
            },
            Rep.DECIMAL,
            type);
      default:
        throw typeMismatch("ABS needs a number, not " + typeName(x.type));
    }
  }

  private Compiled ceilFloor(RexCall call, boolean ceil) {
    List<RexNode> ops = call.getOperands();
    RelDataType type = call.getType();
    Rep rep = repOf(type);
    Compiled x = compile(ops.get(0));
    if (ops.size() == 2) {
      Compiled unit = compile(ops.get(1));
      if (!unit.constant || !(unit.value instanceof TimeUnitRange range)) {
        throw unsupported("function " + call.getOperator().getName());
      }
      return dateTimeCeilFloor(x, range, ceil, call);
    }
    RowExpression f = numericAs(x, rep);
    RoundingMode mode = ceil ? RoundingMode.CEILING : RoundingMode.FLOOR;
    switch (rep) {
      case INT:
      case LONG:
        return Compiled.of(f, rep, type);
      case DOUBLE:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null
                  ? null
                  : (Object) (ceil ? Math.ceil((Double) v) : Math.floor((Double) v));
            },
            rep,
            type);
      case DECIMAL:
        return Compiled.of(
            row -> {
              Object v = f.evaluate(row);
              return v == null ? null : ((BigDecimal) v).setScale(0, mode);
            },
            rep,
            type);
      default:
        throw unsupported("function " + call.getOperator().getName() + " on " + typeName(x.type));
    }
  }

  private Compiled dateTimeCeilFloor(Compiled x, TimeUnitRange range, boolean ceil, RexCall call) {
    long unitMillis;
    switch (range) {
      case DAY:
        unitMillis = Values.MILLIS_PER_DAY;
        break;
      case HOUR:
        unitMillis = 3_600_000L;
        break;
      case MINUTE:
        unitMillis = 60_000L;
        break;
      case SECOND:
        unitMillis = 1_000L;
        break;
      case MILLISECOND:
        unitMillis = 1L;
        break;
      case MONTH:
      case YEAR:
        unitMillis = -1;
        break;
      default:
        throw unsupported(call.getOperator().getName() + " to " + range);
    }
    RowExpression f = x.fn;
    if (x.rep == Rep.TIMESTAMP) {
      return Compiled.of(
          row -> {
            Object v = f.evaluate(row);
            if (v == null) {
              return null;
            }
            long ms = (Long) v;
            if (unitMillis > 0) {
              long floor = Math.floorDiv(ms, unitMillis) * unitMillis;
              return ceil && floor != ms ? floor + unitMillis : floor;
            }
            LocalDateTime t =
                LocalDateTime.ofEpochSecond(Math.floorDiv(ms, 1000), 0, ZoneOffset.UTC);
            LocalDate d = t.toLocalDate();
            LocalDate floor =
                range == TimeUnitRange.YEAR ? d.withDayOfYear(1) : d.withDayOfMonth(1);
            long floorMs = floor.toEpochDay() * Values.MILLIS_PER_DAY;
            if (ceil && floorMs != ms) {
              floorMs =
                  (range == TimeUnitRange.YEAR ? floor.plusYears(1) : floor.plusMonths(1))
                          .toEpochDay()
                      * Values.MILLIS_PER_DAY;
            }
            return floorMs;
          },
          Rep.TIMESTAMP,
          call.getType());
    }
    if (x.rep == Rep.DATE) {
      if (unitMillis > 0) {
        return x; // a DATE is already whole days
      }
      return Compiled.of(
          row -> {
            Object v = f.evaluate(row);
            if (v == null) {
              return null;
            }
            LocalDate d = LocalDate.ofEpochDay((Integer) v);
            LocalDate floor =
                range == TimeUnitRange.YEAR ? d.withDayOfYear(1) : d.withDayOfMonth(1);
            if (ceil && !floor.equals(d)) {
              floor = range == TimeUnitRange.YEAR ? floor.plusYears(1) : floor.plusMonths(1);
            }
            return (int) floor.toEpochDay();
          },
          Rep.DATE,
          call.getType());
    }
    throw unsupported(call.getOperator().getName() + " on " + typeName(x.type));
  }

  private Compiled round(List<RexNode> ops, RelDataType type) {
    Rep rep = repOf(type);
    Compiled x = compile(ops.get(0));
    RowExpression f = numericAs(x, rep);
    RowExpression digits =
        ops.size() > 1 ? numericAs(integral(compile(ops.get(1))), Rep.LONG) : row -> 0L;
    return Compiled.of(
        row -> {
          Object v = f.evaluate(row);
          Object n = digits.evaluate(row);
          if (v == null || n == null) {
            return null;
          }
          int places = (int) Math.max(-100, Math.min(100, (Long) n));
          switch (rep) {
            case INT:
            case LONG:
              {
                if (places >= 0) {
                  return v;
                }
                BigDecimal r = Values.toDecimal(v).setScale(places, RoundingMode.HALF_UP);
                return rep == Rep.INT
                    ? (Object) exact(() -> r.intValueExact())
                    : (Object) exact(() -> r.longValueExact());
              }
            case DOUBLE:
              {
                double d = (Double) v;
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                  return d;
                }
                return BigDecimal.valueOf(d).setScale(places, RoundingMode.HALF_UP).doubleValue();
              }
            case DECIMAL:
              {
                BigDecimal d = (BigDecimal) v;
                BigDecimal r = d.setScale(places, RoundingMode.HALF_UP);
                return r.scale() < d.scale() ? r.setScale(d.scale()) : r;
              }
            default:
              throw new AssertionError(rep);
          }
        },
        rep,
        type);
  }

  private Compiled extract(List<RexNode> ops, RelDataType type) {
    Compiled unit = compile(ops.get(0));
    if (!unit.constant || !(unit.value instanceof TimeUnitRange range)) {
      throw unsupported("EXTRACT without a constant unit");
    }
    Compiled x = compile(ops.get(1));
    Rep rep = repOf(type);
    if (x.rep != Rep.TIMESTAMP && x.rep != Rep.DATE) {
      throw unsupported("EXTRACT from " + typeName(x.type));
    }
    boolean isDate = x.rep == Rep.DATE;
    switch (range) {
      case YEAR:
      case QUARTER:
      case MONTH:
      case WEEK:
      case DAY:
      case DOW:
      case ISODOW:
      case DOY:
      case HOUR:
      case MINUTE:
      case SECOND:
      case MILLISECOND:
      case EPOCH:
        break;
      default:
        throw unsupported("EXTRACT of " + range);
    }
    RowExpression f = x.fn;
    return Compiled.of(
        row -> {
          Object v = f.evaluate(row);
          if (v == null) {
            return null;
          }
          long ms = isDate ? (Integer) v * Values.MILLIS_PER_DAY : (Long) v;
          LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(ms, 1000), 0, ZoneOffset.UTC);
          long result;
          switch (range) {
            case YEAR:
              result = t.getYear();
              break;
            case QUARTER:
              result = (t.getMonthValue() - 1) / 3 + 1;
              break;
            case MONTH:
              result = t.getMonthValue();
              break;
            case WEEK:
              result = t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
              break;
            case DAY:
              result = t.getDayOfMonth();
              break;
            case DOW:
              result = t.getDayOfWeek() == DayOfWeek.SUNDAY ? 1 : t.getDayOfWeek().getValue() + 1;
              break;
            case ISODOW:
              result = t.getDayOfWeek().getValue();
              break;
            case DOY:
              result = t.getDayOfYear();
              break;
            case HOUR:
              result = t.getHour();
              break;
            case MINUTE:
              result = t.getMinute();
              break;
            case SECOND:
              result = t.getSecond();
              break;
            case MILLISECOND:
              result = t.getSecond() * 1000L + Math.floorMod(ms, 1000L);
              break;
            case EPOCH:
              result = Math.floorDiv(ms, 1000L);
              break;
            default:
              throw new AssertionError(range);
          }
          return toNumeric(result, rep);
        },
        rep,
        type);
  }
}
