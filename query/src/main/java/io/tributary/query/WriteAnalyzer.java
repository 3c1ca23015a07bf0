package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.DefaultValue;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandLimits;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.parse.SqlParsing;
import io.tributary.query.parse.Statement;
import io.tributary.query.policy.MembershipView;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDelete;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlUpdate;

/**
 * Analyzes the statements that write rows: INSERT ... VALUES, UPDATE and DELETE become a {@link
 * Action.Write} of one deterministic {@link WriteCommand}; EXECUTE AS USER decides as whom the
 * statement it wraps runs.
 */
final class WriteAnalyzer extends FamilyAnalyzer {
  private final MembershipView memberships;

  WriteAnalyzer(Catalog catalog, Environment env, MembershipView memberships) {
    super(catalog, env);
    this.memberships = memberships;
  }

  /**
   * The account an EXECUTE AS USER statement acts as, once the acting account may act as it and the
   * statement it wraps is a data statement. The caller analyzes the wrapped statement for it.
   */
  UserDef executeAs(Statement.ExecuteAs s, UserDef actor) {
    Role role = actor.role();
    String action = "execute as user " + s.user();
    Authorizer.checkActsForOthers(role, action);
    UserDef target =
        catalog
            .user(s.user())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.USER_NOT_FOUND, "Cannot %s: the user does not exist", action));
    Authorizer.checkActAs(role, target, action);
    if (!s.inner().accept(DATA_STATEMENT)) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot %s: EXECUTE AS USER runs only data statements (SELECT, INSERT, UPDATE, DELETE,"
              + " SUBSCRIBE), not %s",
          action,
          statementName(s.inner()));
    }
    return target;
  }

  /**
   * Whether a statement only reads or writes rows (what EXECUTE AS USER may run): never one that
   * changes the catalog or accounts, so acting for a user cannot take over their account.
   */
  private static final Statement.Visitor<Boolean> DATA_STATEMENT =
      new Statement.Visitor<>() {
        @Override
        public Boolean visit(Statement.CreateNamespace s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropNamespace s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.CreateTable s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropTable s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.AlterTable s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.ShowNamespaces s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.ShowTables s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DescribeTable s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.Source s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.CreateUser s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.AlterUser s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropUser s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.ExecuteAs s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.Query s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.Insert s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.Update s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.Delete s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.Subscribe s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.LiveSelect s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.KillLiveQuery s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.StorageFlush s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.CreatePolicy s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.CreateTopic s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropPolicy s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropTopic s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.ShowPolicies s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.AddTopicSource s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.DropTopicSource s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.ShowTopics s) {
          return false;
        }

        @Override
        public Boolean visit(Statement.Consume s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.Ack s) {
          return true;
        }

        @Override
        public Boolean visit(Statement.ResetConsumerGroup s) {
          return false;
        }
      };

  /** A statement's kind in SQL words: {@code AlterUser} is "ALTER USER". */
  private static String statementName(Statement statement) {
    return statement
        .getClass()
        .getSimpleName()
        .replaceAll("(?<=[a-z])(?=[A-Z])", " ")
        .toUpperCase(Locale.ROOT);
  }

  Action insert(Statement.Insert s, UserDef actor, List<Object> params) {
    TableDef table = resolveTarget(s.node().getTargetTable(), "insert into");
    String action = "insert into " + table.qualifiedName();
    Authorizer.checkWrite(actor.role(), table, action);
    List<Integer> targets = new ArrayList<>();
    SqlNodeList columnList = s.node().getTargetColumnList();
    if (columnList == null || columnList.isEmpty()) {
      for (int i = 0; i < table.columns().size(); i++) {
        targets.add(i);
      }
    } else {
      for (SqlNode c : columnList) {
        String name = simpleName(c, action);
        int index = table.columnIndex(name);
        if (index < 0) {
          throw TributaryException.of(
              ErrorCode.COLUMN_NOT_FOUND, "Cannot %s: column %s does not exist", action, name);
        }
        if (targets.contains(index)) {
          throw TributaryException.of(
              ErrorCode.INVALID_ARGUMENT, "Cannot %s: column %s is listed twice", action, name);
        }
        targets.add(index);
      }
    }
    SqlNode source = s.node().getSource();
    if (source.getKind() != SqlKind.VALUES) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot %s: only INSERT ... VALUES is supported, not INSERT ... SELECT",
          action);
    }
    List<SqlNode> rowNodes = ((SqlCall) source).getOperandList();
    if (rowNodes.size() > CommandLimits.MAX_CHANGES) {
      throw TributaryException.of(
          ErrorCode.TOO_MANY_ROWS,
          "Cannot %s: at most %d rows per statement",
          action,
          CommandLimits.MAX_CHANGES);
    }
    Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
    long now = inliner.now;
    RowPolicy policy =
        Authorizer.rowPolicy(catalog, actor.role(), actor.name(), table, PolicyCommand.INSERT);
    RowPredicate check = policy == null ? null : policy.resolve(memberships);
    List<byte[]> encoded = new ArrayList<>(rowNodes.size());
    List<ColumnType> types = table.types();
    int partitionColumn = table.partitionKeyIndex();
    List<String> rowValues = partitionColumn >= 0 ? new ArrayList<>(rowNodes.size()) : null;
    for (SqlNode rowNode : rowNodes) {
      List<SqlNode> values = ((SqlCall) rowNode).getOperandList();
      if (values.size() != targets.size()) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot %s: %d values for %d columns",
            action,
            values.size(),
            targets.size());
      }
      Object[] row = new Object[table.columns().size()];
      boolean[] given = new boolean[row.length];
      for (int i = 0; i < values.size(); i++) {
        int col = targets.get(i);
        ColumnDef def = table.columns().get(col);
        row[col] = value(values.get(i), def, table, inliner, action);
        given[col] = true;
      }
      for (int col = 0; col < row.length; col++) {
        ColumnDef def = table.columns().get(col);
        if (!given[col] && def.defaultValue() != null) {
          row[col] = defaultFor(def, actor.name(), now);
        }
        if (row[col] == null && !def.nullable()) {
          throw TributaryException.of(
              ErrorCode.NOT_NULL_VIOLATION,
              "Cannot %s: column %s is NOT NULL and has no value",
              action,
              def.name());
        }
      }
      if (check != null && !check.test(Arrays.copyOf(row, row.length + 1))) {
        throw TributaryException.of(
            ErrorCode.PERMISSION_DENIED,
            "Cannot %s: row %d is not allowed by the table's row policies for INSERT%s",
            action,
            encoded.size() + 1,
            policy.deniesAll() ? " (there are none)" : " (" + policy.policyNames() + ")");
      }
      if (rowValues != null) {
        rowValues.add(TableDef.partitionValue(row[partitionColumn]));
      }
      encoded.add(RowCodec.encode(types, row));
    }
    String owner = ownerOf(table, actor);
    // One value of the key: one command in its partition. Several: the rows' values, by which the
    // node splits the statement into pieces applied by two-phase commit.
    boolean oneValue = rowValues == null || new java.util.HashSet<>(rowValues).size() == 1;
    return new Action.Write(
        table,
        owner,
        new WriteCommand.InsertRows(
            env.requestId(), table.id(), owner, encoded, new WriteCommand.Accepted(now, null)),
        rowValues == null ? null : oneValue ? rowValues.get(0) : null,
        oneValue ? null : List.copyOf(rowValues));
  }

  private Object value(
      SqlNode node, ColumnDef def, TableDef table, Inliner inliner, String action) {
    if (node instanceof SqlDynamicParam p) {
      return def.type().coerce(inliner.paramValue(p), def.name());
    }
    if (node instanceof SqlLiteral literal) {
      return def.type().coerce(literalValue(literal), def.name());
    }
    if (node.getKind() == SqlKind.DEFAULT) {
      return def.defaultValue() == null ? null : defaultFor(def, inliner.user, inliner.now);
    }
    if (node instanceof SqlIdentifier id) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot %s: VALUES cannot reference column %s", action, id);
    }
    SqlNode inlined = node.accept(inliner);
    if (inlined instanceof SqlLiteral literal) {
      return def.type().coerce(literalValue(literal), def.name());
    }
    String sql = SqlParsing.unparse(inlined);
    Object[] empty = new Object[table.columns().size() + 1];
    return Expressions.expression(table, sql, def.type(), def.name()).evaluate(empty);
  }

  private Object defaultFor(ColumnDef def, String user, long now) {
    DefaultValue d = def.defaultValue();
    return switch (d.kind()) {
      case LITERAL -> def.type().parseText(d.literal());
      case SNOWFLAKE_ID -> env.nextId();
      case NOW -> now;
      case UUID_V7 -> env.uuidV7();
      case CURRENT_USER -> user;
    };
  }

  Action update(Statement.Update s, UserDef actor, List<Object> params) {
    SqlUpdate node = s.node();
    TableDef table = resolveTarget(node.getTargetTable(), "update");
    String action = "update " + table.qualifiedName();
    Authorizer.checkWrite(actor.role(), table, action);
    if (node.getAlias() != null) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT, "Cannot %s: table aliases are not supported", action);
    }
    Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
    List<String> columns = new ArrayList<>();
    List<BoundExpression> expressions = new ArrayList<>();
    List<SqlNode> sources = node.getSourceExpressionList().getList();
    for (int i = 0; i < node.getTargetColumnList().size(); i++) {
      String name = simpleName(node.getTargetColumnList().get(i), action);
      int index = table.columnIndex(name);
      if (index < 0) {
        throw TributaryException.of(
            ErrorCode.COLUMN_NOT_FOUND, "Cannot %s: column %s does not exist", action, name);
      }
      if (table.primaryKey().contains(name)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot %s: primary key column %s cannot change; delete and insert instead",
            action,
            name);
      }
      if (columns.contains(name)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT, "Cannot %s: column %s is set twice", action, name);
      }
      ColumnDef def = table.columns().get(index);
      SqlNode inlined = sources.get(i).accept(inliner);
      String sql = SqlParsing.unparse(inlined);
      if (inlined instanceof SqlLiteral literal
          && literalValue(literal) == null
          && !def.nullable()) {
        throw TributaryException.of(
            ErrorCode.NOT_NULL_VIOLATION, "Cannot %s: column %s is NOT NULL", action, name);
      }
      columns.add(name);
      expressions.add(setValue(table, sql, def));
    }
    checkPolicedColumns(table, actor, columns, action);
    BoundExpression where =
        where(node.getCondition(), table, inliner, policySql(table, actor, PolicyCommand.UPDATE));
    String owner = ownerOf(table, actor);
    return new Action.Write(
        table,
        owner,
        WriteCommand.UpdateRows.bound(
                env.requestId(), table.id(), owner, where, columns, expressions)
            .withAccepted(new WriteCommand.Accepted(inliner.now, null)),
        fixedPartitionValue(table, node.getCondition(), inliner, action));
  }

  Action delete(Statement.Delete s, UserDef actor, List<Object> params) {
    SqlDelete node = s.node();
    TableDef table = resolveTarget(node.getTargetTable(), "delete from");
    String action = "delete from " + table.qualifiedName();
    Authorizer.checkWrite(actor.role(), table, action);
    if (node.getAlias() != null) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT, "Cannot %s: table aliases are not supported", action);
    }
    Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
    BoundExpression where =
        where(node.getCondition(), table, inliner, policySql(table, actor, PolicyCommand.DELETE));
    String owner = ownerOf(table, actor);
    return new Action.Write(
        table,
        owner,
        WriteCommand.DeleteRows.bound(env.requestId(), table.id(), owner, where)
            .withAccepted(new WriteCommand.Accepted(inliner.now, null)),
        fixedPartitionValue(table, node.getCondition(), inliner, action));
  }

  /**
   * The value of a partitioned table's PARTITION_KEY that an UPDATE's or DELETE's WHERE fixes by
   * equality in its top-level conjunction ({@code conversation_id = 7 AND ...}), as {@link
   * TableDef#partitionValue} text; null for a table without a partition key, and for a statement
   * that does not fix it: that one touches rows in every partition and applies there by two-phase
   * commit (docs/sql.md "Atomicity").
   */
  private static String fixedPartitionValue(
      TableDef table, SqlNode condition, Inliner inliner, String action) {
    int column = table.partitionKeyIndex();
    if (column < 0) {
      return null;
    }
    if (condition != null) {
      List<SqlNode> terms = new ArrayList<>();
      LiveAnalyzer.conjuncts(condition.accept(inliner), terms);
      for (SqlNode term : terms) {
        if (term.getKind() != SqlKind.EQUALS || !(term instanceof SqlCall call)) {
          continue;
        }
        for (int side = 0; side < 2; side++) {
          io.tributary.query.live.LiveQuery.Equality eq =
              LiveAnalyzer.equality(table, call.operand(side), call.operand(1 - side));
          if (eq != null && eq.column() == column) {
            return TableDef.partitionValue(eq.value());
          }
        }
      }
    }
    return null;
  }

  /**
   * The WHERE of an UPDATE or DELETE as its command carries it: bound to the table, once it is
   * known to compile (before anything is logged). It is bound from its deterministic SQL text
   * (parameters and non-deterministic functions inlined), which evaluation errors quote.
   *
   * <p>Under row policies the user's condition is gated by the policy, {@code CASE WHEN policy THEN
   * condition ELSE FALSE END}: the command is tested on every row of the SHARED table, and the
   * user's expression must never run on a row the policy hides (an error it raised, such as a
   * failed CAST quoting the value or a division by zero, would reveal the hidden row). A plain
   * {@code AND} is not enough: it goes on to its next operand when the policy is unknown (NULL).
   */
  private static BoundExpression where(
      SqlNode condition, TableDef table, Inliner inliner, String policySql) {
    if (policySql != null) {
      return Expressions.bindPredicate(
          table,
          condition == null
              ? policySql
              : "CASE WHEN ("
                  + policySql
                  + ") THEN ("
                  + SqlParsing.unparse(condition.accept(inliner))
                  + ") ELSE FALSE END");
    }
    if (condition == null) {
      return null;
    }
    return Expressions.bindPredicate(table, SqlParsing.unparse(condition.accept(inliner)));
  }

  /**
   * The rows an UPDATE or DELETE of {@code actor} may touch under the table's row policies, as SQL
   * with membership resolved now (the policies of the command and those of SELECT: only rows the
   * user can see), or null when no policy limits the actor.
   */
  private String policySql(TableDef table, UserDef actor, PolicyCommand command) {
    RowPolicy own = Authorizer.rowPolicy(catalog, actor.role(), actor.name(), table, command);
    if (own == null) {
      return null;
    }
    RowPolicy read =
        Authorizer.rowPolicy(catalog, actor.role(), actor.name(), table, PolicyCommand.SELECT);
    return "(" + own.sql(memberships) + ") AND (" + read.sql(memberships) + ")";
  }

  /**
   * Refuses an UPDATE by a user subject to row policies that sets a column some policy of the table
   * reads: such an update could move a row into or out of someone's view (a message into another
   * conversation), which no policy checked.
   */
  private void checkPolicedColumns(
      TableDef table, UserDef actor, List<String> columns, String action) {
    Set<Integer> read = new LinkedHashSet<>();
    for (PolicyCommand c : PolicyCommand.values()) {
      RowPolicy p = Authorizer.rowPolicy(catalog, actor.role(), actor.name(), table, c);
      if (p != null) {
        read.addAll(p.columns());
      }
    }
    for (String column : columns) {
      if (read.contains(table.columnIndex(column))) {
        throw TributaryException.of(
            ErrorCode.PERMISSION_DENIED,
            "Cannot %s: column %s is read by the table's row policies, which role user may not"
                + " change",
            action,
            column);
      }
    }
  }

  /** A SET value as its command carries it; see {@link #where}. */
  private static BoundExpression setValue(TableDef table, String sql, ColumnDef def) {
    return Expressions.bindValue(table, sql, def.type(), def.name());
  }
}
