package io.tributary.cli;

import io.tributary.client.Column;
import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import java.io.PrintStream;
import java.util.List;

/**
 * RFC 4180 CSV: a header line, then one line per row; fields holding a comma, quote or line break
 * are quoted with quotes doubled. SQL NULL is an empty field and the empty string a quoted {@code
 * ""}, so the two stay distinct. Writes and DDL print a one-column table ({@code rows_affected} or
 * {@code done}) so stdout stays CSV. Lines end with {@code \n}.
 */
final class CsvPrinter extends ResultPrinter {
  CsvPrinter(PrintStream out, PrintStream err) {
    super(out, err);
  }

  @Override
  void rows(ResultSet rs) {
    List<Column> columns = rs.columns();
    StringBuilder header = new StringBuilder();
    for (int c = 0; c < columns.size(); c++) {
      if (c > 0) {
        header.append(',');
      }
      header.append(field(columns.get(c).name()));
    }
    out.println(header);
    for (Row row : rs.rows()) {
      List<Object> values = row.values();
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < columns.size(); c++) {
        if (c > 0) {
          b.append(',');
        }
        String text = c < values.size() ? Cells.text(values.get(c)) : null;
        if (text != null) {
          b.append(text.isEmpty() ? "\"\"" : field(text));
        }
      }
      out.println(b);
    }
  }

  @Override
  void affected(long rows) {
    out.println("rows_affected");
    out.println(rows);
  }

  @Override
  EventPrinter events() {
    return new EventPrinter.Csv(out, err);
  }

  @Override
  void done(String tag) {
    out.println("done");
    out.println(field(tag));
  }

  static String field(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return '"' + s.replace("\"", "\"\"") + '"';
      }
    }
    return s;
  }
}
