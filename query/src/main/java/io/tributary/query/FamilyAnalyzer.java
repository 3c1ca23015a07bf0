package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlShuttle;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimestampString;

/**
 * What the analyzers of every statement family share: the catalog they resolve names against, the
 * {@link Environment} that supplies every non-deterministic value, resolving tables, binding
 * parameters and literals, and the {@link Inliner} that makes SQL deterministic before it is
 * written into a command. Subclasses hold no other state: thread-safe.
 */
abstract class FamilyAnalyzer {
  final Catalog catalog;
  final Environment env;

  FamilyAnalyzer(Catalog catalog, Environment env) {
    this.catalog = catalog;
    this.env = env;
  }

  /** The owner of the rows an account reads and writes: its id, or null for a SHARED table. */
  static String ownerOf(TableDef table, UserDef actor) {
    return table.kind() == TableKind.SHARED ? null : actor.id();
  }

  TableDef resolveTarget(SqlNode target, String verb) {
    if (!(target instanceof SqlIdentifier id) || id.names.size() != 2) {
      throw TributaryException.of(
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot %s %s: name the table as namespace.table",
          verb,
          target);
    }
    if (id.names.get(0).equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s %s: system tables are read-only",
          verb,
          String.join(".", id.names));
    }
    return resolve(id.names.get(0), id.names.get(1), verb);
  }

  TableDef resolve(String namespace, String name, String verb) {
    return catalog
        .table(namespace, name)
        .orElseThrow(
            () ->
                TributaryException.of(
                    ErrorCode.TABLE_NOT_FOUND,
                    "Cannot %s %s.%s: the table does not exist",
                    verb,
                    namespace,
                    name));
  }

  static String simpleName(SqlNode node, String action) {
    if (node instanceof SqlIdentifier id && id.isSimple()) {
      return id.getSimple();
    }
    throw TributaryException.of(
        ErrorCode.INVALID_ARGUMENT, "Cannot %s: expected a column name, found %s", action, node);
  }

  static Object param(List<Object> params, int index, String action) {
    if (index >= params.size()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: parameter $%d has no value (%d given)",
          action,
          index + 1,
          params.size());
    }
    return params.get(index);
  }

  static Object literalValue(SqlLiteral literal) {
    if (literal.getTypeName() == SqlTypeName.NULL) {
      return null;
    }
    return switch (literal.getTypeName()) {
      case CHAR, VARCHAR -> literal.getValueAs(String.class);
      case BOOLEAN -> literal.booleanValue();
      case DECIMAL, INTEGER, BIGINT, SMALLINT, TINYINT -> literal.getValueAs(BigDecimal.class);
      case DOUBLE, FLOAT, REAL -> literal.getValueAs(BigDecimal.class).doubleValue();
      case TIMESTAMP -> literal.getValueAs(TimestampString.class).getMillisSinceEpoch();
      case DATE -> literal.getValueAs(DateString.class).getDaysSinceEpoch();
      case BINARY, VARBINARY -> literal.getValueAs(byte[].class);
      default -> literal.toValue();
    };
  }

  /**
   * Replaces parameters (for writes) and non-deterministic functions (always) by literals, so the
   * SQL written into a command means the same thing wherever it is applied.
   */
  final class Inliner extends SqlShuttle {
    private static final SqlParserPos POS = SqlParserPos.ZERO;
    final String user;
    final long now;
    private final int[] paramMap;
    private final List<Object> params;
    private final boolean keepParams;
    boolean replaced;

    Inliner(String user, int[] paramMap, List<Object> params, boolean keepParams) {
      this.user = user;
      this.now = env.nowMillis();
      this.paramMap = paramMap;
      this.params = params;
      this.keepParams = keepParams;
    }

    Object paramValue(SqlDynamicParam p) {
      return param(params, paramMap[p.getIndex()], "bind parameters");
    }

    @Override
    public SqlNode visit(SqlDynamicParam param) {
      if (keepParams) {
        return param;
      }
      replaced = true;
      return literal(paramValue(param));
    }

    @Override
    public SqlNode visit(SqlCall call) {
      if (call instanceof SqlBasicCall && call.getOperandList().isEmpty()) {
        SqlNode value = niladic(call.getOperator().getName());
        if (value != null) {
          replaced = true;
          return value;
        }
      }
      return super.visit(call);
    }

    /**
     * Functions written without parentheses ({@code CURRENT_USER}, {@code CURRENT_TIMESTAMP}) parse
     * as identifiers; like Calcite's validator, an unquoted simple name of such a function is the
     * function, whatever its case.
     */
    @Override
    public SqlNode visit(SqlIdentifier id) {
      if (id.isSimple() && !id.isComponentQuoted(0)) {
        String name = id.getSimple().toUpperCase(Locale.ROOT);
        if (!name.equals("NOW") && !name.equals("SNOWFLAKE_ID") && !name.equals("UUID_V7")) {
          SqlNode value = niladic(name);
          if (value != null) {
            replaced = true;
            return value;
          }
        }
      }
      return id;
    }

    private SqlNode niladic(String function) {
      return switch (function.toUpperCase(Locale.ROOT)) {
        case "NOW", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP" -> literal(Instant.ofEpochMilli(now));
        case "CURRENT_DATE" -> literal(LocalDate.ofEpochDay(Math.floorDiv(now, 86_400_000L)));
        case "SNOWFLAKE_ID" -> literal(env.nextId());
        case "UUID_V7" -> literal(env.uuidV7());
        case "CURRENT_USER", "USER", "SESSION_USER" -> literal(user);
        default -> null;
      };
    }

    private SqlNode literal(Object v) {
      if (v == null) {
        return SqlLiteral.createNull(POS);
      }
      if (v instanceof Boolean b) {
        return SqlLiteral.createBoolean(b, POS);
      }
      if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
        return SqlLiteral.createExactNumeric(String.valueOf(v), POS);
      }
      if (v instanceof BigDecimal d) {
        return SqlLiteral.createExactNumeric(d.toPlainString(), POS);
      }
      if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw TributaryException.of(
              ErrorCode.INVALID_ARGUMENT, "Cannot bind parameter: %s is not a finite number", v);
        }
        return SqlLiteral.createApproxNumeric(BigDecimal.valueOf(d).toPlainString() + "E0", POS);
      }
      if (v instanceof String s) {
        return SqlLiteral.createCharString(s, POS);
      }
      if (v instanceof UUID u) {
        return SqlLiteral.createCharString(u.toString(), POS);
      }
      if (v instanceof Instant i) {
        return SqlLiteral.createTimestamp(
            SqlTypeName.TIMESTAMP, TimestampString.fromMillisSinceEpoch(i.toEpochMilli()), 3, POS);
      }
      if (v instanceof LocalDate d) {
        return SqlLiteral.createDate(DateString.fromDaysSinceEpoch((int) d.toEpochDay()), POS);
      }
      if (v instanceof byte[] b) {
        return SqlLiteral.createBinaryString(Arrays.copyOf(b, b.length), POS);
      }
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot bind parameter: unsupported value type %s",
          v.getClass().getSimpleName());
    }
  }
}
