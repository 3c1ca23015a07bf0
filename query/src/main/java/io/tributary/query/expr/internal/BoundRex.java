package io.tributary.query.expr.internal;

import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.Bound;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.avatica.util.TimeUnit;
import org.apache.calcite.avatica.util.TimeUnitRange;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.sql.SqlCollation;
import org.apache.calcite.sql.SqlIntervalQualifier;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.fun.SqlTrimFunction;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.NlsString;
import org.apache.calcite.util.Sarg;
import org.apache.calcite.util.TimeString;
import org.apache.calcite.util.TimestampString;

/**
 * Converts between Calcite's {@link RexNode} and {@link Bound} trees. Binding produces a RexNode
 * (validated by Calcite against the table) that {@link #toBound} turns into a bound tree; {@link
 * #toRex} turns a bound tree back into the same RexNode for {@link RexCompiler}, so a bound tree
 * evaluates exactly as the expression it was made from.
 */
public final class BoundRex {
  private static final Map<Bound.Operator, SqlOperator> OPERATORS =
      new EnumMap<>(Bound.Operator.class);
  private static final Map<SqlOperator, Bound.Operator> BY_OPERATOR = new IdentityHashMap<>();

  /** The enums a SYMBOL literal may hold (TRIM flags, EXTRACT and FLOOR units). */
  private static final Set<Class<?>> SYMBOLS =
      Set.of(TimeUnitRange.class, TimeUnit.class, SqlTrimFunction.Flag.class);

