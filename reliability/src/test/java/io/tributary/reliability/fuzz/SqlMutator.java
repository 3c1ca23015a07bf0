package io.tributary.reliability.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Makes a statement slightly (or very) wrong: token deletion, duplication and swaps, literals
 * replaced by boundary values, huge numbers, deep nesting, unicode, NULs, very long identifiers and
 * random bytes. Deterministic for a given {@link Random}.
 */
final class SqlMutator {
  /** Literals at the edges of the types: integer and floating bounds, empty, odd text. */
  static final List<String> BOUNDARY_LITERALS =
      List.of(
          "0",
          "-0",
          "-1",
          "2147483647",
          "2147483648",
          "-2147483648",
          "-2147483649",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775809",
          "99999999999999999999999999999999999999999999999999",
          "1e308",
          "1e309",
          "-1e-400",
          "0.000000000000000000000000000000000000000001",
          "12345678901234567890123456789012345678.99",
          "NULL",
          "TRUE",
          "''",
          "' '",
          "'\u0000'",
          "'a\u0000b'",
          "'\uD83D\uDE00\u202E\u0301'",
          "'\uFFFF'",
          "'\uD800'",
          "'it''s'",
          "'\\'",
          "X''",
          "X'CAFE'",
          "X'GG'",
          "DATE '0000-00-00'",
          "DATE '9999-12-31'",
          "TIMESTAMP '1970-01-01 00:00:00'",
          "TIMESTAMP '292278994-08-17 07:12:55.807'",
          "'0190a8f2-7b1c-7d2e-8f00-0123456789ab'",
          "'{\"a\": [1, 2, {\"b\": null}]}'",
          "'{'",
          "$1",
          "$0",
          "$65536",
          "$99999999999");

  private static final List<String> KEYWORDS =
      List.of(
          "SELECT",
          "FROM",
          "WHERE",
          "AND",
          "OR",
          "NOT",
          "NULL",
          "(",
          ")",
          ",",
          ";",
          "*",
          "=",
          "AS",
          "USER",
          "TABLE",
          "INSERT",
          "VALUES",
          "SET",
          "ORDER BY",
          "GROUP BY",
          "LIMIT",
          "OPTIONS",
          "EXECUTE AS USER 'root'",
          "SUBSCRIBE TO",
          "CASE",
          "WHEN",
          "END",
          "JOIN",
          "ON",
          "UNION",
          "IN",
          "BETWEEN",
          "LIKE",
          "IS",
          "DEFAULT",
          "PRIMARY KEY",
          "WITH",
          "::",
          "`",
          "'",
          "\"",
          "--",
          "/*",
          "*/",
          "$",
          "?",
          ".",
          "..",
          "||",
          "%",
          "\\");

  private final Random random;

  SqlMutator(Random random) {
    this.random = random;
  }

