package io.tributary.cli;

import io.tributary.client.Column;
import io.tributary.client.LiveEvent.Failed;
import io.tributary.client.LiveEvent.SortKey;
import io.tributary.client.LiveEvent.Subscribed;
import io.tributary.client.Row;
import io.tributary.client.TributaryException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes the events of a subscription as they arrive, one line each, flushed at once so that a pipe
 * sees every event immediately. One printer per output format and subscription; not thread-safe.
 */
abstract class EventPrinter {
  protected final PrintStream out;
  protected final PrintStream err;

  /** The subscription's columns (the table's, then {@code _seq}); empty until Subscribed. */
  protected List<Column> columns = List.of();

  EventPrinter(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  final void subscribed(Subscribed subscribed) {
    columns = subscribed.columns();
    line(subscribedLine(subscribed));
  }

  final void snapshot(Row row) {
    line(snapshotLine(row));
  }

  final void ready(long seq) {
    line(readyLine(seq));
  }

  final void insert(long seq, Row row) {
    line(changeLine("insert", seq, null, row));
  }

  final void update(long seq, Row oldRow, Row newRow) {
    line(changeLine("update", seq, oldRow, newRow));
  }

  final void delete(long seq, Row row) {
    line(changeLine("delete", seq, null, row));
  }

  /**
   * A LiveError: the subscription ended. To stderr as {@code ERROR <code>: <message> (last seq N)},
   * unless the format makes it a line of the stream.
   */
  void error(Failed failed) {
    TributaryException e = failed.error();
    err.println(
        "ERROR " + e.code() + ": " + e.getMessage() + " (last seq " + failed.lastSeq() + ")");
    err.flush();
  }

  abstract String subscribedLine(Subscribed subscribed);

  abstract String snapshotLine(Row row);

  abstract String readyLine(long seq);

  /** An insert or delete ({@code before} null), or an update. */
  abstract String changeLine(String event, long seq, Row before, Row row);

  private void line(String line) {
    if (line != null) {
      out.println(line);
      out.flush();
    }
  }

  /**
   * JSON Lines: {@code {"event":"insert","seq":12,"row":{...}}}; {@code update} has {@code old} and
   * {@code new}; {@code snapshot} a {@code row}; {@code ready} a {@code seq}; {@code subscribed}
   * the {@code columns}, {@code primary_key} and, for a live SELECT with ORDER BY, {@code
   * order_by}; {@code error} its {@code code}, {@code message} and {@code last_seq}, on stdout too
   * since it is part of the stream. Values as in {@link JsonPrinter}.
   */
  static final class Json extends EventPrinter {
    Json(PrintStream out, PrintStream err) {
      super(out, err);
    }

    @Override
    String subscribedLine(Subscribed subscribed) {
      StringBuilder b = new StringBuilder("{\"event\":\"subscribed\",\"columns\":[");
      for (int c = 0; c < subscribed.columns().size(); c++) {
        Column column = subscribed.columns().get(c);
        b.append(c > 0 ? "," : "").append("{\"name\":");
        JsonPrinter.quote(b, column.name());
        b.append(",\"type\":");
        JsonPrinter.quote(b, column.type());
        b.append(",\"nullable\":").append(column.nullable()).append('}');
      }
      b.append("],\"primary_key\":[");
      for (int k = 0; k < subscribed.primaryKey().size(); k++) {
        b.append(k > 0 ? "," : "");
        JsonPrinter.quote(b, subscribed.primaryKey().get(k));
      }
      b.append(']');
      if (!subscribed.orderBy().isEmpty()) {
        b.append(",\"order_by\":[");
        for (int k = 0; k < subscribed.orderBy().size(); k++) {
          SortKey key = subscribed.orderBy().get(k);
          b.append(k > 0 ? "," : "").append("{\"column\":");
          JsonPrinter.quote(b, key.column());
          b.append(",\"descending\":").append(key.descending());
          b.append(",\"nulls_first\":").append(key.nullsFirst()).append('}');
        }
        b.append(']');
      }
      return b.append('}').toString();
    }

    @Override
    String snapshotLine(Row row) {
      StringBuilder b = new StringBuilder("{\"event\":\"snapshot\",\"row\":");
      JsonPrinter.object(b, columns, row);
      return b.append('}').toString();
    }

    @Override
    String readyLine(long seq) {
      return "{\"event\":\"ready\",\"seq\":" + seq + "}";
    }

    @Override
    String changeLine(String event, long seq, Row before, Row row) {
      StringBuilder b = new StringBuilder("{\"event\":\"" + event + "\",\"seq\":" + seq);
      if (before != null) {
        b.append(",\"old\":");
        JsonPrinter.object(b, columns, before);
        b.append(",\"new\":");
      } else {
        b.append(",\"row\":");
      }
      JsonPrinter.object(b, columns, row);
      return b.append('}').toString();
    }

    @Override
    void error(Failed failed) {
      StringBuilder b = new StringBuilder("{\"event\":\"error\",\"code\":");
      JsonPrinter.quote(b, failed.error().code());
      b.append(",\"message\":");
      JsonPrinter.quote(b, failed.error().getMessage());
      b.append(",\"last_seq\":").append(failed.lastSeq()).append('}');
      out.println(b);
      out.flush();
    }
  }

  /**
   * One readable line per event: {@code insert seq=12: id=3, name='a b', _seq=12}; an update shows
   * {@code old -> new}. Text is quoted when it would otherwise read ambiguously, SQL NULL is {@code
   * NULL}. Errors go to stderr.
   */
  static final class Table extends EventPrinter {
    Table(PrintStream out, PrintStream err) {
      super(out, err);
    }

    @Override
    String subscribedLine(Subscribed subscribed) {
      StringBuilder b = new StringBuilder("subscribed: ");
      for (int c = 0; c < subscribed.columns().size(); c++) {
        Column column = subscribed.columns().get(c);
        b.append(c > 0 ? ", " : "").append(column.name()).append(' ').append(column.type());
      }
      if (!subscribed.primaryKey().isEmpty()) {
        b.append("; primary key (").append(String.join(", ", subscribed.primaryKey())).append(')');
      }
      for (int k = 0; k < subscribed.orderBy().size(); k++) {
        SortKey key = subscribed.orderBy().get(k);
        b.append(k == 0 ? "; order by " : ", ")
            .append(key.column())
            .append(key.descending() ? " DESC" : "")
            .append(key.nullsFirst() ? " NULLS FIRST" : " NULLS LAST");
      }
      return b.toString();
    }

    @Override
    String snapshotLine(Row row) {
      return "snapshot: " + row(row);
    }

    @Override
    String readyLine(long seq) {
      return "ready: seq=" + seq;
    }

    @Override
    String changeLine(String event, long seq, Row before, Row row) {
      String change = before == null ? row(row) : row(before) + " -> " + row(row);
      return event + " seq=" + seq + ": " + change;
    }

    private String row(Row row) {
      StringBuilder b = new StringBuilder();
      List<Object> values = row.values();
      int n = Math.max(columns.size(), values.size());
      for (int c = 0; c < n; c++) {
        String name = c < columns.size() ? columns.get(c).name() : "$" + (c + 1);
        Object value = c < values.size() ? values.get(c) : null;
        b.append(c > 0 ? ", " : "").append(name).append('=').append(cell(value));
      }
      return b.toString();
    }

    private static String cell(Object v) {
      String text = Cells.text(v);
      if (text == null) {
        return "NULL";
      }
      if (v instanceof Boolean
          || v instanceof Integer
          || v instanceof Long
          || v instanceof Double
          || v instanceof BigDecimal) {
        return text;
      }
      boolean plain = !text.isEmpty() && !text.equals("NULL");
      for (int i = 0; plain && i < text.length(); i++) {
        char c = text.charAt(i);
        plain = !Character.isWhitespace(c) && c != ',' && c != '\'' && c != '=';
      }
      if (plain) {
        return text;
      }
      return "'"
          + text.replace("'", "''").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
          + "'";
    }
  }

  /**
   * RFC 4180 CSV: after Subscribed a header {@code event,seq,<columns>}, then one line per event
   * ({@code snapshot} with an empty seq, {@code ready} with empty values, {@code update} with the
   * new row). Errors go to stderr.
   */
  static final class Csv extends EventPrinter {
    Csv(PrintStream out, PrintStream err) {
      super(out, err);
    }

    @Override
    String subscribedLine(Subscribed subscribed) {
      StringBuilder b = new StringBuilder("event,seq");
      for (Column column : subscribed.columns()) {
        b.append(',').append(CsvPrinter.field(column.name()));
      }
      return b.toString();
    }

    @Override
    String snapshotLine(Row row) {
      return "snapshot,," + values(row);
    }

    @Override
    String readyLine(long seq) {
      return "ready," + seq + ",".repeat(columns.size());
    }

    @Override
    String changeLine(String event, long seq, Row before, Row row) {
      return event + "," + seq + "," + values(row);
    }

    private String values(Row row) {
      StringBuilder b = new StringBuilder();
      List<Object> values = row.values();
      for (int c = 0; c < Math.max(columns.size(), values.size()); c++) {
        if (c > 0) {
          b.append(',');
        }
        String text = c < values.size() ? Cells.text(values.get(c)) : null;
        if (text != null) {
          b.append(text.isEmpty() ? "\"\"" : CsvPrinter.field(text));
        }
      }
      return b.toString();
    }
  }
}
