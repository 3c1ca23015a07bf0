package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.DefaultValue;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SharedAccess;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandLimits;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.parse.SqlParsing;
import io.tributary.query.parse.Statement;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDelete;
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
import org.apache.calcite.sql.SqlUpdate;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.util.SqlShuttle;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimestampString;

/**
 * Analyzes and authorizes one statement for an acting user against the catalog, and turns it into
 * an {@link Action}. Everything non-deterministic (defaults, NOW(), parameters) is evaluated here,
 * through the {@link Environment}, so the resulting commands are deterministic. Bad input fails
 * with a coded {@link TributaryException} and yields no action. Thread-safe; holds no state.
 */
public final class Analyzer {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,128}");
  private static final Pattern FLUSH_POLICY =
      Pattern.compile("(rows:\\d+)?(,?interval:\\d+)?", Pattern.CASE_INSENSITIVE);
  private static final Set<String> TABLE_OPTIONS =
      Set.of("FLUSH_POLICY", "TTL_SECONDS", "ACCESS_LEVEL");

  private final Catalog catalog;
  private final Environment env;

  public Analyzer(Catalog catalog, Environment env) {
    this.catalog = catalog;
    this.env = env;
  }

  /**
   * Analyzes a statement for an account whose id is its name (a legacy account, see {@link
   * UserDef}).
   *
   * @param user the acting user's name, also the owner of their rows
   * @param role the acting user's role
   * @param params positional parameter values ($1 is params.get(0))
   */
  public Action analyze(Statement statement, String user, Role role, List<Object> params) {
    return analyze(statement, new UserDef(user, role, null, 0), params);
  }

  /**
   * @param actor the acting account, as the catalog holds it: its id owns the rows it reads and
   *     writes, its name is CURRENT_USER, its role decides what it may do
   * @param params positional parameter values ($1 is params.get(0))
   */
  public Action analyze(Statement statement, UserDef actor, List<Object> params) {
    Role role = actor.role();
    if (statement instanceof Statement.CreateNamespace s) {
      return createNamespace(s, role);
    }
    if (statement instanceof Statement.DropNamespace s) {
      return dropNamespace(s, role);
    }
    if (statement instanceof Statement.CreateTable s) {
      return createTable(s, role);
    }
    if (statement instanceof Statement.DropTable s) {
      return dropTable(s, role);
    }
    if (statement instanceof Statement.ShowNamespaces s) {
      return showNamespaces();
    }
    if (statement instanceof Statement.ShowTables s) {
      return showTables(s, role);
    }
    if (statement instanceof Statement.DescribeTable s) {
      return describe(s, role);
    }
    if (statement instanceof Statement.CreateUser s) {
      return createUser(s, role);
    }
    if (statement instanceof Statement.AlterUser s) {
      return alterUser(s, actor.name(), role);
    }
    if (statement instanceof Statement.DropUser s) {
      return dropUser(s, actor.name(), role);
    }
    if (statement instanceof Statement.ExecuteAs s) {
      return executeAs(s, actor, params);
    }
    if (statement instanceof Statement.Query s) {
      return query(s, actor, params);
    }
    if (statement instanceof Statement.Insert s) {
      return insert(s, actor, params);
    }
    if (statement instanceof Statement.Update s) {
      return update(s, actor, params);
    }
    if (statement instanceof Statement.Delete s) {
      return delete(s, actor, params);
    }
    if (statement instanceof Statement.Subscribe s) {
      return subscribe(s, actor, params);
    }
    if (statement instanceof Statement.LiveSelect s) {
      return liveSelect(s, actor, params);
    }
    if (statement instanceof Statement.KillLiveQuery s) {
      return killLiveQuery(s, role);
    }
    throw new AssertionError(statement);
  }

  // ---------------------------------------------------------------- namespaces and tables

  private Action createNamespace(Statement.CreateNamespace s, Role role) {
    requireAdmin(role, "create namespace " + s.name());
    checkName(s.name(), "namespace", "create namespace");
    if (s.name().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_EXISTS, "Cannot create namespace system: it is reserved");
    }
    if (catalog.namespace(s.name()).isPresent()) {
      if (s.ifNotExists()) {
        return new Action.Done("CREATE NAMESPACE");
      }
      throw TributaryException.of(
          ErrorCode.NAMESPACE_EXISTS, "Cannot create namespace %s: it already exists", s.name());
    }
    return new Action.CatalogChange(
        "CREATE NAMESPACE",
        List.of(CatalogRecord.namespace(new NamespaceDef(s.name(), env.nowMillis()))),
        List.of());
  }

  private Action dropNamespace(Statement.DropNamespace s, Role role) {
    requireAdmin(role, "drop namespace " + s.name());
    if (s.name().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot drop namespace system: it is reserved");
    }
    if (catalog.namespace(s.name()).isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP NAMESPACE");
      }
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND, "Cannot drop namespace %s: it does not exist", s.name());
    }
    List<TableDef> tables = catalog.tables(s.name());
    if (!tables.isEmpty() && !s.cascade()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_EMPTY,
          "Cannot drop namespace %s: it holds %d table(s); drop them or use CASCADE",
          s.name(),
          tables.size());
    }
    List<CatalogRecord> records = new ArrayList<>();
    for (TableDef t : tables) {
      records.add(CatalogRecord.tombstone(CatalogRecord.Kind.TABLE, t.qualifiedName()));
    }
    records.add(CatalogRecord.tombstone(CatalogRecord.Kind.NAMESPACE, s.name()));
    return new Action.CatalogChange("DROP NAMESPACE", records, tables);
  }

  private Action createTable(Statement.CreateTable s, Role role) {
    String qualified = s.namespace() + "." + s.name();
    String action = "create table " + qualified;
    requireAdmin(role, action);
    checkName(s.name(), "table", action);
    if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: namespace system is reserved", action);
    }
    if (catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND,
          "Cannot %s: namespace %s does not exist",
          action,
          s.namespace());
    }
    if (catalog.table(s.namespace(), s.name()).isPresent()) {
      if (s.ifNotExists()) {
        return new Action.Done("CREATE TABLE");
      }
      throw TributaryException.of(ErrorCode.TABLE_EXISTS, "Cannot %s: it already exists", action);
    }
    if (s.primaryKey().isEmpty()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION, "Cannot %s: a primary key is required", action);
    }
    TableKind kind = s.kind() == null ? TableKind.USER : s.kind();
    Map<String, String> columnsSeen = new LinkedHashMap<>();
    List<ColumnDef> columns = new ArrayList<>();
    for (Statement.ColumnSpec c : s.columns()) {
      checkName(c.name(), "column", action);
      if (c.name().startsWith("_")) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: column names starting with '_' are reserved (%s)",
            action,
            c.name());
      }
      if (columnsSeen.put(c.name(), c.name()) != null) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: column %s is declared twice",
            action,
            c.name());
      }
      boolean key = s.primaryKey().contains(c.name());
      if (key && c.type().kind() == ColumnType.Kind.JSON) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: primary key column %s cannot be JSON",
            action,
            c.name());
      }
      columns.add(
          new ColumnDef(c.name(), c.type(), !(c.notNull() || key), defaultValue(c, action)));
    }
    Set<String> keySeen = new HashSet<>();
    for (String k : s.primaryKey()) {
      if (!columnsSeen.containsKey(k)) {
        throw TributaryException.of(
            ErrorCode.COLUMN_NOT_FOUND,
            "Cannot %s: primary key column %s is not a column of the table",
            action,
            k);
      }
      if (!keySeen.add(k)) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: primary key column %s is listed twice",
            action,
            k);
      }
    }
    Map<String, String> options = validateOptions(kind, s.options(), action);
    TableDef table =
        new TableDef(
            env.nextId(),
            s.namespace(),
            s.name(),
            kind,
            columns,
            s.primaryKey(),
            options,
            env.nowMillis());
    return new Action.CatalogChange("CREATE TABLE", List.of(CatalogRecord.table(table)), List.of());
  }

  private static DefaultValue defaultValue(Statement.ColumnSpec c, String action) {
    if (c.defaultFunction() != null) {
      DefaultValue.Kind kind = DefaultValue.Kind.valueOf(c.defaultFunction());
      ColumnType.Kind type = c.type().kind();
      boolean fits =
          switch (kind) {
            case SNOWFLAKE_ID -> type == ColumnType.Kind.BIGINT;
            case NOW -> type == ColumnType.Kind.TIMESTAMP;
            case UUID_V7 -> type == ColumnType.Kind.UUID || type == ColumnType.Kind.TEXT;
            case CURRENT_USER -> type == ColumnType.Kind.TEXT;
            case LITERAL -> true;
          };
      if (!fits) {
        throw TributaryException.of(
            ErrorCode.TYPE_MISMATCH,
            "Cannot %s: DEFAULT %s() does not fit column %s of type %s",
            action,
            c.defaultFunction(),
            c.name(),
            c.type());
      }
      return DefaultValue.of(kind);
    }
    if (c.defaultLiteral() != null) {
      Object value = c.type().coerce(c.defaultLiteral(), c.name());
      return new DefaultValue(DefaultValue.Kind.LITERAL, c.type().format(value));
    }
    return null;
  }

  private static Map<String, String> validateOptions(
      TableKind kind, Map<String, String> options, String action) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!TABLE_OPTIONS.contains(key)) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: unknown option %s (expected TYPE, FLUSH_POLICY, TTL_SECONDS or"
                + " ACCESS_LEVEL)",
            action,
            key);
      }
      switch (key) {
        case "FLUSH_POLICY" -> {
          if (value.isBlank() || !FLUSH_POLICY.matcher(value.replace(" ", "")).matches()) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: FLUSH_POLICY '%s' must look like 'rows:10000,interval:300'",
                action,
                value);
          }
          if (kind == TableKind.STREAM) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: STREAM tables never flush to cold storage",
                action);
          }
        }
        case "TTL_SECONDS" -> {
          if (kind != TableKind.STREAM) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: TTL_SECONDS applies to STREAM tables only",
                action);
          }
          long ttl;
          try {
            ttl = Long.parseLong(value);
          } catch (NumberFormatException ex) {
            ttl = -1;
          }
          if (ttl <= 0) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: TTL_SECONDS must be a positive number of seconds, not '%s'",
                action,
                value);
          }
        }
        case "ACCESS_LEVEL" -> {
          if (kind != TableKind.SHARED) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: ACCESS_LEVEL applies to SHARED tables only",
                action);
          }
          value = SharedAccess.parse(value).sqlName();
        }
        default -> throw new AssertionError(key);
      }
      out.put(key, value);
    }
    if (kind == TableKind.STREAM && !out.containsKey("TTL_SECONDS")) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION, "Cannot %s: a STREAM table needs TTL_SECONDS", action);
    }
    return out;
  }

  private Action dropTable(Statement.DropTable s, Role role) {
    String action = "drop table " + s.namespace() + "." + s.name();
    requireAdmin(role, action);
    if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables cannot be dropped", action);
    }
    var table = catalog.table(s.namespace(), s.name());
    if (table.isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP TABLE");
      }
      throw TributaryException.of(
          ErrorCode.TABLE_NOT_FOUND, "Cannot %s: it does not exist", action);
    }
    return new Action.CatalogChange(
        "DROP TABLE",
        List.of(CatalogRecord.tombstone(CatalogRecord.Kind.TABLE, table.get().qualifiedName())),
        List.of(table.get()));
  }

  private Action showNamespaces() {
    List<Object[]> rows = new ArrayList<>();
    for (NamespaceDef ns : catalog.namespaces()) {
      rows.add(new Object[] {ns.name()});
    }
    return new Action.Result(
        new QueryResult(List.of(new ResultColumn("namespace", ColumnType.TEXT, false)), rows));
  }

  private Action showTables(Statement.ShowTables s, Role role) {
    if (s.namespace() != null && catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND,
          "Cannot show tables in %s: namespace does not exist",
          s.namespace());
    }
    List<Object[]> rows = new ArrayList<>();
    for (TableDef t : catalog.tables(s.namespace())) {
      if (role.mayRead(t)) {
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

  private Action describe(Statement.DescribeTable s, Role role) {
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
    if (!role.mayRead(table)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot describe table %s: role user may not read this SHARED table (access level"
              + " private)",
          table.qualifiedName());
    }
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

  // ---------------------------------------------------------------- users

  private Action createUser(Statement.CreateUser s, Role role) {
    String action = "create user " + s.name();
    requireAdmin(role, action);
    if (!USER_NAME.matcher(s.name()).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: a user name is 1-128 letters, digits or _ . @ -",
          action);
    }
    if (s.role() == Role.SYSTEM && role != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only role system may create system users",
          action);
    }
    checkPassword(s.password(), action);
    if (catalog.user(s.name()).isPresent()) {
      throw TributaryException.of(ErrorCode.USER_EXISTS, "Cannot %s: it already exists", action);
    }
    UserDef user =
        new UserDef(
            newUserId(), s.name(), s.role(), env.hashPassword(s.password()), env.nowMillis(), 0);
    return new Action.CatalogChange("CREATE USER", List.of(CatalogRecord.user(user)), List.of());
  }

  /**
   * A new account id: a snowflake id of the accepting node, in decimal. Never one an account of the
   * catalog holds, not even a legacy account whose id is its (numeric) name.
   */
  private String newUserId() {
    String id;
    do {
      id = Long.toString(env.nextId());
    } while (catalog.userById(id).isPresent());
    return id;
  }

  private Action alterUser(Statement.AlterUser s, String actor, Role role) {
    String action = "alter user " + s.name();
    boolean self = s.name().equals(actor);
    if (!(role.administers() || (self && s.password() != null))) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may only change its own password",
          action,
          role.sqlName());
    }
    UserDef existing =
        catalog
            .user(s.name())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.USER_NOT_FOUND, "Cannot %s: it does not exist", action));
    if (!self && existing.role() == Role.SYSTEM && role != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only role system may alter system users",
          action);
    }
    UserDef updated;
    if (s.password() != null) {
      checkPassword(s.password(), action);
      // The next credential version revokes every token issued before this change.
      updated = existing.withPassword(env.hashPassword(s.password()));
    } else {
      if (s.role() == Role.SYSTEM && role != Role.SYSTEM) {
        throw TributaryException.of(
            ErrorCode.PERMISSION_DENIED,
            "Cannot %s: only role system may grant role system",
            action);
      }
      if (self && s.role() != existing.role()) {
        throw TributaryException.of(
            ErrorCode.PERMISSION_DENIED, "Cannot %s: a user cannot change their own role", action);
      }
      updated = existing.withRole(s.role());
    }
    return new Action.CatalogChange("ALTER USER", List.of(CatalogRecord.user(updated)), List.of());
  }

  private Action dropUser(Statement.DropUser s, String actor, Role role) {
    String action = "drop user " + s.name();
    requireAdmin(role, action);
    var existing = catalog.user(s.name());
    if (existing.isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP USER");
      }
      throw TributaryException.of(ErrorCode.USER_NOT_FOUND, "Cannot %s: it does not exist", action);
    }
    if (s.name().equals(actor)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: a user cannot drop themselves", action);
    }
    if (existing.get().role() == Role.SYSTEM && role != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: only role system may drop system users", action);
    }
    // The account's rows of every USER and STREAM table go with it; its id is never reused, so
    // even rows the purge has not reached yet are out of every other account's reach.
    List<WriteCommand.PurgeTable> purges = new ArrayList<>();
    for (TableDef table : catalog.tables(null)) {
      if (table.kind() != TableKind.SHARED) {
        purges.add(new WriteCommand.PurgeTable(env.requestId(), table.id(), existing.get().id()));
      }
    }
    return new Action.CatalogChange(
        "DROP USER",
        List.of(CatalogRecord.tombstone(CatalogRecord.Kind.USER, s.name())),
        List.of(),
        purges);
  }

  private static void checkPassword(String password, String action) {
    if (password.length() < 8 || password.length() > 72) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot %s: a password must have 8 to 72 characters", action);
    }
  }

  private Action executeAs(Statement.ExecuteAs s, UserDef actor, List<Object> params) {
    Role role = actor.role();
    String action = "execute as user " + s.user();
    if (!role.actsForOthers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only roles service, dba and system may act for other users",
          action);
    }
    UserDef target =
        catalog
            .user(s.user())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.USER_NOT_FOUND, "Cannot %s: the user does not exist", action));
    if (target.role().compareTo(role) > 0) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not act as a user with role %s",
          action,
          role.sqlName(),
          target.role().sqlName());
    }
    if (!isDataStatement(s.inner())) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot %s: EXECUTE AS USER runs only data statements (SELECT, INSERT, UPDATE, DELETE,"
              + " SUBSCRIBE), not %s",
          action,
          statementName(s.inner()));
    }
    return analyze(s.inner(), target, params);
  }

  /**
   * Whether a statement only reads or writes rows (what EXECUTE AS USER may run): never one that
   * changes the catalog or accounts, so acting for a user cannot take over their account.
   */
  private static boolean isDataStatement(Statement statement) {
    return statement instanceof Statement.Query
        || statement instanceof Statement.Insert
        || statement instanceof Statement.Update
        || statement instanceof Statement.Delete
        || statement instanceof Statement.Subscribe
        || statement instanceof Statement.LiveSelect;
  }

  /** A statement's kind in SQL words: {@code AlterUser} is "ALTER USER". */
  private static String statementName(Statement statement) {
    return statement
        .getClass()
        .getSimpleName()
        .replaceAll("(?<=[a-z])(?=[A-Z])", " ")
        .toUpperCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- queries and writes

  private Action query(Statement.Query s, UserDef actor, List<Object> params) {
    List<Object> bound = new ArrayList<>();
    for (int index : s.paramMap()) {
      bound.add(param(params, index, "run query"));
    }
    Inliner inliner = new Inliner(actor.name(), null, params, true);
    SqlNode rewritten = s.node().accept(inliner);
    String sql = inliner.replaced ? SqlParsing.unparse(rewritten) : s.sql();
    return new Action.Read(sql, bound, actor.name(), actor.role(), actor.id());
  }

  private Action insert(Statement.Insert s, UserDef actor, List<Object> params) {
    TableDef table = resolveTarget(s.node().getTargetTable(), "insert into");
    String action = "insert into " + table.qualifiedName();
    authorizeWrite(table, actor.role(), action);
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
    List<byte[]> encoded = new ArrayList<>(rowNodes.size());
    List<ColumnType> types = table.types();
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
      encoded.add(RowCodec.encode(types, row));
    }
    String owner = ownerOf(table, actor);
    return new Action.Write(
        table, owner, new WriteCommand.InsertRows(env.requestId(), table.id(), owner, encoded));
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

  private static Object literalValue(SqlLiteral literal) {
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

  private Action update(Statement.Update s, UserDef actor, List<Object> params) {
    SqlUpdate node = s.node();
    TableDef table = resolveTarget(node.getTargetTable(), "update");
    String action = "update " + table.qualifiedName();
    authorizeWrite(table, actor.role(), action);
    if (node.getAlias() != null) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT, "Cannot %s: table aliases are not supported", action);
    }
    Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
    List<String> columns = new ArrayList<>();
    List<String> expressions = new ArrayList<>();
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
      Expressions.expression(table, sql, def.type(), name); // validates before anything is logged
      columns.add(name);
      expressions.add(sql);
    }
    String where = where(node.getCondition(), table, inliner);
    String owner = ownerOf(table, actor);
    return new Action.Write(
        table,
        owner,
        new WriteCommand.UpdateRows(
            env.requestId(), table.id(), owner, where, columns, expressions));
  }

  private Action delete(Statement.Delete s, UserDef actor, List<Object> params) {
    SqlDelete node = s.node();
    TableDef table = resolveTarget(node.getTargetTable(), "delete from");
    String action = "delete from " + table.qualifiedName();
    authorizeWrite(table, actor.role(), action);
    if (node.getAlias() != null) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_STATEMENT, "Cannot %s: table aliases are not supported", action);
    }
    Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
    String where = where(node.getCondition(), table, inliner);
    String owner = ownerOf(table, actor);
    return new Action.Write(
        table, owner, new WriteCommand.DeleteRows(env.requestId(), table.id(), owner, where));
  }

  private static String where(SqlNode condition, TableDef table, Inliner inliner) {
    if (condition == null) {
      return null;
    }
    String sql = SqlParsing.unparse(condition.accept(inliner));
    Expressions.predicate(table, sql); // validates before anything is logged
    return sql;
  }

  // ---------------------------------------------------------------- live queries

  private Action subscribe(Statement.Subscribe s, UserDef actor, List<Object> params) {
    String action = "subscribe to " + s.namespace() + "." + s.table();
    TableDef table = subscribable(s.namespace(), s.table(), actor.role(), action);
    LiveOptions options = liveOptions(s.options(), action, true);
    String owner = ownerOf(table, actor);
    Filter filter = filter(table, s.where(), s.paramMap(), actor.name(), params);
    return new Action.Subscribe(
        new LiveQuery(
            table,
            owner,
            filter.sql(),
            filter.predicate(),
            filter.equalities(),
            options.lastRows(),
            options.fromSeq(),
            options.batchSize()),
        actor.name(),
        actor.role(),
        actor.id());
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
    if (table.kind() == TableKind.SHARED
        && role == Role.USER
        && table.sharedAccess() == SharedAccess.PRIVATE) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role user may not read this SHARED table (access level private)",
          action);
    }
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
    return new Filter(whereSql, Expressions.predicate(table, parsed), equalities(table, parsed));
  }

  /**
   * A live {@code SELECT columns FROM ns.t [WHERE ...] [ORDER BY columns [ASC|DESC] [NULLS
   * FIRST|LAST]] [LIMIT n]}: a SUBSCRIBE TO with a projection, an initial order and, with LIMIT, a
   * window of the first n rows. LIMIT without ORDER BY orders by the primary key.
   */
  private Action liveSelect(Statement.LiveSelect s, UserDef actor, List<Object> params) {
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
            limit),
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

  private static void conjuncts(SqlNode node, List<SqlNode> out) {
    if (node.getKind() == SqlKind.AND && node instanceof SqlCall call) {
      for (SqlNode operand : call.getOperandList()) {
        conjuncts(operand, out);
      }
    } else {
      out.add(node);
    }
  }

  private static LiveQuery.Equality equality(TableDef table, SqlNode column, SqlNode value) {
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

  private static Action killLiveQuery(Statement.KillLiveQuery s, Role role) {
    String action = "kill live query '" + s.id() + "'";
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not kill live queries (dba or system required)",
          action,
          role.sqlName());
    }
    if (s.id().isBlank()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot kill live query: the id is empty");
    }
    return new Action.KillLiveQuery(s.id());
  }

  /** The owner of the rows an account reads and writes: its id, or null for a SHARED table. */
  private static String ownerOf(TableDef table, UserDef actor) {
    return table.kind() == TableKind.SHARED ? null : actor.id();
  }

  private static void authorizeWrite(TableDef table, Role role, String action) {
    if (table.kind() == TableKind.SHARED
        && role == Role.USER
        && table.sharedAccess() != SharedAccess.PUBLIC) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role user may not write SHARED table %s (access level %s)",
          action,
          table.qualifiedName(),
          table.sharedAccess().sqlName());
    }
  }

  private TableDef resolveTarget(SqlNode target, String verb) {
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

  private TableDef resolve(String namespace, String name, String verb) {
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

  private static String simpleName(SqlNode node, String action) {
    if (node instanceof SqlIdentifier id && id.isSimple()) {
      return id.getSimple();
    }
    throw TributaryException.of(
        ErrorCode.INVALID_ARGUMENT, "Cannot %s: expected a column name, found %s", action, node);
  }

  private static void requireAdmin(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not change the catalog (dba or system required)",
          action,
          role.sqlName());
    }
  }

  private static void checkName(String name, String what, String action) {
    if (!NAME.matcher(name).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: '%s' is not a valid %s name (letters, digits and _, starting with a letter"
              + " or _)",
          action,
          name,
          what);
    }
  }

  private static Object param(List<Object> params, int index, String action) {
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

  /**
   * Replaces parameters (for writes) and non-deterministic functions (always) by literals, so the
   * SQL written into a command means the same thing wherever it is applied.
   */
  private final class Inliner extends SqlShuttle {
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