  /** One to three mutations of {@code sql}. */
  String mutate(String sql) {
    String out = sql;
    int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 3 : 1);
    for (int i = 0; i < n; i++) {
      out = mutateOnce(out);
    }
    return out;
  }

  private String mutateOnce(String sql) {
    List<String> tokens = tokenize(sql);
    if (tokens.isEmpty()) {
      return randomBytes(1 + random.nextInt(40));
    }
    int at = random.nextInt(tokens.size());
    switch (random.nextInt(17)) {
      case 0 -> tokens.remove(at);
      case 1 -> tokens.add(at, tokens.get(at));
      case 2 -> {
        int other = random.nextInt(tokens.size());
        String t = tokens.get(at);
        tokens.set(at, tokens.get(other));
        tokens.set(other, t);
      }
      case 3, 4 -> replaceLiteral(tokens);
      case 5 -> tokens.add(at, " " + pick(KEYWORDS) + " ");
      case 6 -> {
        return nest(sql);
      }
      case 7 -> tokens.set(at, longIdentifier());
      case 8 -> tokens.add(at, randomBytes(1 + random.nextInt(8)));
      case 9 -> {
        return sql.substring(0, random.nextInt(sql.length() + 1));
      }
      case 10 -> tokens.set(at, flipCase(tokens.get(at)));
      case 11 -> tokens.set(at, unicode());
      case 12 -> tokens.add(at, "\u0000");
      case 13 -> {
        return sql + ";" + sql;
      }
      case 14 -> tokens.set(at, hugeNumber());
      case 15 -> tokens.add(at, " (" + tokens.get(at) + ") ");
      default -> {
        byte[] bytes = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > 0) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return String.join("", tokens);
  }

  private void replaceLiteral(List<String> tokens) {
    List<Integer> literals = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (!t.isEmpty() && (Character.isDigit(t.charAt(0)) || t.charAt(0) == '\'')) {
        literals.add(i);
      }
    }
    int at = literals.isEmpty() ? random.nextInt(tokens.size()) : pick(literals);
    tokens.set(at, random.nextInt(8) == 0 ? longString() : pick(BOUNDARY_LITERALS));
  }

  /** Wraps a random slice of the statement, or the whole, in many parentheses. */
  String nest(String sql) {
    int depth = pick(List.of(2, 10, 100, 255, 256, 257, 1000, 20000));
    int from = random.nextInt(sql.length() + 1);
    int to = from + random.nextInt(sql.length() - from + 1);
    return sql.substring(0, from)
        + "(".repeat(depth)
        + sql.substring(from, to)
        + ")".repeat(depth)
        + sql.substring(to);
  }

  String longIdentifier() {
    int length = pick(List.of(64, 255, 256, 1000, 65536, 300_000));
    return random.nextBoolean() ? "x".repeat(length) : "`" + "y".repeat(length) + "`";
  }

  String longString() {
    int length = pick(List.of(1000, 65536, 262_144, 300_000));
    return "'" + "z".repeat(length) + "'";
  }

  String hugeNumber() {
    StringBuilder b = new StringBuilder(random.nextBoolean() ? "-" : "");
    int digits = pick(List.of(19, 20, 39, 40, 400, 5000));
    b.append(1 + random.nextInt(9));
    for (int i = 1; i < digits; i++) {
      b.append(random.nextInt(10));
    }
    if (random.nextBoolean()) {
      b.append('.').append(random.nextInt(1000));
    }
    if (random.nextInt(4) == 0) {
      b.append('e').append(random.nextBoolean() ? "-" : "").append(random.nextInt(100_000));
    }
    return b.toString();
  }

  String unicode() {
    return pick(
        List.of(
            "\u00e9t\u00e9",
            "\u65e5\u672c",
            "\uD83D\uDE00",
            "\u202E",
            "\uFEFF",
            "\u0301",
            "\u2028",
            "\uD800",
            "\uDFFF",
            "\u0000",
            "'\u65e5\u672c'",
            "`\u65e5\u672c`",
            "\uFF08",
            "\uFF1B"));
  }

  String randomBytes(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x10000) : random.nextInt(128)));
    }
    return b.toString();
  }

  private String flipCase(String token) {
    StringBuilder b = new StringBuilder(token.length());
    for (char c : token.toCharArray()) {
      b.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return b.toString();
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  /**
   * Splits SQL into tokens that join back to the same text: quoted strings and names, words,
   * numbers, runs of whitespace, and single other characters.
   */
  static List<String> tokenize(String sql) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      int end = i + 1;
      if (c == '\'' || c == '`' || c == '"') {
        while (end < sql.length() && sql.charAt(end) != c) {
          end++;
        }
        end = Math.min(end + 1, sql.length());
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$') {
        while (end < sql.length()
            && (Character.isLetterOrDigit(sql.charAt(end))
                || sql.charAt(end) == '_'
                || sql.charAt(end) == '.')) {
          end++;
        }
      } else if (Character.isWhitespace(c)) {
        while (end < sql.length() && Character.isWhitespace(sql.charAt(end))) {
          end++;
        }
      }
      tokens.add(sql.substring(i, end));
      i = end;
    }
    return tokens;
  }
}
