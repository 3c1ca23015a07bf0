package io.tributary.cli;

import io.tributary.client.Column;
import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * psql-like tables: a header, a rule, aligned rows (numbers right-aligned, SQL NULL as {@code
 * NULL}), then {@code (N rows)}. Line breaks and tabs inside values are shown escaped so rows stay
 * on one line.
 */
final class TablePrinter extends ResultPrinter {
  TablePrinter(PrintStream out, PrintStream err) {
    super(out, err);
  }

  @Override
  void rows(ResultSet rs) {
    List<Column> columns = rs.columns();
    int n = columns.size();
    List<String[]> cells = new ArrayList<>(rs.size());
    int[] width = new int[n];
    boolean[] right = new boolean[n];
    for (int c = 0; c < n; c++) {
      Column column = columns.get(c);
      width[c] = length(column.name());
      right[c] = Cells.isNumeric(column.type());
    }
    for (Row row : rs.rows()) {
      List<Object> values = row.values();
      String[] line = new String[n];
      for (int c = 0; c < n; c++) {
        String text = c < values.size() ? Cells.text(values.get(c)) : null;
        line[c] = text == null ? "NULL" : escape(text);
        width[c] = Math.max(width[c], length(line[c]));
      }
      cells.add(line);
    }
    StringBuilder header = new StringBuilder();
    StringBuilder rule = new StringBuilder();
    for (int c = 0; c < n; c++) {
      if (c > 0) {
        header.append('|');
        rule.append('+');
      }
      header.append(' ').append(pad(columns.get(c).name(), width[c], false)).append(' ');
      rule.append("-".repeat(width[c] + 2));
    }
    out.println(stripEnd(header));
    out.println(rule);
    for (String[] line : cells) {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < n; c++) {
        if (c > 0) {
          b.append('|');
        }
        b.append(' ').append(pad(line[c], width[c], right[c])).append(' ');
      }
      out.println(stripEnd(b));
    }
    int count = rs.size();
    out.println("(" + count + (count == 1 ? " row)" : " rows)"));
    out.println();
  }

  @Override
  void affected(long rows) {
    out.println(rows + (rows == 1 ? " row affected" : " rows affected"));
  }

  @Override
  EventPrinter events() {
    return new EventPrinter.Table(out, err);
  }

  @Override
  void done(String tag) {
    out.println(tag);
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - length(s));
    return right ? fill + s : s + fill;
  }

  private static int length(String s) {
    return s.codePointCount(0, s.length());
  }

  private static String stripEnd(StringBuilder b) {
    int end = b.length();
    while (end > 0 && b.charAt(end - 1) == ' ') {
      end--;
    }
    return b.substring(0, end);
  }

  private static String escape(String s) {
    if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\t') < 0) {
      return s;
    }
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
  }
}
