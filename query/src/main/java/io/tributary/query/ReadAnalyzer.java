package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.parse.SqlParsing;
import io.tributary.query.parse.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Analyzes the statements that read: queries (SELECT, VALUES, ...) become a {@link Action.Read}
 * that the server runs over the rows the account may read; SHOW and DESCRIBE are answered from the
 * catalog, showing only the tables the role may read ({@link Authorizer#mayRead}).
 */
final class ReadAnalyzer extends FamilyAnalyzer {
  ReadAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action showNamespaces() {
    List<Object[]> rows = new ArrayList<>();
    for (NamespaceDef ns : catalog.namespaces()) {
      rows.add(new Object[] {ns.name()});
    }
    return new Action.Result(
        new QueryResult(List.of(new ResultColumn("namespace", ColumnType.TEXT, false)), rows));
  }

  Action showTables(Statement.ShowTables s, Role role) {
    if (s.namespace() != null && catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND,
          "Cannot show tables in %s: namespace does not exist",
          s.namespace());
    }
    List<Object[]> rows = new ArrayList<>();
    for (TableDef t : catalog.tables(s.namespace())) {
      if (Authorizer.mayRead(role, t)) {
        rows.add(new Object[] {t.namespace(), t.name(), t.kind().name()});
      }
    }
    return new Action.Result(
        new QueryResult(
            List.of(
                new ResultColumn("namespace", ColumnType.TEXT, false),
                new ResultColumn("table", ColumnType.TEXT, false),
                new ResultColumn("type", ColumnType.TEXT, false)),
            rows));
  }

  Action describe(Statement.DescribeTable s, Role role) {
    TableDef table =
        s.namespace().equals(Catalog.SYSTEM_NAMESPACE)
            ? io.tributary.query.catalog.SystemTables.byName(s.name())
                .orElseThrow(
                    () ->
                        TributaryException.of(
                            ErrorCode.TABLE_NOT_FOUND,
                            "Cannot describe table system.%s: the table does not exist",
                            s.name()))
            : resolve(s.namespace(), s.name(), "describe table");
    Authorizer.checkRead(role, table, "describe table " + table.qualifiedName());
    List<Object[]> rows = new ArrayList<>();
    for (ColumnDef c : table.columns()) {
      rows.add(
          new Object[] {
            c.name(),
            c.type().toString(),
            c.nullable(),
            c.defaultValue() == null ? null : c.defaultValue().sql(),
            table.primaryKey().contains(c.name())
          });
    }
    return new Action.Result(
        new QueryResult(
            List.of(
                new ResultColumn("column", ColumnType.TEXT, false),
                new ResultColumn("type", ColumnType.TEXT, false),
                new ResultColumn("nullable", ColumnType.BOOLEAN, false),
                new ResultColumn("default", ColumnType.TEXT, true),
                new ResultColumn("primary_key", ColumnType.BOOLEAN, false)),
            rows));
  }

  Action query(Statement.Query s, UserDef actor, List<Object> params) {
    List<Object> bound = new ArrayList<>();
    for (int index : s.paramMap()) {
      bound.add(param(params, index, "run query"));
    }
    Inliner inliner = new Inliner(actor.name(), null, params, true);
    SqlNode rewritten = s.node().accept(inliner);
    checkLikeEscapes(rewritten);
    String sql = inliner.replaced ? SqlParsing.unparse(rewritten) : s.sql();
    return new Action.Read(
        sql, bound, actor.name(), actor.role(), actor.id(), coldFilters(s, actor, params));
  }

  /**
   * The WHERE of a query over one table ({@code SELECT … FROM ns.t WHERE …}, ordered or not), bound
   * to the table, for the cold tier's scan to prune files and skip rows with; empty for any other
   * query, and for a WHERE that does not bind to the table alone (a subquery, a qualified column):
   * the scan then reads every row of its range. Calcite applies the WHERE to the merged rows either
   * way.
   */
  private Map<Long, Supplier<BoundExpression>> coldFilters(
      Statement.Query s, UserDef actor, List<Object> params) {
    SqlNode node = s.node();
    if (node instanceof SqlOrderBy orderBy) {
      node = orderBy.query;
    }
    if (!(node instanceof SqlSelect select)
        || select.getWhere() == null
        || !(select.getFrom() instanceof SqlIdentifier from)
        || from.names.size() != 2
        || from.names.get(0).equals(Catalog.SYSTEM_NAMESPACE)) {
      return Map.of();
    }
    // a history view (ns.t$history): its WHERE, when it names only the table's own columns,
    // prunes the scan of the table's cold rows
    TableDef table =
        catalog
            .table(from.names.get(0), from.names.get(1))
            .or(
                () ->
                    io.tributary.query.catalog.HistoryTables.baseOf(
                        catalog, from.names.get(0), from.names.get(1)))
            .orElse(null);
    if (table == null || table.kind() == TableKind.STREAM) {
      return Map.of();
    }
    SqlNode condition = select.getWhere();
    Supplier<BoundExpression> bind =
        () -> {
          try {
            Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
            return Expressions.bindPredicate(table, SqlParsing.unparse(condition.accept(inliner)));
          } catch (RuntimeException e) {
            return null; // not a condition over the table alone: no pushdown
          }
        };
    return Map.of(table.id(), bind);
  }

  /**
   * Refuses a {@code LIKE … ESCAPE} whose escape is not one character before the query engine sees
   * it (Calcite's LIKE fails on an empty escape with an internal error).
   */
  private static void checkLikeEscapes(SqlNode node) {
    node.accept(
        new SqlBasicVisitor<Void>() {
          @Override
          public Void visit(SqlCall call) {
            if ((call.getKind() == SqlKind.LIKE || call.getKind() == SqlKind.SIMILAR)
                && call.operandCount() == 3
                && call.operand(2) instanceof SqlLiteral escape
                && escape.getValue() != null) {
              String text = escape.getValueAs(String.class);
              if (text.length() != 1) {
                throw new TributaryException(
                    ErrorCode.INVALID_ARGUMENT,
                    "Cannot run query: the ESCAPE of LIKE must be one character, found '"
                        + text
                        + "'");
              }
            }
            return super.visit(call);
          }
        });
  }
}
