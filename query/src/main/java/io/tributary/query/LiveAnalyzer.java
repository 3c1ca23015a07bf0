package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.parse.SqlParsing;
import io.tributary.query.parse.Statement;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlUnknownLiteral;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Analyzes the live statements: SUBSCRIBE TO, a live SELECT (both become a {@link Action.Subscribe}
 * with a compiled filter) and KILL LIVE QUERY.
 */
final class LiveAnalyzer extends FamilyAnalyzer {
  LiveAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action subscribe(Statement.Subscribe s, UserDef actor, List<Object> params) {
    String action = "subscribe to " + s.namespace() + "." + s.table();
    TableDef table = subscribable(s.namespace(), s.table(), actor.role(), action);
    LiveOptions options = liveOptions(s.options(), action, true);
    String owner = ownerOf(table, actor);
    Filter filter = filter(table, s.where(), s.paramMap(), actor.name(), params);
    RowPolicy policy = readPolicy(table, actor);
    checkPartitionFixed(table, filter, options, policy, action);
    return new Action.Subscribe(
        new LiveQuery(
                table,
                owner,
                filter.sql(),
                filter.predicate(),
                filter.equalities(),
                options.lastRows(),
                options.fromSeq(),
                options.batchSize())
            .withPolicy(policy),
        actor.name(),
        actor.role(),
        actor.id());
  }

  /**
   * Refuses what a live query on a table with a PARTITION_KEY cannot do when its filter does not
   * fix that key by equality. Such a query reads every partition and follows the changes of every
   * partition, each ordered by its own {@code _seq} (the {@code _seq} of one partition does not
   * compare with another's): so it cannot resume from one {@code from_seq}, and {@code last_rows}
   * (the newest rows by {@code _seq}) has no meaning across partitions. A query that fixes the key
   * (a conversation) follows that value's partition and can do both.
   */
  private static void checkPartitionFixed(
      TableDef table, Filter filter, LiveOptions options, RowPolicy policy, String action) {
    int column = table.partitionKeyIndex();
    if (column < 0) {
      return;
    }
    for (LiveQuery.Equality eq : filter.equalities()) {
      if (eq.column() == column) {
        return;
      }
    }
    if (options.fromSeq() >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: from_seq needs a filter that fixes %s on a partitioned table (its partitions"
              + " have unrelated _seq positions); add WHERE %s = <value> or subscribe without"
              + " from_seq",
          action,
          table.partitionKey(),
          table.partitionKey());
    }
    if (options.lastRows() >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: last_rows needs a filter that fixes %s on a partitioned table (the newest"
              + " rows by _seq have no meaning across partitions); add WHERE %s = <value>, or use"
              + " a live SELECT with ORDER BY and LIMIT",
          action,
          table.partitionKey(),
          table.partitionKey());
    }
    // A membership change is revised by reading the rows of its value: in one partition when the
    // membership compares the partition key, in every partition (with no one high-water mark)
    // otherwise.
    if (policy != null) {
      for (Membership m : policy.memberships()) {
        if (m.rowColumn() != column) {
          throw TributaryException.of(
              ErrorCode.INVALID_ARGUMENT,
              "Cannot %s: its row policy's membership term compares %s, not the PARTITION_KEY %s,"
                  + " so a subscription over every partition cannot follow membership changes;"
                  + " add WHERE %s = <value>",
              action,
              table.columns().get(m.rowColumn()).name(),
              table.partitionKey(),
              table.partitionKey());
        }
      }
    }
  }

  /** The row policy that limits what {@code actor} sees of {@code table} live, or null. */
  private RowPolicy readPolicy(TableDef table, UserDef actor) {
    return Authorizer.rowPolicy(catalog, actor.role(), actor.name(), table, PolicyCommand.SELECT);
  }

