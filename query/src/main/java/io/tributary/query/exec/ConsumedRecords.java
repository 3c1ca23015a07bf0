package io.tributary.query.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
      ObjectNode node = MAPPER.createObjectNode();
      for (int i = 0; i < values.length; i++) {
        node.set(table.primaryKey().get(i), json(types.get(i), values[i]));
      }
      row = node.toString();
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

  private static String json(TableDef table, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    Object[] values = RowCodec.decode(table.types(), bytes);
    ObjectNode node = MAPPER.createObjectNode();
    List<ColumnDef> columns = table.columns();
    for (int i = 0; i < columns.size(); i++) {
      node.set(columns.get(i).name(), json(columns.get(i).type(), values[i]));
    }
    return node.toString();
  }

  private static JsonNode json(ColumnType type, Object v) {
    var f = MAPPER.getNodeFactory();
    if (v == null) {
      return f.nullNode();
    }
    return switch (type.kind()) {
      case BOOLEAN -> f.booleanNode((Boolean) v);
      case INT -> f.numberNode((Integer) v);
      case BIGINT -> f.numberNode((Long) v);
      case DOUBLE -> f.numberNode((Double) v);
      case DECIMAL -> f.numberNode((BigDecimal) v);
      case TIMESTAMP -> f.textNode(Instant.ofEpochMilli((Long) v).toString());
      case DATE -> f.textNode(LocalDate.ofEpochDay((Integer) v).toString());
      case BYTES -> f.textNode(Base64.getEncoder().encodeToString((byte[]) v));
      case JSON -> {
        try {
          yield MAPPER.readTree((String) v);
        } catch (IOException e) {
          yield f.textNode((String) v);
        }
      }
      default -> f.textNode(String.valueOf(v));
    };
  }
}
