package io.tributary.query.expr.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.parse.SqlParsing;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.runtime.CalciteException;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.validate.SqlValidatorException;

/**
 * Turns what Calcite throws into {@link TributaryException}s, so that no Calcite exception leaves
 * the query module. A {@link TributaryException} anywhere in the cause chain (for example thrown by
 * a row source inside a Calcite scan) wins unchanged.
 */
public final class SqlErrors {
  private static final Pattern OBJECT_WITHIN =
      Pattern.compile("Object '(.+?)' not found within '(.+?)'.*");
  private static final Pattern OBJECT = Pattern.compile("(?:Object|Table) '(.+?)' not found.*");
  private static final Pattern COLUMN_ANY =
      Pattern.compile(
          "(?:Column '(.+?)' not found in any table|Unknown (?:identifier|field) '(.+?)').*");
  private static final Pattern COLUMN_IN =
      Pattern.compile("Column '(.+?)' not found in table '(.+?)'.*");
  private static final List<String> TYPE_REASONS =
      List.of(
          "cannot apply",
          "must be a condition",
          "must be boolean",
          "cannot assign",
          "cannot convert",
          "cannot cast",
          "compatible types",
          "illegal mixing",
          "type mismatch",
          "incompatible",
          "must have compatible",
          "cannot be applied",
          "invalid character for cast",
          "illegal date literal",
          "illegal time literal",
          "illegal timestamp literal");

  private static final Pattern NO_FUNCTION =
      Pattern.compile("No match found for function signature ([^(]+)(\\(.*\\))");
  private static final Pattern NUMBER_INPUT =
      Pattern.compile("For input string: \"(.*)\"(?: under radix \\d+)?", Pattern.DOTALL);

  /** The names of the functions the standard operator table knows, upper case. */
  private static final class FunctionNames {
    static final Set<String> KNOWN =
        SqlStdOperatorTable.instance().getOperatorList().stream()
            .filter(op -> op instanceof SqlFunction)
            .map(op -> op.getName().toUpperCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
  }

  private SqlErrors() {}

