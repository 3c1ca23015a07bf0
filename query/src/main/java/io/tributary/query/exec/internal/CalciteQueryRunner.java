package io.tributary.query.exec.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.RowSource;
import io.tributary.query.expr.internal.SqlErrors;
import io.tributary.query.expr.internal.TributaryTypeSystem;
import io.tributary.query.parse.DialectParser;
import io.tributary.query.parse.SqlParsing;
import java.sql.SQLException;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.calcite.config.CalciteConnectionProperty;
import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * Runs queries through Calcite's JDBC driver. Connections ({@link QuerySession}s) are pooled: each
 * serves one query at a time, has one sub-schema per namespace plus {@code system} (Calcite's own
 * {@code metadata} schema removed, so a query sees only the catalog) and keeps the statements it
 * prepared, so a repeated query (typically with {@code ?} parameters) skips Calcite's planning.
 */
public final class CalciteQueryRunner {
  private static final Properties CONNECTION_PROPERTIES = new Properties();

  static {
    Properties p = CONNECTION_PROPERTIES;
    p.setProperty(CalciteConnectionProperty.LEX.camelName(), Lex.JAVA.name());
    p.setProperty(CalciteConnectionProperty.CASE_SENSITIVE.camelName(), "true");
    p.setProperty(CalciteConnectionProperty.TIME_ZONE.camelName(), "UTC");
    p.setProperty(
        CalciteConnectionProperty.CONFORMANCE.camelName(), SqlConformanceEnum.DEFAULT.name());
    p.setProperty(
        CalciteConnectionProperty.PARSER_FACTORY.camelName(),
        DialectParser.class.getName() + "#FACTORY");
    p.setProperty(
        CalciteConnectionProperty.TYPE_SYSTEM.camelName(),
        TributaryTypeSystem.class.getName() + "#INSTANCE");
    p.setProperty(CalciteConnectionProperty.MATERIALIZATIONS_ENABLED.camelName(), "false");
    p.setProperty(CalciteConnectionProperty.CREATE_MATERIALIZATIONS.camelName(), "false");
  }

  private static final String ACTION = "run query";
  private static final int MAX_STATEMENTS_PER_SESSION = 64;
  private static final int MAX_IDLE_SESSIONS =
      Math.max(2, Runtime.getRuntime().availableProcessors());

  private final Catalog catalog;
  private final Deque<QuerySession> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  public CalciteQueryRunner(Catalog catalog) {
    this.catalog = catalog;
  }

  public QueryResult select(String sql, List<Object> params, RowSource source) {
    SystemNamespaceQuoting.Rewritten rewritten = SystemNamespaceQuoting.rewrite(sql);
    try {
      return run(rewritten.sql(), params == null ? List.of() : params, source);
    } catch (TributaryException e) {
      throw rewritten.restore(e);
    }
  }

  private QueryResult run(String sql, List<Object> params, RowSource source) {
    QuerySession session = borrow();
    boolean reusable = false;
    try {
      if (!session.isPrepared(sql)) {
        // Parse with the dialect's own configuration first: the same syntax errors as every other
        // statement, and only queries reach Calcite's JDBC driver.
        SqlNode parsed = SqlParsing.parseStatement(sql);
        if (!parsed.getKind().belongsTo(SqlKind.QUERY)) {
          throw new TributaryException(
              ErrorCode.UNSUPPORTED_STATEMENT,
              "Cannot run query: expected a SELECT, VALUES or set operation, not "
                  + parsed.getKind().sql);
        }
      }
      QueryResult result = session.run(sql, params, source);
      reusable = true;
      return result;
    } catch (TributaryException e) {
      reusable = e.code() != ErrorCode.INTERNAL;
      throw e;
    } catch (Exception | Error e) {
      if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
        throw (Error) e;
      }
      TributaryException translated = SqlErrors.translate(e, ACTION, sql, null);
      reusable = translated.code() != ErrorCode.INTERNAL;
      throw translated;
    } finally {
      release(session, reusable);
    }
  }

  private QuerySession borrow() {
    QuerySession session = idle.pollFirst();
    if (session != null) {
      idleCount.decrementAndGet();
      return session;
    }
    try {
      return new QuerySession(catalog, CONNECTION_PROPERTIES, MAX_STATEMENTS_PER_SESSION);
    } catch (SQLException e) {
      throw SqlErrors.translate(e, ACTION, null, null);
    }
  }

  private void release(QuerySession session, boolean reusable) {
    if (reusable && idleCount.incrementAndGet() <= MAX_IDLE_SESSIONS) {
      idle.addFirst(session);
      return;
    }
    if (reusable) {
      idleCount.decrementAndGet();
    }
    session.close();
  }
}
