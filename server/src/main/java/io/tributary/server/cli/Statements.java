package io.tributary.server.cli;

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