  static {
    // Each operator is the SqlStdOperatorTable field of the same name.
    for (Bound.Operator op : Bound.Operator.values()) {
      try {
        SqlOperator sql = (SqlOperator) SqlStdOperatorTable.class.getField(op.name()).get(null);
        OPERATORS.put(op, sql);
        BY_OPERATOR.put(sql, op);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  private BoundRex() {}

  // ================================================================ RexNode to Bound

  /**
   * Converts a bound RexNode.
   *
   * @param action what is compiled, for messages ({@code Cannot compile <action>: ...})
   */
  public static Bound toBound(RexNode node, String action) {
    if (node instanceof RexInputRef ref) {
      return new Bound.Column(ref.getIndex(), type(ref.getType(), action));
    }
    if (node instanceof RexLiteral lit) {
      return new Bound.Literal(literalValue(lit, action), type(lit.getType(), action));
    }
    if (node instanceof RexCall call) {
      Bound.Operator op = BY_OPERATOR.get(call.getOperator());
      if (op == null) {
        throw unsupported(action, "operator " + call.getOperator().getName());
      }
      List<Bound> operands = new ArrayList<>(call.getOperands().size());
      for (RexNode operand : call.getOperands()) {
        operands.add(toBound(operand, action));
      }
      return new Bound.Call(op, operands, type(call.getType(), action));
    }
    throw unsupported(action, "expression " + node);
  }

  private static Bound.Type type(RelDataType t, String action) {
    SqlTypeName sqlName = t.getSqlTypeName();
    Bound.TypeName name;
    try {
      name = Bound.TypeName.valueOf(sqlName.name());
    } catch (IllegalArgumentException e) {
      throw unsupported(action, "type " + sqlName);
    }
    int precision = Bound.Type.UNSPECIFIED;
    int scale = Bound.Type.UNSPECIFIED;
    SqlIntervalQualifier interval = t.getIntervalQualifier();
    if (interval != null) {
      precision = interval.getStartPrecisionPreservingDefault();
      scale = interval.getFractionalSecondPrecisionPreservingDefault();
    } else {
      if (sqlName.allowsPrec()) {
        precision = t.getPrecision();
      }
      if (sqlName.allowsScale()) {
        scale = t.getScale();
      }
    }
    String charset = t.getCharset() == null ? null : t.getCharset().name();
    SqlCollation c = t.getCollation();
    String collation = c == null ? null : c.getCoercibility().name() + " " + c.getCollationName();
    return new Bound.Type(name, precision, scale, t.isNullable(), charset, collation);
  }

  private static Object literalValue(RexLiteral lit, String action) {
    Comparable<?> v = lit.getValue();
    switch (lit.getTypeName()) {
      case DATE -> v = lit.getValueAs(DateString.class);
      case TIME -> v = lit.getValueAs(TimeString.class);
      case TIMESTAMP -> v = lit.getValueAs(TimestampString.class);
      default -> {}
    }
    if (v == null) {
      return null;
    }
    if (lit.getTypeName() == SqlTypeName.SARG) {
      Sarg<?> sarg = (Sarg<?>) v;
      List<Bound.Range> ranges = new ArrayList<>();
      for (Range<?> r : sarg.rangeSet.asRanges()) {
        ranges.add(
            new Bound.Range(
                r.hasLowerBound() ? boundKind(r.lowerBoundType()) : Bound.BoundKind.NONE,
                r.hasLowerBound() ? plainValue(r.lowerEndpoint(), action) : null,
                r.hasUpperBound() ? boundKind(r.upperBoundType()) : Bound.BoundKind.NONE,
                r.hasUpperBound() ? plainValue(r.upperEndpoint(), action) : null));
      }
      return new Bound.Ranges(ranges, Bound.NullAs.valueOf(sarg.nullAs.name()));
    }
    if (lit.getTypeName() != literalTypeName(lit.getType())) {
      throw unsupported(action, "literal " + lit);
    }
    return plainValue(v, action);
  }

  private static Bound.BoundKind boundKind(com.google.common.collect.BoundType t) {
    return t == com.google.common.collect.BoundType.CLOSED
        ? Bound.BoundKind.CLOSED
        : Bound.BoundKind.OPEN;
  }

  private static Object plainValue(Object v, String action) {
    if (v instanceof Boolean || v instanceof BigDecimal || v instanceof Double) {
      return v;
    }
    if (v instanceof NlsString s) {
      return s.getValue();
    }
    if (v instanceof ByteString b) {
      return b.getBytes();
    }
    if (v instanceof DateString || v instanceof TimeString || v instanceof TimestampString) {
      return v.toString();
    }
    if (v instanceof Enum<?> e && SYMBOLS.contains(e.getDeclaringClass())) {
      return e;
    }
    throw unsupported(action, "a constant of class " + v.getClass().getSimpleName());
  }

  /** The type name of a RexLiteral of {@code type}: one per family, as RexBuilder makes them. */
  private static SqlTypeName literalTypeName(RelDataType type) {
    SqlTypeName name = type.getSqlTypeName();
    if (SqlTypeName.EXACT_TYPES.contains(name)) {
      return SqlTypeName.DECIMAL;
    }
    if (SqlTypeName.APPROX_TYPES.contains(name)) {
      return SqlTypeName.DOUBLE;
    }
    if (SqlTypeName.CHAR_TYPES.contains(name)) {
      return SqlTypeName.CHAR;
    }
    if (SqlTypeName.BINARY_TYPES.contains(name)) {
      return SqlTypeName.BINARY;
    }
    return name;
  }

  /** Whether a call of {@code op} may have {@code n} operands (as a RexCall has them). */
  static boolean takes(Bound.Operator op, int n) {
    return switch (op) {
      case AND, OR -> n >= 2;
      case COALESCE -> n >= 1;
      case CASE -> n >= 3 && n % 2 == 1;
      case NOT,
          IS_NULL,
          IS_NOT_NULL,
          IS_TRUE,
          IS_NOT_TRUE,
          IS_FALSE,
          IS_NOT_FALSE,
          IS_UNKNOWN,
          IS_NOT_UNKNOWN,
          UNARY_MINUS,
          UNARY_PLUS,
          CAST,
          UPPER,
          LOWER,
          CHAR_LENGTH,
          CHARACTER_LENGTH,
          ABS ->
          n == 1;
      case LIKE, NOT_LIKE, SUBSTRING, POSITION -> n == 2 || n == 3;
      case CEIL, FLOOR, ROUND -> n == 1 || n == 2;
      case REPLACE, TRIM -> n == 3;
      default -> n == 2;
    };
  }

  // ================================================================ Bound to RexNode

  /** A RexNode and the builder that made it (needed to expand search arguments). */
  public record Rex(RexNode node, RexBuilder rexBuilder) {}

  /**
   * Converts a bound tree over {@code table}'s rows back to a RexNode. Checks what a tree read from
   * the log could get wrong: columns that do not exist or have another type, operand counts, value
   * classes; each fails with {@code Cannot compile <action>: ...}.
   */
  public static Rex toRex(Bound tree, TableDef table, String action) {
    LiteralBuilder builder = new LiteralBuilder();
    RelDataType rowType = CalciteTypes.rowType(table, CalciteTypes.TYPE_FACTORY);
    return new Rex(new Rebuilder(builder, rowType, table, action).rex(tree), builder);
  }

  /** Reaches RexBuilder's exact literal constructor: value, type and literal type name. */
  private static final class LiteralBuilder extends RexBuilder {
    LiteralBuilder() {
      super(CalciteTypes.TYPE_FACTORY);
    }

    RexLiteral literal(Comparable<?> value, RelDataType type, SqlTypeName typeName) {
      return makeLiteral(value, type, typeName);
    }
  }

  private static final class Rebuilder {
    private final LiteralBuilder builder;
    private final RelDataTypeFactory f = CalciteTypes.TYPE_FACTORY;
    private final RelDataType rowType;
    private final TableDef table;
    private final String action;

    Rebuilder(LiteralBuilder builder, RelDataType rowType, TableDef table, String action) {
      this.builder = builder;
      this.rowType = rowType;
      this.table = table;
      this.action = action;
    }

    RexNode rex(Bound node) {
      if (node instanceof Bound.Column c) {
        int fields = rowType.getFieldCount();
        if (c.index() < 0 || c.index() >= fields) {
          throw invalid("column #" + c.index() + " does not exist in " + table.qualifiedName());
        }
        RelDataType actual = rowType.getFieldList().get(c.index()).getType();
        if (!BoundRex.type(actual, action).equals(c.type())) {
          throw invalid(
              "column "
                  + rowType.getFieldList().get(c.index()).getName()
                  + " of "
                  + table.qualifiedName()
                  + " is "
                  + actual.getFullTypeString()
                  + ", not "
                  + type(c.type()).getFullTypeString());
        }
        return builder.makeInputRef(actual, c.index());
      }
      if (node instanceof Bound.Literal l) {
        return literal(l);
      }
      Bound.Call call = (Bound.Call) node;
      SqlOperator op = OPERATORS.get(call.operator());
      if (!takes(call.operator(), call.operands().size())) {
        throw invalid(
            "operator " + call.operator() + " cannot take " + call.operands().size() + " operands");
      }
      List<RexNode> operands = new ArrayList<>(call.operands().size());
      boolean logical =
          call.operator() == Bound.Operator.AND
              || call.operator() == Bound.Operator.OR
              || call.operator() == Bound.Operator.NOT;
      for (Bound operand : call.operands()) {
        RexNode rex = rex(operand);
        if (logical
            && rex.getType().getSqlTypeName() != SqlTypeName.BOOLEAN
            && rex.getType().getSqlTypeName() != SqlTypeName.NULL) {
          // a damaged or foreign expression: evaluating it would cast a value to BOOLEAN
          throw invalid(
              "operator "
                  + call.operator()
                  + " needs BOOLEAN operands, got "
                  + rex.getType().getFullTypeString());
        }
        operands.add(rex);
      }
      return builder.makeCall(type(call.type()), op, operands);
    }

    private RexLiteral literal(Bound.Literal l) {
      RelDataType type = type(l.type());
      if (l.value() == null) {
        return builder.makeNullLiteral(type);
      }
      if (l.value() instanceof Bound.Ranges ranges) {
        return builder.literal(sarg(ranges, type), type, SqlTypeName.SARG);
      }
      SqlTypeName typeName = literalTypeName(type);
      return builder.literal(internal(l.value(), typeName, type), type, typeName);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Sarg<?> sarg(Bound.Ranges ranges, RelDataType type) {
      SqlTypeName typeName = literalTypeName(type);
      RangeSet set = TreeRangeSet.create();
      for (Bound.Range r : ranges.ranges()) {
        Comparable lower = endpoint(r.lowerKind(), r.lower(), typeName, type);
        Comparable upper = endpoint(r.upperKind(), r.upper(), typeName, type);
        Range range;
        if (lower == null && upper == null) {
          range = Range.all();
        } else if (lower == null) {
          range = Range.upTo(upper, guava(r.upperKind()));
        } else if (upper == null) {
          range = Range.downTo(lower, guava(r.lowerKind()));
        } else {
          try {
            range = Range.range(lower, guava(r.lowerKind()), upper, guava(r.upperKind()));
          } catch (IllegalArgumentException e) {
            throw invalid("a search range ends before it starts");
          }
        }
        set.add(range);
      }
      return Sarg.of(RexUnknownAs.valueOf(ranges.nullAs().name()), ImmutableRangeSet.copyOf(set));
    }

    private Comparable<?> endpoint(
        Bound.BoundKind kind, Object value, SqlTypeName typeName, RelDataType type) {
      if (kind == Bound.BoundKind.NONE) {
        return null;
      }
      if (value == null) {
        throw invalid("a bounded search range has no end value");
      }
      return internal(value, typeName, type);
    }

    private static com.google.common.collect.BoundType guava(Bound.BoundKind kind) {
      return kind == Bound.BoundKind.CLOSED
          ? com.google.common.collect.BoundType.CLOSED
          : com.google.common.collect.BoundType.OPEN;
    }

    /** A plain value as the RexLiteral of {@code typeName} holds it. */
    private Comparable<?> internal(Object v, SqlTypeName typeName, RelDataType type) {
      try {
        switch (typeName) {
          case BOOLEAN:
            return (Boolean) v;
          case DECIMAL:
          case DOUBLE:
          case INTERVAL_YEAR:
          case INTERVAL_YEAR_MONTH:
          case INTERVAL_MONTH:
          case INTERVAL_DAY:
          case INTERVAL_DAY_HOUR:
          case INTERVAL_DAY_MINUTE:
          case INTERVAL_DAY_SECOND:
          case INTERVAL_HOUR:
          case INTERVAL_HOUR_MINUTE:
          case INTERVAL_HOUR_SECOND:
          case INTERVAL_MINUTE:
          case INTERVAL_MINUTE_SECOND:
          case INTERVAL_SECOND:
            if (v instanceof Double d) {
              if (typeName != SqlTypeName.DOUBLE) {
                break;
              }
              return d;
            }
            return (BigDecimal) v;
          case CHAR:
            // As Calcite makes literals from SQL text: the type holds the collation.
            return new NlsString(
                (String) v, type.getCharset() == null ? null : type.getCharset().name(), null);
          case BINARY:
            return new ByteString((byte[]) v);
          case DATE:
            return new DateString((String) v);
          case TIME:
            return new TimeString((String) v);
          case TIMESTAMP:
            return new TimestampString((String) v);
          case SYMBOL:
            if (v instanceof Enum<?> e && SYMBOLS.contains(e.getDeclaringClass())) {
              return e;
            }
            break;
          default:
            break;
        }
      } catch (ClassCastException | IllegalArgumentException e) {
        // falls through to the failure below
      }
      throw invalid(
          "a constant of class "
              + (v == null ? "null" : v.getClass().getSimpleName())
              + " cannot be a "
              + typeName
              + " value");
    }

    RelDataType type(Bound.Type t) {
      SqlTypeName name = SqlTypeName.valueOf(t.name().name());
      RelDataType base;
      try {
        if (SqlTypeName.INTERVAL_TYPES.contains(name)) {
          TimeUnit start = name.getStartUnit();
          TimeUnit end = name.getEndUnit();
          base =
              f.createSqlIntervalType(
                  new SqlIntervalQualifier(
                      start,
                      t.precision(),
                      end == start ? null : end,
                      t.scale(),
                      SqlParserPos.ZERO));
        } else if (name.allowsScale() && t.scale() != Bound.Type.UNSPECIFIED) {
          base = f.createSqlType(name, t.precision(), t.scale());
        } else if (name.allowsPrec() && t.precision() != Bound.Type.UNSPECIFIED) {
          base = f.createSqlType(name, t.precision());
        } else {
          base = f.createSqlType(name);
        }
        if (t.charset() != null) {
          base =
              f.createTypeWithCharsetAndCollation(
                  base, Charset.forName(t.charset()), collation(t.collation()));
        }
      } catch (RuntimeException | AssertionError e) {
        throw invalid("type " + t + " is not valid");
      }
      return f.createTypeWithNullability(base, t.nullable());
    }

    private SqlCollation collation(String s) {
      if (s == null) {
        throw invalid("a character type has no collation");
      }
      int space = s.indexOf(' ');
      SqlCollation c =
          new SqlCollation(
              s.substring(space + 1), SqlCollation.Coercibility.valueOf(s.substring(0, space)));
      // Calcite's types print and compare the shared constants differently from equal copies.
      for (SqlCollation shared : List.of(SqlCollation.IMPLICIT, SqlCollation.COERCIBLE)) {
        if (shared.equals(c) && shared.getCoercibility() == c.getCoercibility()) {
          return shared;
        }
      }
      return c;
    }

    private TributaryException invalid(String reason) {
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT, "Cannot compile " + action + ": " + reason);
    }
  }

  private static TributaryException unsupported(String action, String what) {
    return new TributaryException(
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot compile " + action + ": " + what + " is not supported");
  }
}
