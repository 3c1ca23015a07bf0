package io.tributary.server.cli;

import io.tributary.api.v1.Column;
import io.tributary.api.v1.ResultSet;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.Value;
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
    for (Row row : rs.getRowsList()) {
      StringBuilder b = new StringBuilder();
      object(b, rs.getColumnsList(), row);
      out.println(b);
    }
  }

  /** A row as one JSON object keyed by column name. */
  static void object(StringBuilder b, List<Column> columns, Row row) {
    b.append('{');
    for (int c = 0; c < columns.size(); c++) {
      if (c > 0) {
        b.append(',');
      }
      quote(b, columns.get(c).getName());
      b.append(':');
      value(b, c < row.getValuesCount() ? row.getValues(c) : Value.getDefaultInstance());
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

  static void value(StringBuilder b, Value v) {
    switch (v.getKindCase()) {
      case KIND_NOT_SET:
        b.append("null");
        break;
      case BOOL_VALUE:
      case INT_VALUE:
      case BIGINT_VALUE:
        b.append(Cells.text(v));
        break;
      case DOUBLE_VALUE:
        double d = v.getDoubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          quote(b, Double.toString(d));
        } else {
          b.append(d);
        }
        break;
      case JSON_VALUE:
        b.append(v.getJsonValue().strip());
        break;
      default:
        quote(b, Cells.text(v));
        break;
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
