package io.tributary.cli;

import io.tributary.client.Column;
import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import java.io.PrintStream;
import java.util.List;

/**
 * JSON Lines: one object per row keyed by column name. Booleans and numbers are JSON booleans and
 * numbers (DOUBLE NaN and infinities become strings), JSON columns are embedded as JSON, DECIMAL
 * stays a string to keep its precision, TIMESTAMP and DATE are ISO-8601 strings, BYTES base64, SQL
 * NULL is {@code null}.
 */
final class JsonPrinter extends ResultPrinter {
  JsonPrinter(PrintStream out, PrintStream err) {
    super(out, err);
  }

  @Override
  void rows(ResultSet rs) {
    for (Row row : rs.rows()) {
      StringBuilder b = new StringBuilder();
      object(b, rs.columns(), row);
      out.println(b);
    }
  }

  /** A row as one JSON object keyed by column name. */
  static void object(StringBuilder b, List<Column> columns, Row row) {
    List<Object> values = row.values();
    b.append('{');
    for (int c = 0; c < columns.size(); c++) {
      if (c > 0) {
        b.append(',');
      }
      Column column = columns.get(c);
      quote(b, column.name());
      b.append(':');
      value(b, c < values.size() ? values.get(c) : null, column.type());
    }
    b.append('}');
  }

  @Override
  EventPrinter events() {
    return new EventPrinter.Json(out, err);
  }

  @Override
  void affected(long rows) {
    out.println("{\"rows_affected\":" + rows + "}");
  }

  @Override
  void done(String tag) {
    StringBuilder b = new StringBuilder("{\"done\":");
    quote(b, tag);
    out.println(b.append('}'));
  }

  /** A value of a column of {@code type}: JSON columns are embedded as JSON. */
  static void value(StringBuilder b, Object v, String type) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      b.append(v);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        quote(b, d.toString());
      } else {
        b.append(d.doubleValue());
      }
    } else if (v instanceof String text && type.equals("JSON")) {
      b.append(text.strip());
    } else {
      quote(b, Cells.text(v));
    }
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        case '\b':
          b.append("\\b");
          break;
        case '\f':
          b.append("\\f");
          break;
        default:
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
