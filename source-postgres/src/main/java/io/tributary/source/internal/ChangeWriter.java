package io.tributary.source.internal;

import io.tributary.log.Log;
import io.tributary.log.LogPosition;
import io.tributary.log.LogRoute;
import io.tributary.query.Action;
import io.tributary.query.Analyzer;
import io.tributary.query.Environment;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.parse.Statement;
import io.tributary.query.parse.StatementCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Turns one source change into a write command and appends it: the change becomes an INSERT, UPDATE
 * or DELETE statement with parameters (for a USER table inside EXECUTE AS USER of the row's owner),
 * analyzed exactly as a client's statement is — defaults, types, NOT NULL, the owner's account — so
 * a source writes nothing a client could not. Not thread-safe: one per stream.
 */
final class ChangeWriter {
  /** The account source commands are analyzed as: it may write every table and act for anyone. */
  private static final UserDef SOURCE_ACTOR =
      new UserDef("_tributary_source", Role.SYSTEM, null, 0);

  /** Asked before each command is appended. */
  interface RouteGuard {
    /**
     * @return false when the command is in the log already (it is not appended again)
     */
    boolean shouldAppend(LogRoute route, String requestId);
  }

  private final Log log;
  private final Analyzer analyzer;
  private RouteGuard guard = (route, requestId) -> true;
  private final StatementCache parsed = new StatementCache(256, 16_384);
  private final SourceEnvironment env;

  ChangeWriter(Catalog catalog, Log log, Environment nodeEnv) {
    this.log = log;
    this.env = new SourceEnvironment(nodeEnv);
    this.analyzer = new Analyzer(catalog, env);
  }

  void guard(RouteGuard guard) {
    this.guard = guard;
  }

  /** The source and end LSN a source command's request id names, or -1 for another command. */
  static long lsnOf(String requestId, String source) {
    String prefix = "source/" + source + "/";
    if (requestId == null || !requestId.startsWith(prefix)) {
      return -1;
    }
    String rest = requestId.substring(prefix.length());
    int slash = rest.indexOf('/');
    try {
      return slash < 0 ? -1 : Long.parseLong(rest.substring(0, slash));
    } catch (NumberFormatException e) {
      return -1; // a copy's command: source/<name>/copy/...
    }
  }

  /**
   * Names the next commands' request ids {@code prefix/0}, {@code prefix/1}, ...: a source names
   * them by its name and the change's position, so a command says where it came from.
   */
  void requestIds(String prefix) {
    env.prefix = prefix;
    env.counter = 0;
  }

  /**
   * Appends an INSERT of {@code columns} = {@code values}.
   *
   * @param owner the name of the owning user (USER table), or null (SHARED table)
   * @return the append (completed with null when the command was in the log already), or null when
   *     the owner is not a user (the row is skipped)
   */
  CompletableFuture<LogPosition> insert(
      TableDef table, String owner, List<String> columns, List<Object> values) {
    return append(insertSql(table, columns), owner, values);
  }

  /**
   * Checks an INSERT as {@link #insert} would make it, and appends nothing.
   *
   * @return false when the owner is not a user (insert would skip the row)
   * @throws TributaryException when Tributary refuses the row (a value that does not fit, a NULL
   *     into NOT NULL)
   */
  boolean checkInsert(TableDef table, String owner, List<String> columns, List<Object> values) {
    return analyze(insertSql(table, columns), owner, values) != null;
  }

  private String insertSql(TableDef table, List<String> columns) {
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(name(table)).append(" (");
    StringBuilder vals = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(quote(columns.get(i)));
      vals.append(i == 0 ? "$" : ", $").append(i + 1);
    }
    sql.append(") VALUES (").append(vals).append(')');
    return sql.toString();
  }

  /** Appends an UPDATE setting {@code columns} where the key columns equal {@code keyValues}. */
  CompletableFuture<LogPosition> update(
      TableDef table,
      String owner,
      List<String> columns,
      List<Object> values,
      List<String> keys,
      List<Object> keyValues) {
    StringBuilder sql = new StringBuilder("UPDATE ").append(name(table)).append(" SET ");
    List<Object> params = new ArrayList<>(values);
    for (int i = 0; i < columns.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(quote(columns.get(i))).append(" = $").append(i + 1);
    }
    where(sql, keys, params, keyValues);
    return append(sql.toString(), owner, params);
  }

  /** Appends a DELETE of the row whose key columns equal {@code keyValues}. */
  CompletableFuture<LogPosition> delete(
      TableDef table, String owner, List<String> keys, List<Object> keyValues) {
    StringBuilder sql = new StringBuilder("DELETE FROM ").append(name(table));
    List<Object> params = new ArrayList<>();
    where(sql, keys, params, keyValues);
    return append(sql.toString(), owner, params);
  }

  private static void where(
      StringBuilder sql, List<String> keys, List<Object> params, List<Object> keyValues) {
    sql.append(" WHERE ");
    for (int i = 0; i < keys.size(); i++) {
      params.add(keyValues.get(i));
      sql.append(i == 0 ? "" : " AND ").append(quote(keys.get(i))).append(" = $");
      sql.append(params.size());
    }
  }

  private CompletableFuture<LogPosition> append(String sql, String owner, List<Object> params) {
    Action.Write w = analyze(sql, owner, params);
    if (w == null) {
      return null;
    }
    WriteCommand command = w.command();
    if (command.accepted() != null && command.accepted().delegation() != null) {
      // the owner's rights and rows, but no delegation to audit: no person acted for the owner,
      // and every replicated change would add a system.audit row
      command = command.withAccepted(command.accepted().delegatedBy(null));
    }
    LogRoute route =
        w.owner() == null
            ? log.topics().sharedWrite(w.table().id(), w.partitionValue())
            : log.topics().userWrite(w.owner());
    if (!guard.shouldAppend(route, command.requestId())) {
      return CompletableFuture.completedFuture(null);
    }
    return log.writer().append(route, CommandCodec.encode(command));
  }

  /** The statement's write, or null when the owner is not a user. */
  private Action.Write analyze(String sql, String owner, List<Object> params) {
    Statement statement = parsed.parse(sql);
    if (owner != null) {
      statement = new Statement.ExecuteAs(owner, statement);
    }
    Action action;
    try {
      action = analyzer.analyze(statement, SOURCE_ACTOR, params);
    } catch (TributaryException e) {
      if (owner != null && e.code() == ErrorCode.USER_NOT_FOUND) {
        return null;
      }
      throw e;
    }
    if (!(action instanceof Action.Write w)) {
      throw new TributaryException(
          ErrorCode.INTERNAL, "Cannot write a source change: the statement made no write");
    }
    return w;
  }

  private static String name(TableDef table) {
    return quote(table.namespace()) + "." + quote(table.name());
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  /** The node's environment, with request ids that name the source change. */
  private static final class SourceEnvironment implements Environment {
    private final Environment node;
    private String prefix;
    private int counter;

    SourceEnvironment(Environment node) {
      this.node = node;
    }

    @Override
    public long nowMillis() {
      return node.nowMillis();
    }

    @Override
    public long nextId() {
      return node.nextId();
    }

    @Override
    public String uuidV7() {
      return node.uuidV7();
    }

    @Override
    public String requestId() {
      return prefix == null ? node.requestId() : prefix + "/" + counter++;
    }

    @Override
    public String hashPassword(String password) {
      return node.hashPassword(password);
    }
  }
}
