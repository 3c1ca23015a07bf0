package io.tributary.query.expr.internal;

import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * SQL LIKE patterns ({@code %} any run of characters, {@code _} one character, an optional escape
 * character). Common shapes ({@code 'abc'}, {@code 'abc%'}, {@code '%abc'}, {@code '%abc%'}) avoid
 * regular expressions.
 */
final class LikeMatcher {
  private LikeMatcher() {}

  /**
   * A matcher of the whole string against the pattern.
   *
   * @throws IllegalArgumentException with the reason when the pattern or escape is invalid
   */
  static Predicate<String> compile(String pattern, String escape, boolean caseSensitive) {
    Character esc = null;
    if (escape != null) {
      if (escape.length() != 1) {
        throw new IllegalArgumentException("invalid escape character '" + escape + "'");
      }
      esc = escape.charAt(0);
    }
    if (!caseSensitive) {
      Predicate<String> inner = compile(pattern.toLowerCase(Locale.ROOT), escape, true);
      return s -> inner.test(s.toLowerCase(Locale.ROOT));
    }
    // Literal pieces separated by '%'; '_' forces the regular expression path.
    StringBuilder regex = new StringBuilder(pattern.length() + 8);
    StringBuilder literal = new StringBuilder();
    java.util.List<String> pieces = new java.util.ArrayList<>();
    boolean simple = true;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (esc != null && c == esc) {
        if (i + 1 >= pattern.length()) {
          throw new IllegalArgumentException(
              "invalid escape sequence in pattern '" + pattern + "'");
        }
        char n = pattern.charAt(++i);
        if (n != '%' && n != '_' && n != esc) {
          throw new IllegalArgumentException(
              "invalid escape sequence in pattern '" + pattern + "'");
        }
        literal.append(n);
        regex.append(Pattern.quote(String.valueOf(n)));
      } else if (c == '%') {
        pieces.add(literal.toString());
        literal.setLength(0);
        regex.append("(?s:.*)");
      } else if (c == '_') {
        simple = false;
        regex.append("(?s:.)");
      } else {
        literal.append(c);
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    pieces.add(literal.toString());
    if (simple) {
      if (pieces.size() == 1) {
        String exact = pieces.get(0);
        return exact::equals;
      }
      if (pieces.size() == 2) {
        String prefix = pieces.get(0);
        String suffix = pieces.get(1);
        if (suffix.isEmpty()) {
          return s -> s.startsWith(prefix);
        }
        if (prefix.isEmpty()) {
          return s -> s.endsWith(suffix);
        }
        int min = prefix.length() + suffix.length();
        return s -> s.length() >= min && s.startsWith(prefix) && s.endsWith(suffix);
      }
      if (pieces.size() == 3 && pieces.get(0).isEmpty() && pieces.get(2).isEmpty()) {
        String middle = pieces.get(1);
        return s -> s.contains(middle);
      }
    }
    Pattern compiled = Pattern.compile(regex.toString(), Pattern.DOTALL);
    return s -> compiled.matcher(s).matches();
  }
}