  /** The table of a live query, once the acting role may read it live. */
  private TableDef subscribable(String namespace, String name, Role role, String action) {
    if (namespace.equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: system tables do not support live subscriptions",
          action);
    }
    TableDef table = resolve(namespace, name, "subscribe to");
    Authorizer.checkRead(role, table, action);
    return table;
  }

  private record LiveOptions(long lastRows, long fromSeq, int batchSize) {}

  private static LiveOptions liveOptions(
      Map<String, String> options, String action, boolean subscribe) {
    long lastRows = -1;
    long fromSeq = -1;
    int batchSize = LiveQuery.DEFAULT_BATCH_SIZE;
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey().toLowerCase(Locale.ROOT);
      String value = e.getValue();
      switch (key) {
        case "last_rows" -> {
          if (!subscribe) {
            throw TributaryException.of(
                ErrorCode.INVALID_ARGUMENT,
                "Cannot %s: last_rows applies to SUBSCRIBE TO only; a live SELECT takes ORDER BY"
                    + " ... LIMIT n",
                action);
          }
          lastRows = option(key, value, 0, Long.MAX_VALUE, action);
        }
        case "from_seq" -> fromSeq = option(key, value, 0, Long.MAX_VALUE, action);
        case "batch_size" ->
            batchSize = (int) option(key, value, 1, LiveQuery.MAX_BATCH_SIZE, action);
        default ->
            throw TributaryException.of(
                ErrorCode.INVALID_ARGUMENT,
                "Cannot %s: unknown option %s (expected %s)",
                action,
                e.getKey(),
                subscribe ? "last_rows, from_seq or batch_size" : "from_seq or batch_size");
      }
    }
    if (lastRows >= 0 && fromSeq >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: last_rows and from_seq cannot be combined (from_seq resumes without a"
              + " snapshot)",
          action);
    }
    return new LiveOptions(lastRows, fromSeq, batchSize);
  }

  /** A live query's filter: its deterministic SQL (or null), compiled, and its equalities. */
  private record Filter(String sql, RowPredicate predicate, List<LiveQuery.Equality> equalities) {}

  private Filter filter(
      TableDef table, SqlNode where, int[] paramMap, String user, List<Object> params) {
    if (where == null) {
      return new Filter(null, row -> true, List.of());
    }
    Inliner inliner = new Inliner(user, paramMap, params, false);
    String whereSql = SqlParsing.unparse(where.accept(inliner));
    SqlNode parsed = SqlParsing.parseExpression(whereSql);
    // Compiled from the bound form, as the materializer compiles the WHERE of a command.
    RowPredicate predicate = Expressions.predicate(table, Expressions.bindPredicate(table, parsed));
    return new Filter(whereSql, predicate, equalities(table, parsed));
  }

  /**
   * A live {@code SELECT columns FROM ns.t [WHERE ...] [ORDER BY columns [ASC|DESC] [NULLS
   * FIRST|LAST]] [LIMIT n]}: a SUBSCRIBE TO with a projection, an initial order and, with LIMIT, a
   * window of the first n rows. LIMIT without ORDER BY orders by the primary key.
   */
  Action liveSelect(Statement.LiveSelect s, UserDef actor, List<Object> params) {
    SqlNode node = s.query().node();
    int[] paramMap = s.query().paramMap();
    SqlNodeList orderList = null;
    SqlNode offset = null;
    SqlNode fetch = null;
    if (node instanceof SqlOrderBy orderBy) {
      orderList = orderBy.orderList;
      offset = orderBy.offset;
      fetch = orderBy.fetch;
      node = orderBy.query;
    }
    if (!(node instanceof SqlSelect select)) {
      throw unsupportedLive(
          switch (node.getKind()) {
            case UNION, INTERSECT, EXCEPT -> node.getKind().sql;
            case VALUES -> "VALUES";
            case WITH -> "WITH";
            default -> "a " + node.getKind().sql;
          });
    }
    if (select.getOrderList() != null && !select.getOrderList().isEmpty()) {
      orderList = select.getOrderList();
    }
    offset = offset != null ? offset : select.getOffset();
    fetch = fetch != null ? fetch : select.getFetch();
    if (select.isDistinct()) {
      throw unsupportedLive("DISTINCT");
    }
    if (select.getGroup() != null && !select.getGroup().isEmpty()) {
      throw unsupportedLive("GROUP BY");
    }
    if (select.getHaving() != null) {
      throw unsupportedLive("HAVING");
    }
    if (select.getWindowList() != null && !select.getWindowList().isEmpty()) {
      throw unsupportedLive("WINDOW");
    }
    if (offset != null) {
      throw unsupportedLive("OFFSET");
    }
    SqlNode from = select.getFrom();
    if (from == null) {
      throw unsupportedLive("a SELECT without FROM");
    }
    if (from instanceof SqlJoin || from.getKind() == SqlKind.JOIN) {
      throw unsupportedLive("a join");
    }
    if (from.getKind() == SqlKind.AS) {
      throw unsupportedLive("a table alias");
    }
    if (!(from instanceof SqlIdentifier name)) {
      throw unsupportedLive("a subquery");
    }
    if (name.names.size() != 2) {
      throw TributaryException.of(
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot subscribe to %s: name the table as namespace.table",
          String.join(".", name.names));
    }
    String action = "subscribe to " + name.names.get(0) + "." + name.names.get(1);
    TableDef table = subscribable(name.names.get(0), name.names.get(1), actor.role(), action);
    if (select.getWhere() != null && containsQuery(select.getWhere())) {
      throw unsupportedLive("a subquery");
    }
    List<Integer> columns = new ArrayList<>();
    for (SqlNode item : select.getSelectList()) {
      if (item instanceof SqlIdentifier id && id.isStar()) {
        if (id.names.size() != 1) {
          throw unsupportedLive("the qualified column " + id);
        }
        for (int c = 0; c < table.columns().size(); c++) {
          addColumn(columns, c, table);
        }
      } else if (item instanceof SqlIdentifier id && id.isSimple()) {
        int c = liveColumn(table, id);
        if (c < table.columns().size()) {
          addColumn(columns, c, table); // _seq is always there, last
        }
      } else if (item instanceof SqlIdentifier id) {
        throw unsupportedLive("the qualified column " + id);
      } else if (item instanceof SqlCall call && isAggregate(call)) {
        throw unsupportedLive("the aggregate " + SqlParsing.unparse(item));
      } else {
        throw unsupportedLive("the expression " + SqlParsing.unparse(item) + " in the select list");
      }
    }
    for (int pk : table.primaryKeyIndexes()) {
      if (!columns.contains(pk)) {
        columns.add(pk);
      }
    }
    List<LiveQuery.SortKey> order = new ArrayList<>();
    if (orderList != null) {
      for (SqlNode item : orderList) {
        LiveQuery.SortKey key = sortKey(table, item);
        order.add(key);
        // Events carry what orders them too, so a client can keep its rows in order.
        if (key.column() < table.columns().size() && !columns.contains(key.column())) {
          columns.add(key.column());
        }
      }
    }
    long limit = fetch == null ? -1 : limit(fetch, paramMap, params, action);
    LiveOptions options = liveOptions(s.options(), action, false);
    if (limit >= 0 && options.fromSeq() >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: a live SELECT with LIMIT cannot resume from from_seq (its window needs a"
              + " snapshot); subscribe without from_seq",
          action);
    }
    Filter filter = filter(table, select.getWhere(), paramMap, actor.name(), params);
    RowPolicy policy = readPolicy(table, actor);
    checkPartitionFixed(table, filter, options, policy, action);
    return new Action.Subscribe(
        new LiveQuery(
            table,
            ownerOf(table, actor),
            filter.sql(),
            filter.predicate(),
            filter.equalities(),
            -1,
            options.fromSeq(),
            options.batchSize(),
            columns,
            order,
            limit,
            policy),
        actor.name(),
        actor.role(),
        actor.id());
  }

  private static TributaryException unsupportedLive(String what) {
    return TributaryException.of(
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot subscribe: a live SELECT supports only SELECT <columns or *> FROM <namespace.table>"
            + " [WHERE ...] [ORDER BY <columns> [ASC|DESC]] [LIMIT n], not %s",
        what);
  }

  private static final Set<String> AGGREGATES =
      Set.of(
          "COUNT",
          "SUM",
          "AVG",
          "MIN",
          "MAX",
          "ANY_VALUE",
          "EVERY",
          "SOME",
          "BIT_AND",
          "BIT_OR",
          "BIT_XOR",
          "STDDEV",
          "STDDEV_POP",
          "STDDEV_SAMP",
          "VARIANCE",
          "VAR_POP",
          "VAR_SAMP",
          "COLLECT",
          "LISTAGG",
          "STRING_AGG",
          "ARRAY_AGG",
          "COUNTIF",
          "BOOL_AND",
          "BOOL_OR");

  /** Whether a call of the select list aggregates (the parser leaves most functions unresolved). */
  private static boolean isAggregate(SqlCall call) {
    return call.getOperator().isAggregator()
        || call.getKind() == SqlKind.OVER
        || call.getKind() == SqlKind.FILTER
        || AGGREGATES.contains(call.getOperator().getName().toUpperCase(Locale.ROOT));
  }

  private static void addColumn(List<Integer> columns, int column, TableDef table) {
    if (columns.contains(column)) {
      throw unsupportedLive("a column selected twice (" + table.columns().get(column).name() + ")");
    }
    columns.add(column);
  }

  /** The index of a column of a live SELECT, {@code columns().size()} for {@code _seq}. */
  private static int liveColumn(TableDef table, SqlIdentifier id) {
    String name = id.getSimple();
    if (name.equals(TableDef.SEQ_COLUMN)) {
      return table.columns().size();
    }
    int index = table.columnIndex(name);
    if (index < 0) {
      throw TributaryException.of(
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot resolve column '%s' in table %s",
          name,
          table.qualifiedName());
    }
    return index;
  }

  private static LiveQuery.SortKey sortKey(TableDef table, SqlNode item) {
    Boolean nullsFirst = null;
    if (item.getKind() == SqlKind.NULLS_FIRST || item.getKind() == SqlKind.NULLS_LAST) {
      nullsFirst = item.getKind() == SqlKind.NULLS_FIRST;
      item = ((SqlCall) item).operand(0);
    }
    boolean descending = false;
    if (item.getKind() == SqlKind.DESCENDING) {
      descending = true;
      item = ((SqlCall) item).operand(0);
    }
    if (item instanceof SqlIdentifier id && id.isSimple()) {
      int column = liveColumn(table, id);
      // As in SELECT, NULL sorts as the largest value unless NULLS FIRST/LAST says otherwise.
      return new LiveQuery.SortKey(
          column, descending, nullsFirst != null ? nullsFirst : descending);
    }
    if (item instanceof SqlLiteral) {
      throw unsupportedLive("ORDER BY a position (" + SqlParsing.unparse(item) + ")");
    }
    throw unsupportedLive("ORDER BY the expression " + SqlParsing.unparse(item));
  }

  private static long limit(SqlNode fetch, int[] paramMap, List<Object> params, String action) {
    Object value;
    if (fetch instanceof SqlDynamicParam p) {
      value = param(params, paramMap[p.getIndex()], "bind parameters");
    } else if (fetch instanceof SqlLiteral literal) {
      value = literalValue(literal);
    } else {
      throw unsupportedLive("LIMIT " + SqlParsing.unparse(fetch));
    }
    return option("LIMIT", String.valueOf(value), 0, Integer.MAX_VALUE, action);
  }

  /** Whether an expression holds a query (a subquery, EXISTS, IN (SELECT ...)). */
  private static boolean containsQuery(SqlNode node) {
    Boolean found =
        node.accept(
            new SqlBasicVisitor<Boolean>() {
              @Override
              public Boolean visit(SqlCall call) {
                if (call.getKind().belongsTo(SqlKind.QUERY) || call instanceof SqlSelect) {
                  return true;
                }
                for (SqlNode operand : call.getOperandList()) {
                  if (operand != null && Boolean.TRUE.equals(operand.accept(this))) {
                    return true;
                  }
                }
                return false;
              }

              @Override
              public Boolean visit(SqlNodeList list) {
                for (SqlNode n : list) {
                  if (n != null && Boolean.TRUE.equals(n.accept(this))) {
                    return true;
                  }
                }
                return false;
              }
            });
    return Boolean.TRUE.equals(found);
  }

  /** An option's value as an integer from {@code min} to {@code max}. */
  private static long option(String key, String value, long min, long max, String action) {
    long n;
    try {
      n = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      n = min - 1;
    }
    if (n < min || n > max) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: %s must be %s, not '%s'",
          action,
          key,
          max == Long.MAX_VALUE
              ? "a non-negative integer"
              : "an integer from " + min + " to " + max,
          value);
    }
    return n;
  }

  /**
   * The top-level AND-ed {@code column = literal} terms of a filter (either side), each literal
   * coerced to the column's canonical value. Every row the filter accepts holds each of these
   * values, so the terms may index the subscription; the filter stays authoritative. Terms whose
   * literal does not convert exactly to the column's type are left out (they stay in the filter
   * only), and so are BYTES columns, whose values have no value equality in Java.
   */
  static List<LiveQuery.Equality> equalities(TableDef table, SqlNode where) {
    List<SqlNode> terms = new ArrayList<>();
    conjuncts(where, terms);
    List<LiveQuery.Equality> out = new ArrayList<>();
    for (SqlNode term : terms) {
      if (term.getKind() != SqlKind.EQUALS) {
        continue;
      }
      List<SqlNode> operands = ((SqlCall) term).getOperandList();
      LiveQuery.Equality equality = equality(table, operands.get(0), operands.get(1));
      if (equality == null) {
        equality = equality(table, operands.get(1), operands.get(0));
      }
      if (equality != null && !out.contains(equality)) {
        out.add(equality);
      }
    }
    return out;
  }

  static void conjuncts(SqlNode node, List<SqlNode> out) {
    if (node.getKind() == SqlKind.AND && node instanceof SqlCall call) {
      for (SqlNode operand : call.getOperandList()) {
        conjuncts(operand, out);
      }
    } else {
      out.add(node);
    }
  }

  static LiveQuery.Equality equality(TableDef table, SqlNode column, SqlNode value) {
    if (!(column instanceof SqlIdentifier id) || !id.isSimple()) {
      return null;
    }
    int index = table.columnIndex(id.getSimple());
    if (index < 0) {
      return null;
    }
    ColumnType type = table.columns().get(index).type();
    if (type.kind() == ColumnType.Kind.BYTES) {
      return null;
    }
    boolean negate = false;
    if (value.getKind() == SqlKind.MINUS_PREFIX && value instanceof SqlCall minus) {
      negate = true;
      value = minus.operand(0);
    }
    if (!(value instanceof SqlLiteral parsed)) {
      return null;
    }
    Object raw;
    try {
      // The parser leaves typed literals (TIMESTAMP '...', DATE '...') unresolved.
      SqlLiteral literal =
          parsed instanceof SqlUnknownLiteral unknown
              ? unknown.resolve(SqlTypeName.valueOf(unknown.tag.toUpperCase(Locale.ROOT)))
              : parsed;
      if (!comparable(literal.getTypeName(), type)) {
        return null;
      }
      raw = literalValue(literal);
    } catch (RuntimeException e) {
      return null;
    }
    if (raw == null) {
      return null;
    }
    if (negate) {
      if (raw instanceof BigDecimal d) {
        raw = d.negate();
      } else if (raw instanceof Double d) {
        raw = -d;
      } else {
        return null;
      }
    }
    Object coerced;
    try {
      coerced = type.coerce(raw, id.getSimple());
    } catch (TributaryException e) {
      return null;
    }
    if (!exact(raw, coerced, type)) {
      return null;
    }
    return new LiveQuery.Equality(index, coerced);
  }

  /**
   * Whether a literal of this type converts to the column's value as the filter compares them: a
   * string literal converts to any column type; otherwise only the literal of the column's own
   * family.
   */
  private static boolean comparable(SqlTypeName literal, ColumnType type) {
    return switch (literal) {
      case CHAR, VARCHAR -> true;
      case BOOLEAN -> type.kind() == ColumnType.Kind.BOOLEAN;
      case DECIMAL, INTEGER, BIGINT, SMALLINT, TINYINT, DOUBLE, FLOAT, REAL ->
          switch (type.kind()) {
            case INT, BIGINT, DOUBLE, DECIMAL -> true;
            default -> false;
          };
      case TIMESTAMP -> type.kind() == ColumnType.Kind.TIMESTAMP;
      case DATE -> type.kind() == ColumnType.Kind.DATE;
      default -> false;
    };
  }

  /** Whether a literal converted to a number column's value without rounding. */
  private static boolean exact(Object raw, Object coerced, ColumnType type) {
    switch (type.kind()) {
      case INT, BIGINT, DOUBLE, DECIMAL -> {
        BigDecimal from;
        if (raw instanceof String text) {
          try {
            from = new BigDecimal(text.trim());
          } catch (NumberFormatException e) {
            return false;
          }
        } else {
          from = decimal((Number) raw);
        }
        BigDecimal to = decimal((Number) coerced);
        return from != null && to != null && from.compareTo(to) == 0;
      }
      default -> {
        return true;
      }
    }
  }

  private static BigDecimal decimal(Number n) {
    if (n instanceof BigDecimal d) {
      return d;
    }
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
    }
    return BigDecimal.valueOf(n.longValue());
  }

  static Action killLiveQuery(Statement.KillLiveQuery s, Role role) {
    String action = "kill live query '" + s.id() + "'";
    Authorizer.checkKillLiveQuery(role, action);
    if (s.id().isBlank()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot kill live query: the id is empty");
    }
    return new Action.KillLiveQuery(s.id());
  }
}
