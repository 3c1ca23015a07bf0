package io.tributary.query.exec.internal;

import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code SYSTEM} is a reserved word of Calcite's parser, so {@code system.users} does not parse.
 * This quotes the namespace ({@code `system`.users}) wherever the identifier {@code system} is
 * followed by a dot outside literals, quoted identifiers and comments, and maps positions in errors
 * back to the text the user wrote.
 */
final class SystemNamespaceQuoting {
  private static final String NAME = Catalog.SYSTEM_NAMESPACE;
  private static final Pattern POSITION = Pattern.compile("line (\\d+), column (\\d+)");

  /** The rewritten text and the (line, column) of each inserted back-tick in it. */
  record Rewritten(String sql, List<int[]> insertions) {
    boolean changed() {
      return !insertions.isEmpty();
    }

    /** Maps an error's positions (in its fields and its message) back to the original text. */
    TributaryException restore(TributaryException e) {
      if (!changed() || (e.line() == 0 && !POSITION.matcher(messageOf(e)).find())) {
        return e;
      }
      Matcher m = POSITION.matcher(messageOf(e));
      StringBuilder message = new StringBuilder();
      while (m.find()) {
        int line = Integer.parseInt(m.group(1));
        int column = original(line, Integer.parseInt(m.group(2)));
        m.appendReplacement(message, "line " + line + ", column " + column);
      }
      m.appendTail(message);
      int column = e.line() == 0 ? 0 : original(e.line(), e.column());
      return new TributaryException(
          e.code(), message.toString(), e.line(), column, e.getCause() == null ? e : e.getCause());
    }

    private int original(int line, int column) {
      int shift = 0;
      for (int[] at : insertions) {
        if (at[0] == line && at[1] < column) {
          shift++;
        }
      }
      return column - shift;
    }

    private static String messageOf(TributaryException e) {
      return e.getMessage() == null ? "" : e.getMessage();
    }
  }

  private SystemNamespaceQuoting() {}

  static Rewritten rewrite(String sql) {
    if (!sql.contains(NAME)) {
      return new Rewritten(sql, List.of());
    }
    StringBuilder out = new StringBuilder(sql.length() + 8);
    List<int[]> insertions = new ArrayList<>();
    int line = 1;
    int column = 1; // of the next character written to out
    int i = 0;
    int n = sql.length();
    char previousSignificant = ' ';
    while (i < n) {
      char c = sql.charAt(i);
      int end;
      if (c == '\'' || c == '`' || c == '"') {
        end = i + 1;
        while (end < n) {
          if (sql.charAt(end) == c) {
            if (end + 1 < n && sql.charAt(end + 1) == c) {
              end += 2;
              continue;
            }
            end++;
            break;
          }
          end++;
        }
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        end = sql.indexOf('\n', i);
        end = end < 0 ? n : end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        end = sql.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
      } else if (Character.isJavaIdentifierStart(c)) {
        end = i + 1;
        while (end < n && Character.isJavaIdentifierPart(sql.charAt(end))) {
          end++;
        }
        if (sql.startsWith(NAME, i)
            && end - i == NAME.length()
            && previousSignificant != '.'
            && nextSignificant(sql, end) == '.') {
          insertions.add(new int[] {line, column});
          out.append('`').append(NAME).append('`');
          column += NAME.length() + 1;
          insertions.add(new int[] {line, column});
          column++;
          previousSignificant = 'm';
          i = end;
          continue;
        }
      } else {
        end = i + 1;
      }
      for (int k = i; k < end; k++) {
        char ch = sql.charAt(k);
        out.append(ch);
        if (ch == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      char last = sql.charAt(end - 1);
      if (!Character.isWhitespace(last)) {
        previousSignificant = last;
      }
      i = end;
    }
    return new Rewritten(out.toString(), insertions);
  }

  private static char nextSignificant(String sql, int from) {
    for (int k = from; k < sql.length(); k++) {
      char c = sql.charAt(k);
      if (!Character.isWhitespace(c)) {
        return c;
      }
    }
    return ' ';
  }
}