  /** The first {@link TributaryException} in the cause chain, or null. */
  public static TributaryException tributaryCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TributaryException te) {
        return te;
      }
    }
    return null;
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * Translates a failure of parsing, validating, planning or running SQL.
   *
   * @param action what failed, as in {@code Cannot <action>: <reason>} (e.g. "run query")
   * @param sql the SQL text the positions of the failure refer to, or null
   * @param table the qualified name of the only table in scope (for column messages), or null
   */
  public static TributaryException translate(Throwable e, String action, String sql, String table) {
    TributaryException te = tributaryCause(e);
    if (te != null) {
      return te;
    }
    SqlParseException parse = cause(e, SqlParseException.class);
    if (parse != null) {
      return SqlParsing.syntaxError(parse);
    }
    CalciteContextException context = cause(e, CalciteContextException.class);
    if (context != null) {
      SqlValidatorException validation = cause(context, SqlValidatorException.class);
      String reason =
          validation != null && validation.getMessage() != null
              ? validation.getMessage()
              : stripPosition(context.getMessage());
      return classify(
          reason,
          action,
          sql,
          table,
          context.getPosLine(),
          context.getPosColumn(),
          context.getEndPosLine(),
          context.getEndPosColumn(),
          e);
    }
    SqlValidatorException validation = cause(e, SqlValidatorException.class);
    if (validation != null) {
      return classify(validation.getMessage(), action, sql, table, 0, 0, 0, 0, e);
    }
    CalciteException calcite = cause(e, CalciteException.class);
    if (calcite != null) {
      return classify(stripPosition(calcite.getMessage()), action, sql, table, 0, 0, 0, 0, e);
    }
    ArithmeticException arithmetic = cause(e, ArithmeticException.class);
    if (arithmetic != null) {
      String m = arithmetic.getMessage();
      String reason = m != null && m.contains("by zero") ? "division by zero" : "numeric overflow";
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT, "Cannot " + action + ": " + reason, e);
    }
    NumberFormatException number = cause(e, NumberFormatException.class);
    if (number != null) {
      // A text converted to a number (WHERE id = 'x'): Java's message is not shown.
      Matcher input = NUMBER_INPUT.matcher(number.getMessage() == null ? "" : number.getMessage());
      String shown = input.matches() ? "'" + abbreviate(input.group(1)) + "'" : "a text value";
      return new TributaryException(
          ErrorCode.TYPE_MISMATCH, "Cannot " + action + ": " + shown + " is not a number", e);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (thrownBy(root, "org.apache.calcite.runtime.Like", 4)) {
      // "Invalid escape character 'xy'", "Invalid escape sequence 'a\\', 1": a plain
      // RuntimeException from Calcite's runtime.
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot "
              + action
              + ": invalid LIKE pattern (the ESCAPE character must be one character, and in the"
              + " pattern be followed by _, % or itself)",
          e);
    }
    if (root instanceof IllegalStateException
        && root.getMessage() != null
        && root.getMessage().startsWith("Unable to implement")
        && root.getMessage().contains("EnumerableLimit(")) {
      // Calcite plans LIMIT and OFFSET of any size but generates code only for int values.
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot " + action + ": LIMIT and OFFSET must be between 0 and 2147483647",
          e);
    }
    if (root instanceof AssertionError
        && thrownBy(root, "org.apache.calcite.sql2rel.RelDecorrelator", 4)) {
      // Calcite's decorrelator gives up on some correlated subqueries (one under OR, with COUNT
      // DISTINCT in the outer query) with a bare assertion.
      return new TributaryException(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot "
              + action
              + ": this correlated subquery is not supported (write it as a join, or without OR)",
          e);
    }
    if (root instanceof AssertionError
        && thrownBy(root, "org.apache.calcite.rel.type.RelDataTypeSystem", 2)) {
      // SELECT 1 + 0.000…0001 (42 digits): the result's DECIMAL type would exceed 38 digits.
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot " + action + ": a DECIMAL value or result needs more than 38 digits",
          e);
    }
    if (root instanceof ClassCastException
        || (root instanceof AssertionError && thrownBy(root, "org.apache.calcite.", 4))) {
      // Calcite's validator lets some mixes of types through (VALUES (1.5), (DATE '2026-01-01'),
      // NULLIF(a_double, FALSE)) that its planner or generated code then fails to compare or
      // convert.
      return new TributaryException(
          ErrorCode.TYPE_MISMATCH,
          "Cannot " + action + ": values of incompatible types meet in one column or comparison",
          e);
    }
    if (root instanceof IllegalStateException
        && root.getMessage() != null
        && root.getMessage().startsWith("Unable to implement")) {
      // Calcite planned the query but cannot generate code for one of its operators (for example
      // SUBSTRING of BYTES from a BIGINT position).
      return new TributaryException(
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot "
              + action
              + ": the query engine cannot run one of its operators on these types or values",
          e);
    }
    if (root instanceof IllegalArgumentException && thrownConvertingDateTime(root)) {
      return new TributaryException(
          ErrorCode.TYPE_MISMATCH,
          "Cannot " + action + ": a text value is not a valid date, time or timestamp",
          e);
    }
    if (root instanceof IllegalArgumentException || root instanceof UnsupportedOperationException) {
      // Their messages come from Calcite's runtime or the JDK: show only the kind of failure.
      return new TributaryException(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot "
              + action
              + ": "
              + (root instanceof UnsupportedOperationException
                  ? "an operation it needs is not supported"
                  : "a value is not valid for the operation applied to it"),
          e);
    }
    return new TributaryException(
        ErrorCode.INTERNAL,
        "Cannot " + action + ": internal error (" + root.getClass().getSimpleName() + ")",
        e);
  }

  /**
   * Whether one of the top {@code depth} frames of {@code t} is in a class named {@code prefix}….
   */
  private static boolean thrownBy(Throwable t, String prefix, int depth) {
    StackTraceElement[] trace = t.getStackTrace();
    for (int i = 0; i < Math.min(depth, trace.length); i++) {
      if (trace[i].getClassName().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Whether Calcite's runtime threw it while reading a date, time or timestamp from text. */
  private static boolean thrownConvertingDateTime(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    for (int i = 0; i < Math.min(4, trace.length); i++) {
      if (trace[i].getClassName().equals("org.apache.calcite.avatica.util.DateTimeUtils")) {
        return true;
      }
    }
    return false;
  }

  private static String abbreviate(String value) {
    return value.length() > 64 ? value.substring(0, 61) + "..." : value;
  }

  private static TributaryException classify(
      String reason,
      String action,
      String sql,
      String table,
      int line,
      int column,
      int endLine,
      int endColumn,
      Throwable cause) {
    reason = reason == null ? "invalid statement" : firstLine(reason);
    Matcher m = OBJECT_WITHIN.matcher(reason);
    if (m.matches()) {
      return new TributaryException(
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot find table " + m.group(2) + "." + m.group(1),
          line,
          column,
          cause);
    }
    m = OBJECT.matcher(reason);
    if (m.matches()) {
      String name = textAt(sql, line, column, endLine, endColumn);
      if (name == null || !name.matches("[\\w.`\" ]+")) {
        name = m.group(1);
      }
      return new TributaryException(
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot find table " + name.replace("`", "").replace("\"", "").replace(" ", ""),
          line,
          column,
          cause);
    }
    m = COLUMN_IN.matcher(reason);
    if (m.matches()) {
      return new TributaryException(
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot resolve column '"
              + m.group(1)
              + "' in table "
              + (table != null ? table : m.group(2)),
          line,
          column,
          cause);
    }
    m = COLUMN_ANY.matcher(reason);
    if (m.matches()) {
      return new TributaryException(
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot resolve column '"
              + (m.group(1) != null ? m.group(1) : m.group(2))
              + "'"
              + (table != null ? " in table " + table : ""),
          line,
          column,
          cause);
    }
    m = NO_FUNCTION.matcher(reason);
    if (m.matches()) {
      String name = m.group(1);
      boolean known = FunctionNames.KNOWN.contains(name.toUpperCase(Locale.ROOT));
      return new TributaryException(
          ErrorCode.FUNCTION_NOT_FOUND,
          "Cannot "
              + action
              + ": "
              + (known
                  ? "function " + name + " does not take arguments " + m.group(2)
                  : "function " + name + " does not exist"),
          line,
          column,
          cause);
    }
    ErrorCode code = ErrorCode.INVALID_ARGUMENT;
    String lower = reason.toLowerCase(Locale.ROOT);
    for (String r : TYPE_REASONS) {
      if (lower.contains(r)) {
        code = ErrorCode.TYPE_MISMATCH;
        break;
      }
    }
    return new TributaryException(code, "Cannot " + action + ": " + reason, line, column, cause);
  }

  /** The SQL text between two 1-based positions (inclusive), or null. */
  private static String textAt(String sql, int line, int column, int endLine, int endColumn) {
    if (sql == null || line <= 0 || column <= 0 || endLine <= 0 || endColumn <= 0) {
      return null;
    }
    int start = offset(sql, line, column);
    int end = offset(sql, endLine, endColumn);
    if (start < 0 || end < start || end >= sql.length()) {
      return null;
    }
    return sql.substring(start, end + 1);
  }

  private static int offset(String sql, int line, int column) {
    int offset = 0;
    for (int l = 1; l < line; l++) {
      offset = sql.indexOf('\n', offset);
      if (offset < 0) {
        return -1;
      }
      offset++;
    }
    return offset + column - 1;
  }

  private static String stripPosition(String message) {
    if (message == null) {
      return null;
    }
    Matcher m =
        Pattern.compile(
                "^From line \\d+, column \\d+ to line \\d+, column \\d+: (.*)$", Pattern.DOTALL)
            .matcher(message);
    if (m.matches()) {
      return m.group(1);
    }
    m = Pattern.compile("^At line \\d+, column \\d+: (.*)$", Pattern.DOTALL).matcher(message);
    return m.matches() ? m.group(1) : message;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return null;
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s.trim() : s.substring(0, nl).trim();
  }
}
