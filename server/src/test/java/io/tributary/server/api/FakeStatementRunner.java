package io.tributary.server.api;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.server.Principal;
import io.tributary.server.StatementOutcome;
import io.tributary.server.StatementRunner;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted runner for API and CLI tests. Users: {@code alice/secret} (user), {@code root/rootpw}
 * (system). Statements, split on ';' outside quotes, without comments:
 *
 * <ul>
 *   <li>{@code SELECT NUMBERS}: id BIGINT, name TEXT, price DECIMAL(10,2), two rows;
 *   <li>{@code SELECT ALL TYPES}: one column per type, a row of values and a row of NULLs;
 *   <li>{@code SELECT TRICKY}: text needing quotes in CSV and JSON;
 *   <li>{@code SELECT EMPTY}: no rows;
 *   <li>{@code INSERT ...}: 2 rows affected; {@code CREATE ...}: done "CREATE TABLE";
 *   <li>{@code WHOAMI}: the principal's user and role;
 *   <li>{@code BOOM}: throws an unexpected exception;
 *   <li>anything else: a SYNTAX_ERROR at line 1, column 1, which ends the request.
 * </ul>
 */
public final class FakeStatementRunner implements StatementRunner {
  public static final ResultColumn[] ALL_TYPE_COLUMNS = {
    new ResultColumn("b", ColumnType.BOOLEAN, true),
    new ResultColumn("i", ColumnType.INT, true),
    new ResultColumn("l", ColumnType.BIGINT, true),
    new ResultColumn("d", ColumnType.DOUBLE, true),
    new ResultColumn("m", ColumnType.decimal(10, 2), true),
    new ResultColumn("t", ColumnType.TEXT, true),
    new ResultColumn("y", ColumnType.BYTES, true),
    new ResultColumn("j", ColumnType.JSON, true),
    new ResultColumn("ts", ColumnType.TIMESTAMP, true),
    new ResultColumn("dt", ColumnType.DATE, true),
    new ResultColumn("u", ColumnType.UUID, false),
  };

  /** The canonical values of the first row of {@code SELECT ALL TYPES}. */
  public static final Object[] ALL_TYPE_VALUES = {
    true,
    -7,
    9_007_199_254_740_993L,
    2.5,
    new BigDecimal("12.50"),
    "héllo",
    "hi".getBytes(StandardCharsets.UTF_8),
    "{\"a\": [1, 2]}",
    1_700_000_000_123L,
    19_700,
    "123e4567-e89b-12d3-a456-426614174000",
  };

  public final List<List<Object>> params = new CopyOnWriteArrayList<>();
  public final List<Principal> principals = new CopyOnWriteArrayList<>();

  /** Account ids whose tokens {@link #revalidate} refuses, as if they had been dropped. */
  public final java.util.Set<String> dropped = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @Override
  public List<StatementOutcome> execute(Principal principal, String sql, List<Object> params) {
    principals.add(principal);
    this.params.add(params);
    List<StatementOutcome> outcomes = new ArrayList<>();
    for (String part : split(sql)) {
      String statement = part.strip();
      if (statement.isEmpty()) {
        continue;
      }
      StatementOutcome outcome = run(principal, statement);
      outcomes.add(outcome);
      if (outcome instanceof StatementOutcome.Failed) {
        break;
      }
    }
    return outcomes;
  }

  /** Splits on ';' outside single quotes, dropping {@code --} comments. */
  private static List<String> split(String sql) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '-' && sql.startsWith("--", i)) {
        int nl = sql.indexOf('\n', i);
        i = nl < 0 ? sql.length() : nl;
        continue;
      } else if (!quoted && c == ';') {
        parts.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    parts.add(current.toString());
    return parts;
  }

  private static StatementOutcome run(Principal principal, String statement) {
    String s = statement.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    if (s.equals("SELECT NUMBERS")) {
      return rows(
          statement,
          List.of(
              new ResultColumn("id", ColumnType.BIGINT, false),
              new ResultColumn("name", ColumnType.TEXT, true),
              new ResultColumn("price", ColumnType.decimal(10, 2), true)),
          new Object[] {1L, "apple", new BigDecimal("1.50")},
          new Object[] {22L, null, new BigDecimal("10.00")});
    }
    if (s.equals("SELECT ALL TYPES")) {
      Object[] nulls = new Object[ALL_TYPE_COLUMNS.length];
      nulls[nulls.length - 1] = ALL_TYPE_VALUES[nulls.length - 1];
      return rows(statement, Arrays.asList(ALL_TYPE_COLUMNS), ALL_TYPE_VALUES.clone(), nulls);
    }
    if (s.equals("SELECT TRICKY")) {
      return rows(
          statement,
          List.of(new ResultColumn("a,b", ColumnType.TEXT, true)),
          new Object[] {"say \"hi\", then\nleave"},
          new Object[] {""},
          new Object[] {null});
    }
    if (s.equals("SELECT EMPTY")) {
      return rows(statement, List.of(new ResultColumn("x", ColumnType.INT, true)));
    }
    if (s.equals("WHOAMI")) {
      return rows(
          statement,
          List.of(
              new ResultColumn("user", ColumnType.TEXT, false),
              new ResultColumn("role", ColumnType.TEXT, false)),
          new Object[] {principal.user(), principal.role().sqlName()});
    }
    if (s.startsWith("INSERT")) {
      return new StatementOutcome.Affected(statement, 2);
    }
    if (s.startsWith("CREATE")) {
      return new StatementOutcome.Done(statement, "CREATE TABLE");
    }
    if (s.equals("BOOM")) {
      throw new IllegalStateException("boom: a bug in the runner");
    }
    return new StatementOutcome.Failed(
        statement,
        new TributaryException(
            ErrorCode.SYNTAX_ERROR,
            "Cannot parse statement: unexpected '" + statement.split(" ")[0] + "'",
            1,
            1,
            null));
  }

  private static StatementOutcome rows(
      String statement, List<ResultColumn> columns, Object[]... rows) {
    return new StatementOutcome.Rows(statement, new QueryResult(columns, List.of(rows)));
  }

  @Override
  public Principal authenticate(String user, String password) {
    if (user.equals("alice") && password.equals("secret")) {
      return new Principal("id-alice", "alice", Role.USER, 0);
    }
    if (user.equals("root") && password.equals("rootpw")) {
      return new Principal("id-root", "root", Role.SYSTEM, 0);
    }
    throw new TributaryException(
        ErrorCode.AUTHENTICATION_FAILED, "Cannot log in: wrong user or password");
  }

  @Override
  public Principal revalidate(Principal principal) {
    if (dropped.contains(principal.userId())) {
      throw TributaryException.of(
          ErrorCode.UNAUTHENTICATED,
          "Cannot authenticate: the account of user %s was dropped",
          principal.user());
    }
    return principal;
  }
}
