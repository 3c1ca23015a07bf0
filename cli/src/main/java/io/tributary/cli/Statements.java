package io.tributary.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides when text typed into the shell (or read from stdin) is ready to run: when its last
 * significant character is a {@code ;} outside quotes and comments. Understands {@code '...'}
 * strings and {@code "..."} names (doubled quotes escape), {@code --} line comments and block
 * comments (slash-star to star-slash). Splitting into statements is left to the server.
 */
final class Statements {
  private Statements() {}

  /** True when the text ends a statement with a {@code ;} outside quotes and comments. */
  static boolean isComplete(String text) {
    return lastSignificant(text) == ';';
  }

  /** True when the text holds nothing but whitespace, comments and semicolons. */
  static boolean isBlank(String text) {
    return lastSignificantOtherThanSemicolon(text) < 0;
  }

  /** {@code \q}, {@code quit} or {@code exit}, with or without a trailing {@code ;}. */
  static boolean isQuit(String text) {
    String t = text.strip();
    if (t.endsWith(";")) {
      t = t.substring(0, t.length() - 1).strip();
    }
    t = t.toLowerCase(Locale.ROOT);
    return t.equals("\\q") || t.equals("quit") || t.equals("exit");
  }

  /**
   * The statements of the text: split at each {@code ;} outside quotes and comments, each stripped,
   * blank ones (nothing but whitespace and comments) dropped.
   */
  static List<String> split(String text) {
    List<String> statements = new ArrayList<>();
    int n = text.length();
    int start = 0;
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '\'' || c == '"') {
        int close = closingQuote(text, i);
        i = close < 0 ? n : close + 1;
      } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        int nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c == ';') {
        addStatement(statements, text.substring(start, i));
        start = ++i;
      } else {
        i++;
      }
    }
    addStatement(statements, text.substring(start));
    return statements;
  }

  private static void addStatement(List<String> statements, String statement) {
    if (!isBlank(statement)) {
      statements.add(statement.strip());
    }
  }

  /**
   * True for a {@code SUBSCRIBE} statement: its first word outside comments is {@code SUBSCRIBE},
   * also inside {@code EXECUTE AS USER 'u' (...)}.
   */
  static boolean isSubscribe(String text) {
    String body = executeAsBody(text);
    return leadingWord(skipComments(body != null ? body : text)).equalsIgnoreCase("SUBSCRIBE");
  }

  /**
   * True when one of the statements of the text is a {@code SUBSCRIBE} (see {@link #isSubscribe}).
   */
  static boolean containsSubscribe(String text) {
    return split(text).stream().anyMatch(Statements::isSubscribe);
  }

  /** True for an {@code EXECUTE AS USER <name> (...)} statement. */
  static boolean isExecuteAs(String text) {
    return executeAsBody(text) != null;
  }

  /**
   * The statement run as {@code user}: {@code EXECUTE AS USER '<user>' (<statement>)}, without the
   * statement's trailing {@code ;}. The closing parenthesis goes on a line of its own, so that a
   * trailing {@code --} comment cannot hide it.
   */
  static String executeAs(String user, String statement) {
    String inner = statement.strip();
    while (inner.endsWith(";")) {
      inner = inner.substring(0, inner.length() - 1).stripTrailing();
    }
    return "EXECUTE AS USER " + quote(user) + " (" + inner + "\n)";
  }

  /** A SQL string literal: {@code 'it''s'}. */
  static String quote(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /**
   * The text after {@code EXECUTE AS USER <name> (} (the name a quoted string, a quoted name or a
   * word), or null when the text does not start so.
   */
  private static String executeAsBody(String text) {
    String rest = text;
    for (String keyword : List.of("EXECUTE", "AS", "USER")) {
      rest = skipComments(rest);
      String word = leadingWord(rest);
      if (!word.equalsIgnoreCase(keyword)) {
        return null;
      }
      rest = rest.substring(word.length());
    }
    rest = skipComments(rest);
    if (rest.isEmpty()) {
      return null;
    }
    char c = rest.charAt(0);
    int end;
    if (c == '\'' || c == '"' || c == '`') {
      int close = closingQuote(rest, 0);
      if (close < 0) {
        return null;
      }
      end = close + 1;
    } else {
      end = 0;
      while (end < rest.length() && isNameChar(rest.charAt(end))) {
        end++;
      }
      if (end == 0) {
        return null;
      }
    }
    rest = skipComments(rest.substring(end));
    return rest.startsWith("(") ? rest.substring(1) : null;
  }

  /** The letters that open the text (no comments skipped). */
  private static String leadingWord(String text) {
    int end = 0;
    while (end < text.length() && Character.isLetter(text.charAt(end))) {
      end++;
    }
    return text.substring(0, end);
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  /** True for a shell command such as {@code \subscribe}: a backslash opens the text. */
  static boolean isCommand(String text) {
    return text.strip().startsWith("\\");
  }

  /** The text from its first character outside whitespace and comments. */
  private static String skipComments(String text) {
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        int nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    return text.substring(i);
  }

  private static int lastSignificant(String text) {
    return scan(text, false);
  }

  private static int lastSignificantOtherThanSemicolon(String text) {
    return scan(text, true);
  }

  /**
   * Returns the last character that is outside comments and not whitespace (or not a semicolon
   * either, when asked), or -1. Inside an unterminated quote or block comment the text cannot be
   * complete: the quote character itself is returned.
   */
  private static int scan(String text, boolean skipSemicolons) {
    int last = -1;
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '\'' || c == '"') {
        int close = closingQuote(text, i);
        if (close < 0) {
          return c;
        }
        last = c;
        i = close + 1;
      } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        int nl = text.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        if (end < 0) {
          return '*';
        }
        i = end + 2;
      } else {
        if (!Character.isWhitespace(c) && !(skipSemicolons && c == ';')) {
          last = c;
        }
        i++;
      }
    }
    return last;
  }

  /** Index of the quote closing the one at {@code open}, skipping doubled quotes, or -1. */
  private static int closingQuote(String text, int open) {
    char q = text.charAt(open);
    int i = open + 1;
    while (i < text.length()) {
      if (text.charAt(i) == q) {
        if (i + 1 < text.length() && text.charAt(i + 1) == q) {
          i += 2;
          continue;
        }
        return i;
      }
      i++;
    }
    return -1;
  }
}
