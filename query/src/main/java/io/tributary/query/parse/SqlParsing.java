package io.tributary.query.parse;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlDialect;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlAbstractParserImpl;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * The one Calcite parser configuration of the dialect ({@code Lex.JAVA}: identifiers keep their
 * case, back-tick quoting; the {@link DialectParser}: {@code %} and the dialect's type names) and
 * the matching unparser, so SQL text written into commands parses back to the same tree.
 */
public final class SqlParsing {
  private static final SqlParser.Config CONFIG =
      SqlParser.config()
          .withLex(Lex.JAVA)
          .withConformance(SqlConformanceEnum.DEFAULT)
          .withParserFactory(DialectParser.FACTORY)
          .withIdentifierMaxLength(256);

  private static final Pattern ENCOUNTERED_KEYWORD =
      Pattern.compile("Incorrect syntax near the keyword '(.+?)' at line \\d+, column \\d+\\.?");

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

  /** The parser's metadata, built once: it costs a parse of every keyword. */
  private static final class Metadata {
    static final SqlAbstractParserImpl.Metadata INSTANCE =
        SqlParser.create("", CONFIG).getMetadata();
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

  /**
   * Whether {@code word}, written without quotes, is a reserved word of the grammar, so that it
   * cannot name a namespace, table or column unquoted ({@code at}, {@code by}, {@code value}).
   */
  public static boolean isReservedWord(String word) {
    return Metadata.INSTANCE.isReservedWord(word.toUpperCase(Locale.ROOT));
  }

  /** SQL text of a tree, in the form {@link #parseExpression} and {@link #parseStatement} read. */
  public static String unparse(SqlNode node) {
    return node.toSqlString(c -> c.withDialect(DIALECT).withAlwaysUseParentheses(false)).getSql();
  }

  public static TributaryException syntaxError(SqlParseException e) {
    int line = e.getPos() == null ? 0 : e.getPos().getLineNum();
    int column = e.getPos() == null ? 0 : e.getPos().getColumnNum();
    String position = line > 0 ? " at line " + line + ", column " + column : "";
    String reason = e.getMessage() == null ? "invalid syntax" : firstLine(e.getMessage());
    // Calcite's wording for a few common mistakes, in the dialect's own terms.
    Matcher keyword = ENCOUNTERED_KEYWORD.matcher(reason);
    if (keyword.matches()) {
      reason = "unexpected keyword " + keyword.group(1) + position;
    } else if (reason.startsWith("Non-query expression encountered in illegal context")) {
      reason = "expected a query (SELECT, VALUES, ...) or a statement" + position;
    } else if (reason.equals("invalid syntax")) {
      reason += position;
    }
    return new TributaryException(
        ErrorCode.SYNTAX_ERROR, "Cannot parse statement: " + reason, line, column, e);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl).trim();
  }
}
