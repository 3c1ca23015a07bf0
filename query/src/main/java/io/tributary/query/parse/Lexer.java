package io.tributary.query.parse;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.ArrayList;
import java.util.List;

/** Splits statement text into tokens for the dialect's own statements, with positions. */
final class Lexer {
  enum Kind {
    WORD,
    QUOTED_IDENT,
    STRING,
    NUMBER,
    SYMBOL,
    END
  }

  record Token(Kind kind, String text, int offset, int line, int column) {
    boolean isWord(String word) {
      return kind == Kind.WORD && text.equalsIgnoreCase(word);
    }

    boolean isSymbol(String symbol) {
      return kind == Kind.SYMBOL && text.equals(symbol);
    }

    String describe() {
      return kind == Kind.END ? "end of statement" : "'" + text + "'";
    }
  }

  private Lexer() {}

  static List<Token> tokenize(String sql) {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    int line = 1;
    int lineStart = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\n') {
        line++;
        lineStart = i + 1;
        i++;
        continue;
      }
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        while (i < n && sql.charAt(i) != '\n') {
          i++;
        }
        continue;
      }
      if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        int stop = end < 0 ? n : end + 2;
        for (int k = i; k < stop; k++) {
          if (sql.charAt(k) == '\n') {
            line++;
            lineStart = k + 1;
          }
        }
        i = stop;
        continue;
      }
      int column = i - lineStart + 1;
      int start = i;
      if (Character.isLetter(c) || c == '_') {
        while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
          i++;
        }
        tokens.add(new Token(Kind.WORD, sql.substring(start, i), start, line, column));
      } else if (Character.isDigit(c)) {
        while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
          i++;
        }
        tokens.add(new Token(Kind.NUMBER, sql.substring(start, i), start, line, column));
      } else if (c == '\'' || c == '`') {
        StringBuilder text = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < n) {
          char d = sql.charAt(i);
          if (d == c) {
            if (i + 1 < n && sql.charAt(i + 1) == c) {
              text.append(c);
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          text.append(d);
          i++;
        }
        if (!closed) {
          throw new TributaryException(
              ErrorCode.SYNTAX_ERROR,
              "Cannot parse statement: unterminated " + (c == '\'' ? "string" : "quoted name"),
              line,
              column,
              null);
        }
        tokens.add(
            new Token(
                c == '\'' ? Kind.STRING : Kind.QUOTED_IDENT, text.toString(), start, line, column));
      } else {
        tokens.add(new Token(Kind.SYMBOL, String.valueOf(c), start, line, column));
        i++;
      }
    }
    tokens.add(new Token(Kind.END, "", n, line, n - lineStart + 1));
    return tokens;
  }
}
