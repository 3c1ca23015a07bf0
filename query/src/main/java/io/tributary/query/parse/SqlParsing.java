package io.tributary.query.parse;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * The one Calcite parser configuration of the dialect ({@code Lex.JAVA}: identifiers keep their
 * case, back-tick quoting) and the matching unparser, so SQL text written into commands parses back
 * to the same tree.
 */
public final class SqlParsing {
  private static final SqlParser.Config CONFIG =
      SqlParser.config()
          .withLex(Lex.JAVA)
          .withConformance(SqlConformanceEnum.DEFAULT)
          .withIdentifierMaxLength(256);

  private static final SqlDialect DIALECT =
      new SqlDialect(
          SqlDialect.EMPTY_CONTEXT
              .withDatabaseProduct(SqlDialect.DatabaseProduct.CALCITE)
              .withIdentifierQuoteString("`")
              .withQuotedCasing(Casing.UNCHANGED)
              .withUnquotedCasing(Casing.UNCHANGED)
              .withCaseSensitive(true));

  private SqlParsing() {}

  public static SqlParser.Config config() {
    return CONFIG;
  }

  public static Quoting quoting() {
    return CONFIG.quoting();
  }

  /** Parses one standard SQL statement (query, INSERT, UPDATE, DELETE). */
  public static SqlNode parseStatement(String sql) {
    try {
      return SqlParser.create(sql, CONFIG).parseStmt();
    } catch (SqlParseException e) {
      throw syntaxError(e);
    }
  }

  /** Parses one SQL expression (a WHERE clause, a SET value, a DEFAULT). */
  public static SqlNode parseExpression(String sql) {
    try {
      return SqlParser.create(sql, CONFIG).parseExpression();
    } catch (SqlParseException e) {
      throw syntaxError(e);
    }
  }

  /** SQL text of a tree, in the form {@link #parseExpression} and {@link #parseStatement} read. */
  public static String unparse(SqlNode node) {
    return node.toSqlString(c -> c.withDialect(DIALECT).withAlwaysUseParentheses(false)).getSql();
  }

  public static TributaryException syntaxError(SqlParseException e) {
    int line = e.getPos() == null ? 0 : e.getPos().getLineNum();
    int column = e.getPos() == null ? 0 : e.getPos().getColumnNum();
    String reason = e.getMessage() == null ? "invalid syntax" : firstLine(e.getMessage());
    return new TributaryException(
        ErrorCode.SYNTAX_ERROR, "Cannot parse statement: " + reason, line, column, e);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl).trim();
  }
}
