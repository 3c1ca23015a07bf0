package io.tributary.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Rewrites the OPTIONS clause of a {@code SUBSCRIBE TO} statement for a resume. The clause is
 * recognized only as the statement's last clause, {@code OPTIONS (k = v, ...)}, outside string
 * literals, quoted names and comments; a trailing {@code ;} and trailing comments are dropped.
 */
final class SubscribeSql {

  static final String FROM_SEQ = "from_seq";
  static final String LAST_ROWS = "last_rows";

  private static final Pattern SELECT =
      Pattern.compile(
          "^\\s*(?:EXECUTE\\s+AS\\s+USER\\s+'[^']*'\\s*\\(\\s*)?SELECT\\b",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern LIMIT = Pattern.compile("\\bLIMIT\\b", Pattern.CASE_INSENSITIVE);

  private SubscribeSql() {}

  /**
   * Whether the statement is a live SELECT with LIMIT: a window the server cannot resume (it
   * refuses {@code from_seq}), so a lost stream takes a new snapshot instead.
   */
  static boolean isWindow(String sql) {
    String withoutStrings = sql.replaceAll("'(?:[^']|'')*'", "''");
    return SELECT.matcher(withoutStrings).find() && LIMIT.matcher(withoutStrings).find();
  }

  /**
   * The statement resuming after {@code seq}: its options with {@code from_seq = seq}, without
   * {@code last_rows} (a resume takes no snapshot) and without any earlier {@code from_seq}.
   */
  static String resumingAfter(String sql, long seq) {
    return withOptions(sql, List.of(FROM_SEQ, LAST_ROWS), FROM_SEQ + " = " + seq);
  }

  /** The statement taking a fresh snapshot: its options without {@code from_seq}. */
  static String snapshotting(String sql) {
    return withOptions(sql, List.of(FROM_SEQ), null);
  }

  private static String withOptions(String sql, List<String> drop, String add) {
    List<Token> tokens = tokens(sql);
    int end = tokens.size();
    while (end > 0 && tokens.get(end - 1).is(";")) {
      end--;
    }
    if (end == 0) {
      return sql;
    }
    int bodyEnd = tokens.get(end - 1).end;
    int optionsStart = -1;
    List<String> options = new ArrayList<>();
    if (tokens.get(end - 1).is(")")) {
      int open = matchingOpen(tokens, end - 1);
      if (open > 0 && tokens.get(open - 1).isWord("OPTIONS")) {
        optionsStart = tokens.get(open - 1).start;
        options = split(sql, tokens, open, end - 1);
      }
    }
    List<String> kept = new ArrayList<>();
    for (String option : options) {
      String key = option.split("=", 2)[0].strip().toLowerCase(Locale.ROOT);
      if (!drop.contains(key)) {
        kept.add(option);
      }
    }
    if (add != null) {
      kept.add(add);
    }
    String head = sql.substring(0, optionsStart >= 0 ? optionsStart : bodyEnd).stripTrailing();
    return kept.isEmpty() ? head : head + " OPTIONS (" + String.join(", ", kept) + ")";
  }

  /** The index of the "(" matching the ")" at {@code close}, or -1. */
  private static int matchingOpen(List<Token> tokens, int close) {
    int depth = 0;
    for (int i = close; i >= 0; i--) {
      if (tokens.get(i).is(")")) {
        depth++;
      } else if (tokens.get(i).is("(")) {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * The text of the comma-separated entries between the parentheses at {@code open}, {@code close}.
   */
  private static List<String> split(String sql, List<Token> tokens, int open, int close) {
    List<String> entries = new ArrayList<>();
    int depth = 0;
    int from = tokens.get(open).end;
    for (int i = open + 1; i < close; i++) {
      Token t = tokens.get(i);
      if (t.is("(")) {
        depth++;
      } else if (t.is(")")) {
        depth--;
      } else if (t.is(",") && depth == 0) {
        entries.add(sql.substring(from, t.start).strip());
        from = t.end;
      }
    }
    String last = sql.substring(from, tokens.get(close).start).strip();
    if (!last.isEmpty() || !entries.isEmpty()) {
      entries.add(last);
    }
    entries.removeIf(String::isEmpty);
    return entries;
  }

  /**
   * A significant piece of text: a word, a quoted literal or name, or one punctuation character.
   */
  private record Token(String text, int start, int end) {
    boolean is(String punctuation) {
      return text.equals(punctuation);
    }

    boolean isWord(String word) {
      return text.equalsIgnoreCase(word);
    }
  }

  /** Splits the text into tokens, skipping whitespace and comments. */
  private static List<Token> tokens(String sql) {
    List<Token> tokens = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int nl = sql.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int close = sql.indexOf("*/", i + 2);
        i = close < 0 ? n : close + 2;
      } else if (c == '\'' || c == '"') {
        int j = i + 1;
        while (j < n) {
          if (sql.charAt(j) == c) {
            if (j + 1 < n && sql.charAt(j + 1) == c) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        int end = Math.min(j + 1, n);
        tokens.add(new Token(sql.substring(i, end), i, end));
        i = end;
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '.') {
        int j = i + 1;
        while (j < n) {
          char d = sql.charAt(j);
          if (!(Character.isLetterOrDigit(d) || d == '_' || d == '$' || d == '.')) {
            break;
          }
          j++;
        }
        tokens.add(new Token(sql.substring(i, j), i, j));
        i = j;
      } else {
        tokens.add(new Token(String.valueOf(c), i, i + 1));
        i++;
      }
    }
    return tokens;
  }
}
