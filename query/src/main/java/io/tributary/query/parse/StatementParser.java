package io.tributary.query.parse;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.parse.Lexer.Kind;
import io.tributary.query.parse.Lexer.Token;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.sql.SqlDelete;
import org.apache.calcite.sql.SqlInsert;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlUpdate;

/**
 * Parses request text into statements. The dialect's own statements (DDL, user management, SHOW,
 * DESCRIBE, EXECUTE AS USER, SUBSCRIBE TO, KILL LIVE QUERY) are recognized here; everything else
 * goes to Calcite. Stateless and thread-safe.
 */
public final class StatementParser {
  private StatementParser() {}

  /** A statement's text and its parsed form. */
  public record Parsed(String text, Statement statement) {}

  /**
   * Splits text at semicolons outside quotes and comments and returns the non-blank statements,
   * with surrounding whitespace trimmed.
   *
   * @throws TributaryException STATEMENT_TOO_LARGE when the text holds no semicolon and is longer
   *     than {@link StatementLimits#MAX_STATEMENT_BYTES} characters: it can only be one statement
   *     over the limit, refused before it is copied (a client sending megabytes of one statement
   *     should cost a scan for a semicolon, not a copy of every character)
   */
  public static List<String> split(String sql) {
    if (sql.length() > StatementLimits.MAX_STATEMENT_BYTES && sql.indexOf(';') < 0) {
      StatementLimits.checkStatementSize(sql.strip(), List.of());
    }
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int n = sql.length();
    for (int i = 0; i < n; i++) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '`' || c == '"') {
        int j = closingQuote(sql, i);
        current.append(sql, i, Math.min(j + 1, n));
        i = j;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int j = sql.indexOf('\n', i);
        j = j < 0 ? n : j;
        current.append(sql, i, j);
        i = j - 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int j = sql.indexOf("*/", i + 2);
        j = j < 0 ? n : j + 2;
        current.append(sql, i, j);
        i = j - 1;
      } else if (c == ';') {
        addIfNotBlank(out, current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    addIfNotBlank(out, current.toString());
    return out;
  }

  /**
   * The index of the quote closing the one at {@code open} (a doubled quote is an escaped one), or
   * the text's length when it is unterminated.
   */
  private static int closingQuote(String sql, int open) {
    char quote = sql.charAt(open);
    int j = open + 1;
    while (j < sql.length()) {
      if (sql.charAt(j) == quote) {
        if (j + 1 < sql.length() && sql.charAt(j + 1) == quote) {
          j += 2;
          continue;
        }
        return j;
      }
      j++;
    }
    return j;
  }

  private static void addIfNotBlank(List<String> out, String statement) {
    String stripped = statement.strip(); // the lexer's idea of white space
    if (stripped.isEmpty()) {
      return;
    }
    // Only text starting with a comment may be nothing but comments: tokenize just that.
    boolean comment = stripped.startsWith("--") || stripped.startsWith("/*");
    if (!comment || !Lexer.tokenize(statement).get(0).kind().equals(Kind.END)) {
      out.add(statement.trim());
    }
  }

  /** Splits and parses every statement of a request. */
  public static List<Parsed> parseAll(String sql) {
    List<Parsed> out = new ArrayList<>();
    for (String text : split(sql)) {
      out.add(new Parsed(text, parse(text)));
    }
    return out;
  }

  /** Parses one statement (no trailing semicolon needed). */
  public static Statement parse(String text) {
    return parse(text, false);
  }

  /**
   * Parses one statement to keep live: as {@link #parse}, except that a statement starting with
   * SELECT (also inside EXECUTE AS USER) becomes a {@link Statement.LiveSelect}, which may end with
   * {@code OPTIONS (k = v, ...)} as {@code SUBSCRIBE TO} may.
   */
  public static Statement parseLive(String text) {
    return parse(text, true);
  }

  private static Statement parse(String text, boolean live) {
    List<Token> tokens = Lexer.tokenize(text);
    checkNesting(tokens);
    return new Recognizer(text, tokens, live).statement();
  }

  /** Words that chain operands at one level, as an operator symbol does. */
  private static final Set<String> OPERATOR_WORDS =
      Set.of(
          "AND",
          "OR",
          "NOT",
          "IS",
          "LIKE",
          "BETWEEN",
          "IN",
          "UNION",
          "INTERSECT",
          "EXCEPT",
          "MINUS");

  /** Words that end one expression and start the next at the same level, as a comma does. */
  private static final Set<String> SEPARATOR_WORDS = Set.of("WHEN", "THEN", "ELSE");

  private static final String OPERATOR_SYMBOLS = "+-*/%=<>!|^~";

  /**
   * Refuses a statement nested deeper than {@link StatementLimits#MAX_NESTING} before anything
   * parses it. The depth is an upper bound of the depth of the tree a parser builds: each open
   * parenthesis or {@code CASE} adds a level, and so does each operator chained at a level (a chain
   * {@code a + b + c} is a left-deep tree); a comma, {@code WHEN}, {@code THEN} or {@code ELSE}
   * starts a sibling expression, whose operators count afresh. Linear in the tokens.
   */
  private static void checkNesting(List<Token> tokens) {
    int[] operators = new int[StatementLimits.MAX_NESTING + 2];
    int level = 0; // index into operators: the current parenthesis or CASE level
    int depth = 1; // levels open plus operators chained at each of them
    Token previous = null;
    for (Token t : tokens) {
      boolean operator = false;
      if (t.kind() == Kind.SYMBOL) {
        char c = t.text().charAt(0);
        if (c == '(') {
          level++;
          depth++;
        } else if (c == ')') {
          if (level > 0) {
            depth -= 1 + operators[level];
            operators[level--] = 0;
          }
        } else if (c == ',') {
          depth -= operators[level];
          operators[level] = 0;
        } else if (OPERATOR_SYMBOLS.indexOf(c) >= 0) {
          // <=, <>, || and the like are one operator
          boolean continues =
              previous != null
                  && previous.kind() == Kind.SYMBOL
                  && previous.offset() + 1 == t.offset()
                  && OPERATOR_SYMBOLS.indexOf(previous.text().charAt(0)) >= 0;
          operator = !continues;
        }
      } else if (t.kind() == Kind.WORD) {
        String word = t.text().toUpperCase(Locale.ROOT);
        if (word.equals("CASE")) {
          level++;
          depth++;
        } else if (word.equals("END")) {
          if (level > 0) {
            depth -= 1 + operators[level];
            operators[level--] = 0;
          }
        } else if (SEPARATOR_WORDS.contains(word)) {
          depth -= operators[level];
          operators[level] = 0;
        } else {
          operator = OPERATOR_WORDS.contains(word);
        }
      }
      if (operator) {
        operators[level]++;
        depth++;
      }
      if (depth > StatementLimits.MAX_NESTING) {
        throw new TributaryException(
            ErrorCode.SYNTAX_ERROR,
            String.format(
                "Cannot parse statement: it nests more than %d levels deep (parentheses, CASE and"
                    + " operators chained in one expression each count; use IN (...) for long"
                    + " lists of alternatives) at line %d, column %d",
                StatementLimits.MAX_NESTING, t.line(), t.column()),
            t.line(),
            t.column(),
            null);
      }
      previous = t;
    }
  }

  private static final String SYSTEM_NAMESPACE = "system";

  /** First words of the statements Calcite parses (the rest are the dialect's own). */
  private static final Set<String> STANDARD_STARTS =
      Set.of(
          "SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UPSERT", "UPDATE", "DELETE", "MERGE",
          "EXPLAIN", "ALTER", "SET", "RESET");

  /** Statement keywords a misspelled first word is compared with. */
  private static final List<String> STATEMENT_KEYWORDS =
      List.of(
          "SELECT",
          "INSERT",
          "UPDATE",
          "DELETE",
          "CREATE",
          "DROP",
          "ALTER",
          "SHOW",
          "DESCRIBE",
          "EXECUTE",
          "SUBSCRIBE",
          "KILL",
          "VALUES",
          "WITH",
          "CONSUME",
          "ACK",
          "FLUSH",
          "STORAGE",
          "BEGIN",
          "COMMIT",
          "ROLLBACK");

  /**
   * Statements of the dialect (DESIGN.md) that Tributary recognizes but does not run yet: their
   * leading words, then a hint appended to the message.
   */
  private static final List<String[]> NOT_SUPPORTED_YET =
      List.of(
          new String[] {"FLUSH", ""},
          new String[] {"BEGIN", " (each statement is atomic on its own)"},
          new String[] {"START", "TRANSACTION", " (each statement is atomic on its own)"},
          new String[] {"COMMIT", " (each statement is atomic on its own)"},
          new String[] {"ROLLBACK", " (each statement is atomic on its own)"});

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  /**
   * Where the name of a history view that starts at {@code from} ends ({@code name$history}, see
   * {@code io.tributary.query.catalog.HistoryTables}), or -1 when no such name starts there.
   */
  private static int historyViewEnd(String sql, int from) {
    char c = sql.charAt(from);
    if (!(Character.isLetter(c) || c == '_') || (from > 0 && isWordChar(sql.charAt(from - 1)))) {
      return -1;
    }
    int j = from;
    while (j < sql.length() && isWordChar(sql.charAt(j))) {
      j++;
    }
    String word = sql.substring(from, j);
    return word.length() > HISTORY_SUFFIX.length() && word.endsWith(HISTORY_SUFFIX) ? j : -1;
  }

  private static final String HISTORY_SUFFIX = "$history";

  private static boolean followedByDot(String sql, int from) {
    int j = from;
    while (j < sql.length() && Character.isWhitespace(sql.charAt(j))) {
      j++;
    }
    return j < sql.length() && sql.charAt(j) == '.';
  }

  /** Replaces $n placeholders outside quotes by '?' (padded to keep positions) and maps them. */
  static Object[] placeholders(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    List<Integer> map = new ArrayList<>();
    int sequential = 0;
    int n = sql.length();
    for (int i = 0; i < n; i++) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '`' || c == '"') {
        int j = closingQuote(sql, i);
        out.append(sql, i, Math.min(j + 1, n));
        i = j;
      } else if (c == '$' && i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
        int j = i + 1;
        while (j < n && Character.isDigit(sql.charAt(j))) {
          j++;
        }
        int number = parameterNumber(sql, i, j);
        map.add(number - 1);
        out.append('?').append(" ".repeat(j - i - 1));
        i = j - 1;
      } else if (c == 's'
          && sql.startsWith(SYSTEM_NAMESPACE, i)
          && (i == 0 || !isWordChar(sql.charAt(i - 1)))
          && followedByDot(sql, i + SYSTEM_NAMESPACE.length())) {
        // SYSTEM is a reserved word in Calcite's grammar; quote it so system.users parses.
        out.append('`').append(SYSTEM_NAMESPACE).append('`');
        i += SYSTEM_NAMESPACE.length() - 1;
      } else if (historyViewEnd(sql, i) > 0) {
        // A history view (ns.t$history): Calcite takes no '$' in an unquoted table name.
        int j = historyViewEnd(sql, i);
        out.append('`').append(sql, i, j).append('`');
        i = j - 1;
      } else if (c == '?') {
        map.add(sequential++);
        out.append(c);
      } else {
        out.append(c);
      }
    }
    return new Object[] {out.toString(), map.stream().mapToInt(Integer::intValue).toArray()};
  }

  /**
   * The number of the parameter written {@code sql[dollar, end)} ({@code $} and digits), from 1 to
   * {@link StatementLimits#MAX_PARAMETER}.
   */
  private static int parameterNumber(String sql, int dollar, int end) {
    String digits = sql.substring(dollar + 1, end);
    String stripped = digits.replaceFirst("^0+(?=.)", "");
    int number =
        stripped.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(stripped); // no overflow
    if (number >= 1 && number <= StatementLimits.MAX_PARAMETER) {
      return number;
    }
    int[] at = lineAndColumn(sql, dollar);
    String shown = digits.length() > 20 ? digits.substring(0, 17) + "..." : digits;
    throw new TributaryException(
        ErrorCode.SYNTAX_ERROR,
        String.format(
            "Cannot parse statement: parameter $%s is out of range: parameters are $1 to $%d"
                + " at line %d, column %d",
            shown, StatementLimits.MAX_PARAMETER, at[0], at[1]),
        at[0],
        at[1],
        null);
  }

  /** The 1-based line and column of {@code offset} in {@code text}. */
  static int[] lineAndColumn(String text, int offset) {
    int line = 1;
    int lineStart = 0;
    for (int k = 0; k < offset && k < text.length(); k++) {
      if (text.charAt(k) == '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    return new int[] {line, offset - lineStart + 1};
  }

  /**
   * The text with every character outside {@code [from, to)} replaced by a space, line breaks kept,
   * so a parser given only that part reports positions within the whole text.
   */
  static String blankOutside(String text, int from, int to) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(i >= from && i < to || c == '\n' || c == '\r' ? c : ' ');
    }
    return out.toString();
  }

  static Statement parseStandard(String text) {
    Object[] rewritten = placeholders(text);
    String sql = (String) rewritten[0];
    int[] map = (int[]) rewritten[1];
    SqlNode node = SqlParsing.parseStatement(sql);
    if (node instanceof SqlInsert insert) {
      return new Statement.Insert(insert, map);
    }
    if (node instanceof SqlUpdate update) {
      return new Statement.Update(update, map);
    }
    if (node instanceof SqlDelete delete) {
      return new Statement.Delete(delete, map);
    }
    if (node.getKind().belongsTo(SqlKind.QUERY)) {
      return new Statement.Query(node, sql, map);
    }
    throw TributaryException.of(
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot run statement: %s is not supported",
        node.getKind().sql);
  }

  /** Recursive-descent recognizer for the dialect's own statements. */
  private static final class Recognizer {
    private final String text;
    private final List<Token> tokens;
    private final boolean live;
    private int pos;

    Recognizer(String text, List<Token> tokens, boolean live) {
      this.text = text;
      this.tokens = tokens;
      this.live = live;
    }

    Statement statement() {
      Token first = peek();
      if (first.isWord("CREATE")) {
        return create();
      }
      if (first.isWord("DROP")) {
        return drop();
      }
      if (first.isWord("ALTER") && peek(1).isWord("USER")) {
        return alterUser();
      }
      if (first.isWord("ALTER") && peek(1).isWord("SOURCE")) {
        return alterSource();
      }
      if (first.isWord("ALTER") && peek(1).isWord("TOPIC")) {
        return alterTopic();
      }
      if (first.isWord("ALTER") && peek(1).isWord("TABLE")) {
        return alterTable();
      }
      if (first.isWord("CONSUME")) {
        return consume();
      }
      if (first.isWord("ACK")) {
        return ack();
      }
      if (first.isWord("RESET") && peek(1).isWord("CONSUMER")) {
        return resetConsumerGroup();
      }
      if (first.isWord("SHOW")) {
        return show();
      }
      if (first.isWord("DESCRIBE") || first.isWord("DESC")) {
        next();
        acceptWord("TABLE");
        String[] name = qualifiedName("table");
        end();
        return new Statement.DescribeTable(name[0], name[1]);
      }
      if (first.isWord("EXECUTE") && peek(1).isWord("AS")) {
        return executeAs();
      }
      if (first.isWord("SUBSCRIBE")) {
        return subscribe();
      }
      if (live && first.isWord("SELECT")) {
        return liveSelect();
      }
      if (first.isWord("STORAGE") && peek(1).isWord("FLUSH")) {
        return storageFlush();
      }
      if (first.isWord("KILL")) {
        next();
        expectWord("LIVE");
        expectWord("QUERY");
        String id = string("live query id");
        end();
        return new Statement.KillLiveQuery(id);
      }
      if (first.kind() == Kind.END) {
        throw error(first, "empty statement");
      }
      TributaryException notYet = notSupportedYet();
      if (notYet != null) {
        throw notYet;
      }
      if (!first.isSymbol("(")
          && !(first.kind() == Kind.WORD
              && STANDARD_STARTS.contains(first.text().toUpperCase(Locale.ROOT)))) {
        throw unknownStatement(first);
      }
      return parseStandard(text);
    }

    /**
     * An UNSUPPORTED_STATEMENT failure when the statement is one Tributary knows but does not run
     * yet, else null.
     */
    private TributaryException notSupportedYet() {
      for (String[] known : NOT_SUPPORTED_YET) {
        int words = known.length - 1;
        boolean matches = true;
        for (int i = 0; i < words && matches; i++) {
          matches = tokens.get(Math.min(i, tokens.size() - 1)).isWord(known[i]);
        }
        if (matches) {
          return TributaryException.of(
              ErrorCode.UNSUPPORTED_STATEMENT,
              "Cannot run %s: not supported yet%s",
              String.join(" ", java.util.Arrays.copyOf(known, words)),
              known[words]);
        }
      }
      return null;
    }

    private TributaryException unknownStatement(Token first) {
      String suggestion = closestKeyword(first);
      return new TributaryException(
          ErrorCode.SYNTAX_ERROR,
          "Cannot parse statement: "
              + first.describe()
              + " does not start a statement"
              + (suggestion == null
                  ? " (expected SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, SHOW, ...)"
                  : " (did you mean " + suggestion + "?)")
              + " at line "
              + first.line()
              + ", column "
              + first.column(),
          first.line(),
          first.column(),
          null);
    }

    /** The statement keyword {@code t} is a misspelling of (edit distance 1 or 2), or null. */
    private static String closestKeyword(Token t) {
      if (t.kind() != Kind.WORD || t.text().length() < 3) {
        return null;
      }
      String word = t.text().toUpperCase(Locale.ROOT);
      String best = null;
      int bestDistance = 3;
      for (String keyword : STATEMENT_KEYWORDS) {
        int d = editDistance(word, keyword);
        if (d < bestDistance) {
          best = keyword;
          bestDistance = d;
        }
      }
      return best;
    }

    private static int editDistance(String a, String b) {
      int[] previous = new int[b.length() + 1];
      int[] current = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        previous[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        current[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
          current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
        }
        int[] swap = previous;
        previous = current;
        current = swap;
      }
      return previous[b.length()];
    }

    /**
     * Refuses a name written without quotes that is a reserved word of the SQL grammar ({@code at},
     * {@code by}, {@code value}, ...): a table or column created with it could not be named without
     * quotes in any later statement. Quoted, the name is accepted.
     */
    private void requireUsableName(Token name, String what, String action) {
      if (name.kind() == Kind.WORD && SqlParsing.isReservedWord(name.text())) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: %s name %s is a reserved word in SQL; choose another name, or quote it"
                + " (`%s`) here and in every statement that uses it",
            action,
            what,
            name.text(),
            name.text());
      }
    }

    private Statement create() {
      expectWord("CREATE");
      if (acceptWord("NAMESPACE")) {
        boolean ifNotExists = ifNotExists();
        Token nameToken = peek();
        String name = name("namespace");
        end();
        if (!name.equals(SYSTEM_NAMESPACE)) {
          requireUsableName(nameToken, "namespace", "create namespace " + name);
        }
        return new Statement.CreateNamespace(name, ifNotExists);
      }
      TableKind prefix = null;
      if (peek().isWord("USER") && peek(1).isWord("TABLE")) {
        next();
        prefix = TableKind.USER;
      } else if (peek().isWord("SHARED")) {
        next();
        prefix = TableKind.SHARED;
      } else if (peek().isWord("STREAM")) {
        next();
        prefix = TableKind.STREAM;
      }
      if (acceptWord("TABLE")) {
        return createTable(prefix);
      }
      if (prefix == null && acceptWord("USER")) {
        return createUser();
      }
      if (prefix == null && acceptWord("POLICY")) {
        return createPolicy();
      }
      if (prefix == null && acceptWord("SOURCE")) {
        return createSource();
      }
      if (prefix == null && acceptWord("TOPIC")) {
        return createTopic();
      }
      TributaryException notYet = notSupportedYet();
      if (notYet != null) {
        throw notYet;
      }
      throw error(peek(), "expected NAMESPACE, TABLE, USER, POLICY, SOURCE or TOPIC after CREATE");
    }

    private Statement createTable(TableKind prefix) {
      boolean ifNotExists = ifNotExists();
      String[] name = qualifiedName("table");
      String action = "create table " + name[0] + "." + name[1];
      requireUsableName(tokens.get(pos - 1), "table", action);
      expectSymbol("(");
      List<Statement.ColumnSpec> columns = new ArrayList<>();
      List<String> tableKey = new ArrayList<>();
      do {
        if (peek().isWord("PRIMARY")) {
          Token at = next();
          expectWord("KEY");
          if (!tableKey.isEmpty()) {
            throw error(at, "the primary key is declared twice");
          }
          expectSymbol("(");
          do {
            tableKey.add(name("column"));
          } while (acceptSymbol(","));
          expectSymbol(")");
        } else {
          requireUsableName(peek(), "column", action);
          columns.add(column());
        }
      } while (acceptSymbol(","));
      expectSymbol(")");
      Map<String, String> options = new LinkedHashMap<>();
      if (acceptWord("WITH")) {
        expectSymbol("(");
        do {
          Token key = next();
          if (key.kind() != Kind.WORD) {
            throw error(key, "expected an option name");
          }
          expectSymbol("=");
          Token value = next();
          if (value.kind() != Kind.STRING
              && value.kind() != Kind.NUMBER
              && value.kind() != Kind.WORD) {
            throw error(value, "expected an option value");
          }
          String upper = key.text().toUpperCase(Locale.ROOT);
          if (options.put(upper, value.text()) != null) {
            throw error(key, "option " + upper + " is given twice");
          }
        } while (acceptSymbol(","));
        expectSymbol(")");
      }
      end();
      TableKind kind = prefix;
      String type = options.remove("TYPE");
      if (type != null) {
        TableKind declared;
        try {
          declared = TableKind.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot create table %s.%s: TYPE must be 'USER', 'SHARED' or 'STREAM', not '%s'",
              name[0],
              name[1],
              type);
        }
        if (prefix != null && prefix != declared) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot create table %s.%s: CREATE %s TABLE contradicts TYPE = '%s'",
              name[0],
              name[1],
              prefix,
              type);
        }
        kind = declared;
      }
      List<String> primaryKey = new ArrayList<>(tableKey);
      for (Statement.ColumnSpec c : columns) {
        if (c.primaryKey()) {
          if (!tableKey.isEmpty()) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot create table %s.%s: the primary key is declared twice",
                name[0],
                name[1]);
          }
          primaryKey.add(c.name());
        }
      }
      return new Statement.CreateTable(
          name[0], name[1], ifNotExists, kind, columns, primaryKey, options);
    }

    /** A column type: a word, DOUBLE PRECISION, and numbers in parentheses. */
    private ColumnType type(String name) {
      Token typeStart = peek();
      if (typeStart.kind() != Kind.WORD) {
        throw error(typeStart, "expected a type for column " + name);
      }
      StringBuilder typeText = new StringBuilder(next().text());
      if (typeStart.isWord("DOUBLE") && peek().isWord("PRECISION")) {
        typeText.append(' ').append(next().text());
      }
      if (acceptSymbol("(")) {
        typeText.append('(');
        do {
          Token number = next();
          if (number.kind() != Kind.NUMBER) {
            throw error(number, "expected a number in the type of column " + name);
          }
          typeText.append(number.text()).append(',');
        } while (acceptSymbol(","));
        typeText.setLength(typeText.length() - 1);
        typeText.append(')');
        expectSymbol(")");
      }
      return ColumnType.parse(typeText.toString());
    }

    private Statement.ColumnSpec column() {
      String name = name("column");
      ColumnType type = type(name);
      boolean notNull = false;
      boolean primaryKey = false;
      String function = null;
      Object literal = null;
      boolean defaultNull = false;
      boolean hasDefault = false;
      while (true) {
        Token t = peek();
        if (t.isWord("NOT")) {
          next();
          expectWord("NULL");
          notNull = true;
        } else if (t.isWord("NULL")) {
          next();
        } else if (t.isWord("PRIMARY")) {
          next();
          expectWord("KEY");
          primaryKey = true;
        } else if (t.isWord("DEFAULT")) {
          next();
          if (hasDefault) {
            throw error(t, "column " + name + " has two defaults");
          }
          hasDefault = true;
          Token d = next();
          if (d.kind() == Kind.STRING) {
            literal = d.text();
          } else if (d.kind() == Kind.NUMBER) {
            literal = new BigDecimal(d.text());
          } else if (d.isSymbol("-") && peek().kind() == Kind.NUMBER) {
            literal = new BigDecimal(next().text()).negate();
          } else if (d.isWord("TRUE") || d.isWord("FALSE")) {
            literal = Boolean.valueOf(d.text().toLowerCase(Locale.ROOT));
          } else if (d.isWord("NULL")) {
            defaultNull = true;
          } else if (d.kind() == Kind.WORD) {
            String f = d.text().toUpperCase(Locale.ROOT);
            if (acceptSymbol("(")) {
              expectSymbol(")");
            }
            function =
                switch (f) {
                  case "SNOWFLAKE_ID", "UUID_V7", "NOW", "CURRENT_USER" -> f;
                  case "CURRENT_TIMESTAMP" -> "NOW";
                  default ->
                      throw error(
                          d,
                          "unknown default "
                              + d.text()
                              + "; expected a literal, SNOWFLAKE_ID(), NOW(), UUID_V7() or"
                              + " CURRENT_USER()");
                };
          } else {
            throw error(d, "expected a default value");
          }
        } else {
          break;
        }
      }
      return new Statement.ColumnSpec(
          name, type, notNull, primaryKey, function, literal, defaultNull);
    }

    private Statement createUser() {
      String name = userName();
      String password = null;
      Role role = Role.USER;
      boolean sawRole = false;
      while (peek().kind() != Kind.END) {
        if (acceptWord("WITH")) {
          continue;
        }
        if (acceptWord("PASSWORD")) {
          password = string("password");
        } else if (acceptWord("ROLE")) {
          role = Role.parse(word("role"));
          sawRole = true;
        } else {
          throw error(peek(), "expected WITH PASSWORD '...' or ROLE");
        }
      }
      if (password == null) {
        throw TributaryException.of(
            ErrorCode.SYNTAX_ERROR,
            "Cannot parse statement: CREATE USER needs WITH PASSWORD '...'");
      }
      assert sawRole || role == Role.USER;
      return new Statement.CreateUser(name, password, role);
    }

    /** {@code CREATE SOURCE name FROM POSTGRES WITH (key = 'value', ...)}. */
    private Statement createSource() {
      String name = name("source");
      expectWord("FROM");
      String type = word("source type").toUpperCase(Locale.ROOT);
      Map<String, String> options = new LinkedHashMap<>();
      if (acceptWord("WITH")) {
        expectSymbol("(");
        do {
          Token keyToken = peek();
          String key = name("option").toLowerCase(Locale.ROOT);
          expectSymbol("=");
          Token value = next();
          if (value.kind() != Kind.STRING
              && value.kind() != Kind.WORD
              && value.kind() != Kind.NUMBER) {
            throw error(value, "expected the value of option " + key);
          }
          if (options.put(key, value.text()) != null) {
            throw error(keyToken, "option " + key + " is given twice");
          }
        } while (acceptSymbol(","));
        expectSymbol(")");
      }
      end();
      return new Statement.Source(
          Statement.SourceOp.CREATE, name, type, options, null, null, null, false);
    }

    /** {@code ALTER SOURCE name MAP TABLE s.t INTO ns.t [OWNER COLUMN c] | UNMAP TABLE s.t}. */
    private Statement alterSource() {
      expectWord("ALTER");
      expectWord("SOURCE");
      String name = name("source");
      if (acceptWord("MAP")) {
        expectWord("TABLE");
        String[] sourceTable = qualifiedName("table");
        expectWord("INTO");
        String[] target = qualifiedName("table");
        String owner = null;
        if (acceptWord("OWNER")) {
          expectWord("COLUMN");
          owner = name("column");
        }
        end();
        return new Statement.Source(
            Statement.SourceOp.MAP, name, null, Map.of(), sourceTable, target, owner, false);
      }
      if (acceptWord("UNMAP")) {
        expectWord("TABLE");
        String[] sourceTable = qualifiedName("table");
        end();
        return new Statement.Source(
            Statement.SourceOp.UNMAP, name, null, Map.of(), sourceTable, null, null, false);
      }
      throw error(peek(), "expected MAP TABLE or UNMAP TABLE after ALTER SOURCE " + name);
    }

    /**
     * {@code ALTER TABLE ns.t ADD [COLUMN] c type [NULL|NOT NULL] [DEFAULT ...] | DROP [COLUMN] c |
     * RENAME COLUMN a TO b | ALTER [COLUMN] c [SET DATA] TYPE type}.
     */
    private Statement alterTable() {
      expectWord("ALTER");
      expectWord("TABLE");
      String[] name = qualifiedName("table");
      String action = "alter table " + name[0] + "." + name[1];
      if (acceptWord("ADD")) {
        acceptWord("COLUMN");
        requireUsableName(peek(), "column", action);
        Statement.ColumnSpec column = column();
        end();
        return new Statement.AlterTable(
            name[0], name[1], Statement.AlterOp.ADD_COLUMN, column, null, null, null);
      }
      if (acceptWord("DROP")) {
        acceptWord("COLUMN");
        String column = name("column");
        end();
        return new Statement.AlterTable(
            name[0], name[1], Statement.AlterOp.DROP_COLUMN, null, column, null, null);
      }
      if (acceptWord("RENAME")) {
        expectWord("COLUMN");
        String column = name("column");
        expectWord("TO");
        Token to = peek();
        String newName = name("column");
        requireUsableName(to, "column", action);
        end();
        return new Statement.AlterTable(
            name[0], name[1], Statement.AlterOp.RENAME_COLUMN, null, column, newName, null);
      }
      if (acceptWord("ALTER")) {
        acceptWord("COLUMN");
        String column = name("column");
        if (acceptWord("SET")) {
          expectWord("DATA");
        }
        expectWord("TYPE");
        ColumnType type = type(column);
        end();
        return new Statement.AlterTable(
            name[0], name[1], Statement.AlterOp.ALTER_COLUMN_TYPE, null, column, null, type);
      }
      throw error(
          peek(),
          "expected ADD COLUMN, DROP COLUMN, RENAME COLUMN or ALTER COLUMN after ALTER TABLE "
              + name[0]
              + "."
              + name[1]);
    }

    private Statement alterUser() {
      expectWord("ALTER");
      expectWord("USER");
      String name = userName();
      expectWord("SET");
      if (acceptWord("PASSWORD")) {
        String password = string("password");
        end();
        return new Statement.AlterUser(name, password, null);
      }
      if (acceptWord("ROLE")) {
        Role role = Role.parse(word("role"));
        end();
        return new Statement.AlterUser(name, null, role);
      }
      throw error(peek(), "expected PASSWORD or ROLE after SET");
    }

    private Statement drop() {
      expectWord("DROP");
      if (acceptWord("NAMESPACE")) {
        boolean ifExists = ifExists();
        String name = name("namespace");
        boolean cascade = acceptWord("CASCADE");
        if (!cascade) {
          acceptWord("RESTRICT");
        }
        end();
        return new Statement.DropNamespace(name, ifExists, cascade);
      }
      if (acceptWord("TABLE")) {
        boolean ifExists = ifExists();
        String[] name = qualifiedName("table");
        end();
        return new Statement.DropTable(name[0], name[1], ifExists);
      }
      if (acceptWord("USER")) {
        boolean ifExists = ifExists();
        String name = userName();
        end();
        return new Statement.DropUser(name, ifExists);
      }
      if (acceptWord("POLICY")) {
        boolean ifExists = ifExists();
        String name = name("policy");
        expectWord("ON");
        String[] table = qualifiedName("table");
        end();
        return new Statement.DropPolicy(name, table[0], table[1], ifExists);
      }
      if (acceptWord("SOURCE")) {
        boolean ifExists = ifExists();
        String name = name("source");
        end();
        return new Statement.Source(
            Statement.SourceOp.DROP, name, null, Map.of(), null, null, null, ifExists);
      }
      if (acceptWord("TOPIC")) {
        boolean ifExists = ifExists();
        String[] name = qualifiedName("topic");
        end();
        return new Statement.DropTopic(name[0], name[1], ifExists);
      }
      TributaryException notYet = notSupportedYet();
      if (notYet != null) {
        throw notYet;
      }
      throw error(peek(), "expected NAMESPACE, TABLE, USER, POLICY, SOURCE or TOPIC after DROP");
    }

    private Statement show() {
      expectWord("SHOW");
      if (acceptWord("NAMESPACES")) {
        end();
        return new Statement.ShowNamespaces();
      }
      if (acceptWord("TABLES")) {
        String ns = null;
        if (acceptWord("IN") || acceptWord("FROM")) {
          ns = name("namespace");
        }
        end();
        return new Statement.ShowTables(ns);
      }
      if (acceptWord("POLICIES")) {
        String[] table = {null, null};
        if (acceptWord("ON")) {
          table = qualifiedName("table");
        }
        end();
        return new Statement.ShowPolicies(table[0], table[1]);
      }
      if (acceptWord("TOPICS")) {
        String ns = null;
        if (acceptWord("IN") || acceptWord("FROM")) {
          ns = name("namespace");
        }
        end();
        return new Statement.ShowTopics(ns);
      }
      throw error(peek(), "expected NAMESPACES, TABLES, POLICIES or TOPICS after SHOW");
    }

    /**
     * {@code CREATE POLICY name ON ns.t [FOR cmd] [TO role, ...] [USING (p)] [WITH CHECK (p)]}: the
     * predicates are kept as text, for the analyzer to parse and check against the table.
     */
    private Statement createPolicy() {
      String name = name("policy");
      expectWord("ON");
      String[] table = qualifiedName("table");
      String command = "ALL";
      if (acceptWord("FOR")) {
        Token c = next();
        command = c.kind() == Kind.WORD ? c.text().toUpperCase(Locale.ROOT) : "";
        if (!Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "ALL").contains(command)) {
          throw error(c, "expected SELECT, INSERT, UPDATE, DELETE or ALL after FOR");
        }
      }
      List<String> roles = new ArrayList<>();
      if (acceptWord("TO")) {
        do {
          roles.add(name("role").toLowerCase(Locale.ROOT));
        } while (acceptSymbol(","));
      }
      String using = null;
      if (acceptWord("USING")) {
        using = parenthesized("USING");
      }
      String check = null;
      if (acceptWord("WITH")) {
        expectWord("CHECK");
        check = parenthesized("WITH CHECK");
      }
      end();
      return new Statement.CreatePolicy(name, table[0], table[1], command, roles, using, check);
    }

    /** The text between a parenthesis and the one closing it, which are consumed. */
    private String parenthesized(String what) {
      Token open = expectSymbol("(");
      int depth = 1;
      while (true) {
        Token t = next();
        if (t.kind() == Kind.END) {
          throw error(t, "expected ')' closing " + what);
        }
        if (t.isSymbol("(")) {
          depth++;
        } else if (t.isSymbol(")") && --depth == 0) {
          String inner = text.substring(open.offset() + 1, t.offset()).trim();
          if (inner.isEmpty()) {
            throw error(t, "expected a predicate in " + what + " (...)");
          }
          return inner;
        }
      }
    }

    private Statement executeAs() {
      expectWord("EXECUTE");
      expectWord("AS");
      expectWord("USER");
      String user = userName();
      Token open = expectSymbol("(");
      int close = tokens.size() - 2;
      Token last = tokens.get(close);
      if (!last.isSymbol(")") || close <= pos) {
        throw error(last, "expected ')' closing EXECUTE AS USER");
      }
      String inner = text.substring(open.offset() + 1, last.offset());
      Statement statement = parse(inner, live);
      if (statement instanceof Statement.ExecuteAs) {
        throw error(open, "EXECUTE AS USER cannot be nested");
      }
      return new Statement.ExecuteAs(user, statement);
    }

    /**
     * {@code SUBSCRIBE TO ns.t [WHERE <expr>] [OPTIONS (k = v, ...)]}. The WHERE expression runs to
     * a top-level {@code OPTIONS (} or the end and is parsed by Calcite; it is handed over with
     * everything else blanked out, so Calcite's error positions are those of the whole statement.
     */
    private Statement subscribe() {
      expectWord("SUBSCRIBE");
      expectWord("TO");
      String[] name = qualifiedName("table");
      SqlNode where = null;
      int[] paramMap = new int[0];
      if (acceptWord("WHERE")) {
        int start = pos;
        int depth = 0;
        while (peek().kind() != Kind.END
            && !(depth == 0 && peek().isWord("OPTIONS") && peek(1).isSymbol("("))) {
          Token t = next();
          if (t.isSymbol("(")) {
            depth++;
          } else if (t.isSymbol(")")) {
            depth--;
          }
        }
        if (pos == start) {
          throw error(peek(), "expected a condition after WHERE");
        }
        Object[] rewritten =
            placeholders(blankOutside(text, tokens.get(start).offset(), peek().offset()));
        where = SqlParsing.parseExpression((String) rewritten[0]);
        paramMap = (int[]) rewritten[1];
      }
      Map<String, String> options = liveOptions();
      end();
      return new Statement.Subscribe(name[0], name[1], where, paramMap, options);
    }

    /**
     * {@code SELECT ... [OPTIONS (k = v, ...)]}: the last top-level {@code OPTIONS (} starts the
     * options; the SELECT before it goes to Calcite with the options blanked out, so error
     * positions are those of the whole statement.
     */
    private Statement liveSelect() {
      int optionsAt = -1;
      int depth = 0;
      for (int i = pos; i < tokens.size() - 1; i++) {
        Token t = tokens.get(i);
        if (t.isSymbol("(")) {
          depth++;
        } else if (t.isSymbol(")")) {
          depth--;
        } else if (depth == 0 && t.isWord("OPTIONS") && tokens.get(i + 1).isSymbol("(")) {
          optionsAt = i;
        }
      }
      String select = optionsAt < 0 ? text : blankOutside(text, 0, tokens.get(optionsAt).offset());
      Statement parsed = parseStandard(select);
      if (!(parsed instanceof Statement.Query query)) {
        throw TributaryException.of(
            ErrorCode.UNSUPPORTED_STATEMENT, "Cannot subscribe: expected a SELECT");
      }
      Map<String, String> options = new LinkedHashMap<>();
      if (optionsAt >= 0) {
        pos = optionsAt;
        options = liveOptions();
        end();
      }
      return new Statement.LiveSelect(query, options);
    }

    /** {@code STORAGE FLUSH TABLE ns.t | STORAGE FLUSH ALL [IN ns]}. */
    private Statement storageFlush() {
      expectWord("STORAGE");
      expectWord("FLUSH");
      if (acceptWord("TABLE")) {
        String[] name = qualifiedName("table");
        end();
        return new Statement.StorageFlush(name[0], name[1]);
      }
      expectWord("ALL");
      String namespace = null;
      if (acceptWord("IN")) {
        acceptWord("NAMESPACE");
        namespace = name("namespace");
      }
      end();
      return new Statement.StorageFlush(namespace, null);
    }

    private Statement createTopic() {
      boolean ifNotExists = ifNotExists();
      String[] name = qualifiedName("topic");
      requireUsableName(tokens.get(pos - 1), "topic", "create topic " + name[0] + "." + name[1]);
      int partitions = 0;
      if (acceptWord("PARTITIONS")) {
        partitions = (int) number("partition count", 1, Integer.MAX_VALUE);
      }
      end();
      return new Statement.CreateTopic(name[0], name[1], ifNotExists, partitions);
    }

    /** {@code ALTER TOPIC ns.t ADD SOURCE ...} or {@code ALTER TOPIC ns.t DROP SOURCE ns.tbl}. */
    private Statement alterTopic() {
      expectWord("ALTER");
      expectWord("TOPIC");
      String[] name = qualifiedName("topic");
      if (acceptWord("DROP")) {
        expectWord("SOURCE");
        String[] table = qualifiedName("table");
        end();
        return new Statement.DropTopicSource(name[0], name[1], table[0], table[1]);
      }
      if (!acceptWord("ADD")) {
        throw error(peek(), "expected ADD SOURCE or DROP SOURCE after ALTER TOPIC " + name[1]);
      }
      expectWord("SOURCE");
      String[] table = qualifiedName("table");
      expectWord("ON");
      List<String> operations = new ArrayList<>();
      do {
        Token op = next();
        if (!(op.isWord("INSERT") || op.isWord("UPDATE") || op.isWord("DELETE"))) {
          throw error(op, "expected INSERT, UPDATE or DELETE");
        }
        String upper = op.text().toUpperCase(Locale.ROOT);
        if (operations.contains(upper)) {
          throw error(op, upper + " is given twice");
        }
        operations.add(upper);
      } while (acceptSymbol(",") || acceptWord("OR") || acceptSymbol("|"));
      Object[] where = null;
      if (acceptWord("WHERE")) {
        where = condition(t -> t.isWord("WITH") && peek(1).isSymbol("("));
      }
      Map<String, String> options = new LinkedHashMap<>();
      if (acceptWord("WITH")) {
        expectSymbol("(");
        do {
          Token key = next();
          if (key.kind() != Kind.WORD) {
            throw error(key, "expected an option name");
          }
          expectSymbol("=");
          Token value = next();
          if (value.kind() != Kind.STRING
              && value.kind() != Kind.NUMBER
              && value.kind() != Kind.WORD) {
            throw error(value, "expected an option value");
          }
          String lower = key.text().toLowerCase(Locale.ROOT);
          if (options.put(lower, value.text()) != null) {
            throw error(key, "option " + lower + " is given twice");
          }
        } while (acceptSymbol(","));
        expectSymbol(")");
      }
      end();
      return new Statement.AddTopicSource(
          name[0],
          name[1],
          table[0],
          table[1],
          operations,
          where == null ? null : (SqlNode) where[0],
          where == null ? null : (int[]) where[1],
          options);
    }

    /**
     * {@code CONSUME FROM ns.t [WHERE <expr>] [GROUP 'g'] [FROM LATEST|EARLIEST|offset] [LIMIT n]};
     * the clauses after WHERE may come in any order.
     */
    private Statement consume() {
      expectWord("CONSUME");
      expectWord("FROM");
      String[] name = qualifiedName("topic or table");
      Object[] where = null;
      if (acceptWord("WHERE")) {
        where =
            condition(
                t ->
                    t.isWord("GROUP")
                        || t.isWord("LIMIT")
                        || (t.isWord("FROM")
                            && (peek(1).isWord("LATEST")
                                || peek(1).isWord("EARLIEST")
                                || peek(1).kind() == Kind.NUMBER)));
      }
      String group = null;
      String from = null;
      long limit = -1;
      while (peek().kind() != Kind.END) {
        Token t = next();
        if (t.isWord("GROUP") && group == null) {
          group = string("group name");
        } else if (t.isWord("FROM") && from == null) {
          from = position();
        } else if (t.isWord("LIMIT") && limit < 0) {
          limit = number("limit", 1, Integer.MAX_VALUE);
        } else {
          throw error(t, "expected GROUP 'g', FROM LATEST|EARLIEST|offset or LIMIT n");
        }
      }
      return new Statement.Consume(
          name[0],
          name[1],
          where == null ? null : (SqlNode) where[0],
          where == null ? null : (int[]) where[1],
          group,
          from,
          limit);
    }

    /** {@code ACK ns.t GROUP 'g' [PARTITION p] UPTO OFFSET n}. */
    private Statement ack() {
      expectWord("ACK");
      String[] name = qualifiedName("topic or table");
      expectWord("GROUP");
      String group = string("group name");
      int partition = -1;
      if (acceptWord("PARTITION")) {
        partition = (int) number("partition", 0, Integer.MAX_VALUE);
      }
      expectWord("UPTO");
      expectWord("OFFSET");
      long offset = number("offset", 0, Long.MAX_VALUE);
      end();
      return new Statement.Ack(name[0], name[1], group, partition, offset);
    }

    /** {@code RESET CONSUMER GROUP 'g' ON ns.t [PARTITION p] TO offset|EARLIEST|LATEST}. */
    private Statement resetConsumerGroup() {
      expectWord("RESET");
      expectWord("CONSUMER");
      expectWord("GROUP");
      String group = string("group name");
      expectWord("ON");
      String[] name = qualifiedName("topic or table");
      int partition = -1;
      if (acceptWord("PARTITION")) {
        partition = (int) number("partition", 0, Integer.MAX_VALUE);
      }
      expectWord("TO");
      String to = position();
      end();
      return new Statement.ResetConsumerGroup(group, name[0], name[1], partition, to);
    }

    /** {@code LATEST}, {@code EARLIEST} or an offset: the upper-case word or the digits. */
    private String position() {
      Token t = next();
      if (t.isWord("LATEST") || t.isWord("EARLIEST")) {
        return t.text().toUpperCase(Locale.ROOT);
      }
      if (t.kind() == Kind.NUMBER && t.text().chars().allMatch(Character::isDigit)) {
        number(t, "offset", 0, Long.MAX_VALUE);
        return t.text();
      }
      throw error(t, "expected LATEST, EARLIEST or an offset");
    }

    private long number(String what, long min, long max) {
      return number(next(), what, min, max);
    }

    private long number(Token t, String what, long min, long max) {
      if (t.kind() != Kind.NUMBER || !t.text().chars().allMatch(Character::isDigit)) {
        throw error(t, "expected the " + what + " as a whole number");
      }
      long value;
      try {
        value = Long.parseLong(t.text());
      } catch (NumberFormatException e) {
        value = Long.MAX_VALUE;
        if (max == Long.MAX_VALUE) {
          throw error(t, "the " + what + " is too large");
        }
      }
      if (value < min || value > max) {
        throw error(t, "the " + what + " must be between " + min + " and " + max);
      }
      return value;
    }

    /**
     * A WHERE condition running to the first top-level token {@code stop} accepts, or the end,
     * parsed by Calcite with everything else blanked out: {SqlNode, int[] paramMap}.
     */
    private Object[] condition(java.util.function.Predicate<Token> stop) {
      int start = pos;
      int depth = 0;
      while (peek().kind() != Kind.END && !(depth == 0 && stop.test(peek()))) {
        Token t = next();
        if (t.isSymbol("(")) {
          depth++;
        } else if (t.isSymbol(")")) {
          depth--;
        }
      }
      if (pos == start) {
        throw error(peek(), "expected a condition after WHERE");
      }
      Object[] rewritten =
          placeholders(blankOutside(text, tokens.get(start).offset(), peek().offset()));
      return new Object[] {SqlParsing.parseExpression((String) rewritten[0]), rewritten[1]};
    }

    /** {@code [OPTIONS (k = v, ...)]} of a live query: lower-case keys, values as written. */
    private Map<String, String> liveOptions() {
      Map<String, String> options = new LinkedHashMap<>();
      if (acceptWord("OPTIONS")) {
        expectSymbol("(");
        do {
          Token key = next();
          if (key.kind() != Kind.WORD) {
            throw error(key, "expected an option name");
          }
          expectSymbol("=");
          String value;
          Token v = next();
          if (v.isSymbol("-") && peek().kind() == Kind.NUMBER) {
            value = "-" + next().text();
          } else if (v.kind() == Kind.NUMBER || v.kind() == Kind.STRING || v.kind() == Kind.WORD) {
            value = v.text();
          } else {
            throw error(v, "expected an option value");
          }
          String lower = key.text().toLowerCase(Locale.ROOT);
          if (options.put(lower, value) != null) {
            throw error(key, "option " + lower + " is given twice");
          }
        } while (acceptSymbol(","));
        expectSymbol(")");
      }
      return options;
    }

    // --- helpers

    private boolean ifNotExists() {
      if (peek().isWord("IF")) {
        next();
        expectWord("NOT");
        expectWord("EXISTS");
        return true;
      }
      return false;
    }

    private boolean ifExists() {
      if (peek().isWord("IF")) {
        next();
        expectWord("EXISTS");
        return true;
      }
      return false;
    }

    private String[] qualifiedName(String what) {
      Token at = peek();
      String first = name(what);
      if (!acceptSymbol(".")) {
        throw error(at, "expected a qualified " + what + " name namespace." + what);
      }
      return new String[] {first, name(what)};
    }

    private String name(String what) {
      Token t = next();
      if (t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_IDENT) {
        return t.text();
      }
      throw error(t, "expected a " + what + " name");
    }

    private String userName() {
      Token t = next();
      if (t.kind() == Kind.STRING || t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_IDENT) {
        return t.text();
      }
      throw error(t, "expected a user name");
    }

    private String string(String what) {
      Token t = next();
      if (t.kind() != Kind.STRING) {
        throw error(t, "expected the " + what + " as a quoted string");
      }
      return t.text();
    }

    private String word(String what) {
      Token t = next();
      if (t.kind() == Kind.WORD || t.kind() == Kind.STRING) {
        return t.text();
      }
      throw error(t, "expected a " + what);
    }

    private Token peek() {
      return peek(0);
    }

    private Token peek(int ahead) {
      return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
      Token t = peek();
      if (t.kind() != Kind.END) {
        pos++;
      }
      return t;
    }

    private boolean acceptWord(String word) {
      if (peek().isWord(word)) {
        pos++;
        return true;
      }
      return false;
    }

    private boolean acceptSymbol(String symbol) {
      if (peek().isSymbol(symbol)) {
        pos++;
        return true;
      }
      return false;
    }

    private Token expectWord(String word) {
      Token t = next();
      if (!t.isWord(word)) {
        throw error(t, "expected " + word);
      }
      return t;
    }

    private Token expectSymbol(String symbol) {
      Token t = next();
      if (!t.isSymbol(symbol)) {
        throw error(t, "expected '" + symbol + "'");
      }
      return t;
    }

    private void end() {
      Token t = peek();
      if (t.kind() != Kind.END) {
        throw error(t, "expected the end of the statement");
      }
    }

    private TributaryException error(Token at, String reason) {
      return new TributaryException(
          ErrorCode.SYNTAX_ERROR,
          "Cannot parse statement: "
              + reason
              + (at.kind() == Kind.END ? " at end of statement" : ", found " + at.describe())
              + " at line "
              + at.line()
              + ", column "
              + at.column(),
          at.line(),
          at.column(),
          null);
    }
  }
}
