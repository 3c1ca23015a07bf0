package io.tributary.query.policy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.parse.SqlParsing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.util.SqlShuttle;

/**
 * Parses, checks and compiles the predicates of row-level policies. A predicate is an AND of terms:
 * at most one membership term {@code col IN (SELECT c FROM ns.members WHERE user_col =
 * CURRENT_USER())} on another SHARED table, and any number of terms over the row's columns that may
 * call {@code CURRENT_USER()}; those are bound and compiled like a subscription's WHERE clause
 * ({@link Expressions}). Stateless apart from a bounded cache of compiled policies; thread-safe.
 */
public final class Policies {
  private static final int MAX_CACHED = 10_000;
  private static final Set<ColumnType.Kind> MEMBERSHIP_TYPES =
      Set.of(ColumnType.Kind.INT, ColumnType.Kind.BIGINT, ColumnType.Kind.TEXT);

  private record CacheKey(List<PolicyDef> policies, long tableId, String user, PolicyCommand c) {}

  private static final Map<CacheKey, RowPolicy> COMPILED = new ConcurrentHashMap<>();

  private Policies() {}

  /** A predicate split into its membership term (or null) and the other terms. */
  private record Parts(Membership membership, List<SqlNode> residual) {}

  /**
   * Checks one predicate of a policy on {@code table} as CREATE POLICY does: it parses, its
   * membership term is well-formed, and the rest binds to the table and compiles.
   *
   * @throws TributaryException SYNTAX_ERROR, INVALID_DEFINITION, TABLE_NOT_FOUND, COLUMN_NOT_FOUND,
   *     TYPE_MISMATCH or UNSUPPORTED_STATEMENT, as {@code Cannot <action>: ...}
   */
  public static void check(Catalog catalog, TableDef table, String predicate, String action) {
    Parts parts = parts(catalog, table, predicate, action);
    compileResidual(table, parts.residual(), "someone", action);
  }

  /**
   * Compiles the policies that govern {@code command} for {@code user}: for INSERT each policy's
   * WITH CHECK (its USING when it has none), otherwise its USING. An empty list compiles to a
   * policy that denies every row.
   */
  public static RowPolicy compile(
      Catalog catalog, TableDef table, List<PolicyDef> policies, String user, PolicyCommand c) {
    CacheKey key = new CacheKey(policies, table.id(), user, c);
    RowPolicy known = COMPILED.get(key);
    if (known != null) {
      return known;
    }
    List<RowPolicy.Clause> clauses = new ArrayList<>();
    for (PolicyDef p : policies) {
      String predicate = c == PolicyCommand.INSERT && p.check() != null ? p.check() : p.using();
      if (predicate == null) {
        continue;
      }
      String action = "apply policy " + p.name() + " on " + table.qualifiedName();
      Parts parts = parts(catalog, table, predicate, action);
      Object[] residual = compileResidual(table, parts.residual(), user, action);
      Set<Integer> columns = new HashSet<>(columnsRead(table, parts.residual()));
      if (parts.membership() != null) {
        columns.add(parts.membership().rowColumn());
      }
      clauses.add(
          new RowPolicy.Clause(
              p.name(),
              parts.membership(),
              (RowPredicate) residual[0],
              (String) residual[1],
              columns));
    }
    RowPolicy compiled = new RowPolicy(table, user, clauses);
    if (COMPILED.size() >= MAX_CACHED) {
      COMPILED.clear(); // crude but bounded
    }
    COMPILED.put(key, compiled);
    return compiled;
  }

  /**
   * The ids of the tables whose rows a policy's membership terms read (its USING and WITH CHECK),
   * as the catalog resolves them now; a predicate that no longer compiles reads none.
   */
  public static Set<Long> membersTables(Catalog catalog, PolicyDef policy) {
    Set<Long> out = new HashSet<>();
    TableDef table = catalog.table(policy.tableId()).orElse(null);
    if (table == null) {
      return out;
    }
    for (String predicate : new String[] {policy.using(), policy.check()}) {
      if (predicate == null) {
        continue;
      }
      try {
        Membership m =
            parts(catalog, table, predicate, "read policy " + policy.name()).membership();
        if (m != null) {
          out.add(m.members().id());
        }
      } catch (TributaryException e) {
        // Not a well-formed predicate any more: it depends on nothing it could resolve.
      }
    }
    return out;
  }

