package io.tributary.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers and booleans as indented JSON (NaN as null), and reads such
 * JSON back with Jackson.
 */
public final class Json {
  /** Thread-safe once configured. Integers read as {@link Long}, whatever their size. */
  private static final ObjectMapper READER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_LONG_FOR_INTS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private Json() {}

  /**
   * Reads one JSON value: objects as maps that keep their members' order, arrays as lists, integers
   * as {@link Long} (as {@link java.math.BigInteger} past its range), other numbers as {@link
   * Double}, then strings, booleans and null.
   *
   * @throws IllegalArgumentException when {@code text} is not exactly one JSON value
   */
  public static Object read(String text) {
    try {
      return READER.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot read JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(value, b, "");
    return b.append('\n').toString();
  }

  private static void write(Object v, StringBuilder b, String indent) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        b.append(indent).append("  ");
        string(String.valueOf(e.getKey()), b);
        b.append(": ");
        write(e.getValue(), b, indent + "  ");
        b.append(it.hasNext() ? ",\n" : "\n");
      }
      b.append(indent).append('}');
    } else if (v instanceof List<?> list) {
      if (list.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < list.size(); i++) {
        b.append(indent).append("  ");
        write(list.get(i), b, indent + "  ");
        b.append(i < list.size() - 1 ? ",\n" : "\n");
      }
      b.append(indent).append(']');
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        b.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        b.append((long) (double) d);
      } else {
        b.append(String.format(java.util.Locale.ROOT, "%.4f", d));
      }
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else {
      string(v.toString(), b);
    }
  }

  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
