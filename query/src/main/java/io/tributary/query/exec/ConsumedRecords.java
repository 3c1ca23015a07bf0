package io.tributary.query.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.TopicRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;

/**
 * The result rows of CONSUME: one per record of a topic or of a table's change feed, with the
 * columns {@link #COLUMNS} — {@code partition}, {@code offset}, {@code owner} (the owner's name),
 * {@code operation}, {@code table}, {@code row} (JSON per payload mode: the key only, the full row,
 * or the row after the change), {@code old_row} (JSON, the row before the change, payload diff and
 * change feeds), {@code _seq} and {@code timestamp}. Stateless.
 */
public final class ConsumedRecords {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static final List<ResultColumn> COLUMNS =
      List.of(
          new ResultColumn("partition", ColumnType.INT, false),
          new ResultColumn("offset", ColumnType.BIGINT, false),
          new ResultColumn("owner", ColumnType.TEXT, true),
          new ResultColumn("operation", ColumnType.TEXT, false),
          new ResultColumn("table", ColumnType.TEXT, false),
          new ResultColumn("row", ColumnType.JSON, true),
          new ResultColumn("old_row", ColumnType.JSON, true),
          new ResultColumn("_seq", ColumnType.BIGINT, false),
          new ResultColumn("timestamp", ColumnType.TIMESTAMP, true));

  private ConsumedRecords() {}

  /** The decoded row a filter reads: the row after the change, or before it for a delete. */
  public static Object[] filterRow(TableDef table, byte[] rowBytes, long seq) {
    Object[] row = RowCodec.decode(table.types(), rowBytes, table.columns().size() + 1);
    row[table.columns().size()] = seq;
    return row;
  }

  /** A result row of a topic record. */
  public static Object[] row(
      int partition, long offset, String ownerName, TableDef table, TopicRecord r, long ts) {
    String row;
    if (r.row() == null) {
      row = null;
    } else if (r.payload() == TopicPayload.KEY) {
      List<ColumnType> types = table.primaryKeyTypes();
      Object[] values = RowCodec.decode(types, r.row());
      StringBuilder b = builder();
      b.append('{');
      for (int i = 0; i < values.length; i++) {
        if (i > 0) {
          b.append(',');
        }
        string(b, table.primaryKey().get(i));
        b.append(':');
        value(b, types.get(i), values[i]);
      }
      row = b.append('}').toString();
    } else {
      row = json(table, r.row());
    }
    return new Object[] {
      partition,
      offset,
      ownerName,
      r.kind().name(),
      table.qualifiedName(),
      row,
      r.oldRow() == null ? null : json(table, r.oldRow()),
      r.seq(),
      ts < 0 ? null : ts
    };
  }

  /** A result row of a change of a table's change feed. */
  public static Object[] row(
      int partition, long offset, String ownerName, TableDef table, RowChange c, long ts) {
    boolean delete = c.kind() == RowChange.Kind.DELETE;
    return new Object[] {
      partition,
      offset,
      ownerName,
      c.kind().name(),
      table.qualifiedName(),
      json(table, delete ? c.oldRow() : c.newRow()),
      delete || c.oldRow() == null ? null : json(table, c.oldRow()),
      c.seq(),
      ts < 0 ? null : ts
    };
  }

  /**
   * The row as a JSON object, written directly (no tree per record): the same text Jackson writes
   * for it (its escapes, numbers and nested JSON values).
   */
  static String json(TableDef table, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    Object[] values = RowCodec.decode(table.types(), bytes);
    List<ColumnDef> columns = table.columns();
    StringBuilder b = builder();
    b.append('{');
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      string(b, columns.get(i).name());
      b.append(':');
      value(b, columns.get(i).type(), values[i]);
    }
    return b.append('}').toString();
  }

  private static final ThreadLocal<StringBuilder> BUILDER =
      ThreadLocal.withInitial(() -> new StringBuilder(256));

  /** An emptied builder of this thread, reused across records (trimmed when one grew large). */
  private static StringBuilder builder() {
    StringBuilder b = BUILDER.get();
    if (b.capacity() > 64 * 1024) {
      b = new StringBuilder(256);
      BUILDER.set(b);
    }
    b.setLength(0);
    return b;
  }

  private static void value(StringBuilder b, ColumnType type, Object v) {
    if (v == null) {
      b.append("null");
      return;
    }
    switch (type.kind()) {
      case BOOLEAN -> b.append(((Boolean) v).booleanValue());
      case INT -> b.append(((Integer) v).intValue());
      case BIGINT -> b.append(((Long) v).longValue());
      case DOUBLE -> {
        double d = (Double) v;
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          b.append('"').append(d).append('"'); // as Jackson: non-numeric numbers quoted
        } else {
          b.append(d);
        }
      }
      case DECIMAL -> b.append(MAPPER.getNodeFactory().numberNode((BigDecimal) v).toString());
      case TIMESTAMP -> string(b, Instant.ofEpochMilli((Long) v).toString());
      case DATE -> string(b, LocalDate.ofEpochDay((Integer) v).toString());
      case BYTES ->
          b.append('"').append(Base64.getEncoder().encodeToString((byte[]) v)).append('"');
      case JSON -> {
        String text = (String) v;
        JsonNode node;
        try {
          node = MAPPER.readTree(text);
        } catch (IOException e) {
          node = null;
        }
        if (node == null) {
          string(b, text);
        } else {
          b.append(node.toString());
        }
      }
      default -> string(b, String.valueOf(v));
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** A JSON string with Jackson's escapes: quote, backslash, and control characters. */
  private static void string(StringBuilder b, String s) {
    b.append('"');
    int n = s.length();
    int from = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      b.append(s, from, i);
      from = i + 1;
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    b.append(s, from, n).append('"');
  }
}