  /** {@code {RowPredicate, sql}} of the residual terms with CURRENT_USER() as {@code user}. */
  private static Object[] compileResidual(
      TableDef table, List<SqlNode> terms, String user, String action) {
    if (terms.isEmpty()) {
      RowPredicate always = row -> true;
      return new Object[] {always, "TRUE"};
    }
    StringJoiner and = new StringJoiner(" AND ");
    for (SqlNode term : terms) {
      and.add("(" + SqlParsing.unparse(term.accept(new CurrentUser(user))) + ")");
    }
    String sql = and.toString();
    try {
      return new Object[] {
        Expressions.predicate(table, Expressions.bindPredicate(table, sql)), sql
      };
    } catch (TributaryException e) {
      throw new TributaryException(e.code(), "Cannot " + action + ": " + reason(e.getMessage()), e);
    }
  }

  private static String reason(String message) {
    int colon = message == null ? -1 : message.indexOf(": ");
    return message != null && message.startsWith("Cannot ") && colon > 0
        ? message.substring(colon + 2)
        : String.valueOf(message);
  }

  private static Parts parts(Catalog catalog, TableDef table, String predicate, String action) {
    SqlNode node;
    try {
      node = SqlParsing.parseExpression(niladic(predicate));
    } catch (TributaryException e) {
      throw new TributaryException(e.code(), "Cannot " + action + ": " + reason(e.getMessage()), e);
    }
    List<SqlNode> terms = new ArrayList<>();
    conjuncts(node, terms);
    Membership membership = null;
    List<SqlNode> residual = new ArrayList<>();
    for (SqlNode term : terms) {
      if (term.getKind() == SqlKind.IN && ((SqlCall) term).operand(1) instanceof SqlSelect) {
        if (membership != null) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot %s: a policy may hold one membership term (col IN (SELECT ...)), not two",
              action);
        }
        membership = membership(catalog, table, (SqlCall) term, action);
      } else {
        if (containsSubquery(term)) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot %s: a subquery may only appear as a top-level AND term of the form col IN"
                  + " (SELECT c FROM ns.members WHERE user_col = CURRENT_USER())",
              action);
        }
        residual.add(term);
      }
    }
    return new Parts(membership, residual);
  }

  private static final Pattern CALL =
      Pattern.compile("(?i)\\b(CURRENT_USER|SESSION_USER)\\s*\\(\\s*\\)");

  /**
   * {@code CURRENT_USER()} written with parentheses, outside quotes, as {@code CURRENT_USER}: the
   * dialect accepts both (as in a column DEFAULT), Calcite's parser only the latter.
   */
  private static String niladic(String predicate) {
    String[] parts = predicate.split("'", -1);
    for (int i = 0; i < parts.length; i += 2) {
      parts[i] = CALL.matcher(parts[i]).replaceAll("$1");
    }
    return String.join("'", parts);
  }

  private static void conjuncts(SqlNode node, List<SqlNode> out) {
    if (node.getKind() == SqlKind.AND) {
      for (SqlNode operand : ((SqlCall) node).getOperandList()) {
        conjuncts(operand, out);
      }
    } else {
      out.add(node);
    }
  }

  private static boolean containsSubquery(SqlNode node) {
    boolean[] found = {false};
    node.accept(
        new SqlBasicVisitor<Void>() {
          @Override
          public Void visit(SqlCall call) {
            if (call instanceof SqlSelect || call.getKind() == SqlKind.SELECT) {
              found[0] = true;
              return null;
            }
            return super.visit(call);
          }
        });
    return found[0];
  }

  private static Membership membership(Catalog catalog, TableDef table, SqlCall in, String action) {
    String form =
        "a membership term reads col IN (SELECT c FROM ns.members WHERE user_col ="
            + " CURRENT_USER())";
    int rowColumn = column(table, in.operand(0), action, form);
    SqlSelect select = (SqlSelect) in.operand(1);
    if (select.getSelectList().size() != 1
        || select.getGroup() != null
        || select.getHaving() != null
        || select.getOrderList() != null && select.getOrderList().size() > 0
        || select.getFetch() != null
        || select.getOffset() != null
        || select.isDistinct()
        || !(select.getFrom() instanceof SqlIdentifier from)
        || from.names.size() != 2
        || select.getWhere() == null) {
      throw TributaryException.of(ErrorCode.INVALID_DEFINITION, "Cannot %s: %s", action, form);
    }
    if (from.names.get(0).equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: a membership term cannot read a system table",
          action);
    }
    TableDef members =
        catalog
            .table(from.names.get(0), from.names.get(1))
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND,
                        "Cannot %s: the members table %s does not exist",
                        action,
                        String.join(".", from.names)));
    if (members.kind() != TableKind.SHARED || members.id() == table.id()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: the members table %s must be another SHARED table",
          action,
          members.qualifiedName());
    }
    if (members.partitionKey() != null) {
      // Membership is read as one ordered range (its high-water mark orders it against the
      // dispatcher); a members table spread over partitions has no single order.
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: the members table %s has a PARTITION_KEY; a members table must live in one"
              + " partition",
          action,
          members.qualifiedName());
    }
    int valueColumn = column(members, select.getSelectList().get(0), action, form);
    SqlNode where = select.getWhere();
    if (where.getKind() != SqlKind.EQUALS) {
      throw TributaryException.of(ErrorCode.INVALID_DEFINITION, "Cannot %s: %s", action, form);
    }
    SqlNode left = ((SqlCall) where).operand(0);
    SqlNode right = ((SqlCall) where).operand(1);
    SqlNode userSide = isCurrentUser(right) ? left : isCurrentUser(left) ? right : null;
    if (userSide == null) {
      throw TributaryException.of(ErrorCode.INVALID_DEFINITION, "Cannot %s: %s", action, form);
    }
    int userColumn = column(members, userSide, action, form);
    ColumnType.Kind rowType = table.columns().get(rowColumn).type().kind();
    ColumnType.Kind valueType = members.columns().get(valueColumn).type().kind();
    if (rowType != valueType || !MEMBERSHIP_TYPES.contains(rowType)) {
      throw TributaryException.of(
          ErrorCode.TYPE_MISMATCH,
          "Cannot %s: membership compares %s (%s) with %s.%s (%s); both must be INT, BIGINT or"
              + " TEXT, and the same",
          action,
          table.columns().get(rowColumn).name(),
          rowType,
          members.qualifiedName(),
          members.columns().get(valueColumn).name(),
          valueType);
    }
    if (members.columns().get(userColumn).type().kind() != ColumnType.Kind.TEXT) {
      throw TributaryException.of(
          ErrorCode.TYPE_MISMATCH,
          "Cannot %s: the member column %s.%s must be TEXT (it holds user names)",
          action,
          members.qualifiedName(),
          members.columns().get(userColumn).name());
    }
    return new Membership(members, valueColumn, userColumn, rowColumn);
  }

  private static int column(TableDef table, SqlNode node, String action, String form) {
    if (!(node instanceof SqlIdentifier id) || !id.isSimple()) {
      throw TributaryException.of(ErrorCode.INVALID_DEFINITION, "Cannot %s: %s", action, form);
    }
    int index = table.columnIndex(id.getSimple());
    if (index < 0) {
      throw TributaryException.of(
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot %s: column %s does not exist in %s",
          action,
          id.getSimple(),
          table.qualifiedName());
    }
    return index;
  }

  private static boolean isCurrentUser(SqlNode node) {
    if (node instanceof SqlCall call
        && call.getOperandList().isEmpty()
        && isCurrentUserName(call.getOperator().getName())) {
      return true;
    }
    return node instanceof SqlIdentifier id
        && id.isSimple()
        && !id.isComponentQuoted(0)
        && isCurrentUserName(id.getSimple());
  }

  private static boolean isCurrentUserName(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return upper.equals("CURRENT_USER") || upper.equals("USER") || upper.equals("SESSION_USER");
  }

  /** The columns of {@code table} the terms name. */
  private static Set<Integer> columnsRead(TableDef table, List<SqlNode> terms) {
    Set<Integer> out = new HashSet<>();
    for (SqlNode term : terms) {
      term.accept(
          new SqlBasicVisitor<Void>() {
            @Override
            public Void visit(SqlIdentifier id) {
              int index = table.columnIndex(id.names.get(id.names.size() - 1));
              if (index >= 0) {
                out.add(index);
              }
              return null;
            }
          });
    }
    return out;
  }

  /** Replaces CURRENT_USER (with or without parentheses) by the user's name. */
  private static final class CurrentUser extends SqlShuttle {
    private final String user;

    CurrentUser(String user) {
      this.user = user;
    }

    @Override
    public SqlNode visit(SqlCall call) {
      if (call instanceof SqlBasicCall && isCurrentUser(call)) {
        return SqlLiteral.createCharString(user, SqlParserPos.ZERO);
      }
      return super.visit(call);
    }

    @Override
    public SqlNode visit(SqlIdentifier id) {
      return isCurrentUser(id) ? SqlLiteral.createCharString(user, SqlParserPos.ZERO) : id;
    }

    @Override
    public SqlNode visit(SqlNodeList list) {
      return super.visit(list);
    }
  }
}
