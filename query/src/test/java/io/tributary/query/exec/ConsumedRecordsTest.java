package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rows CONSUME renders as JSON read exactly as Jackson's rendering of the same values. */
class ConsumedRecordsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final TableDef TABLE =
      new TableDef(
          1,
          "ns",
          "all_types",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("flag", ColumnType.BOOLEAN, true, null),
              new ColumnDef("n", ColumnType.INT, true, null),
              new ColumnDef("d", ColumnType.DOUBLE, true, null),
              new ColumnDef("amount", ColumnType.decimal(12, 3), true, null),
              new ColumnDef("text \"quoted\"", ColumnType.TEXT, true, null),
              new ColumnDef("blob", ColumnType.BYTES, true, null),
              new ColumnDef("doc", ColumnType.JSON, true, null),
              new ColumnDef("at", ColumnType.TIMESTAMP, true, null),
              new ColumnDef("day", ColumnType.DATE, true, null),
              new ColumnDef("uid", ColumnType.UUID, true, null)),
          List.of("id"),
          Map.of(),
          0);

  @Test
  void shouldRenderEveryTypeAsJacksonDoes() {
    List<Object[]> rows = new ArrayList<>();
    rows.add(
        new Object[] {
          1L,
          true,
          -7,
          1.5e-7,
          new BigDecimal("12.500"),
          "tab\t quote\" backslash\\ newline\n bell\u0007 unit\u001f é 😀 </script>",
          new byte[] {0, 1, 2, (byte) 255},
          "{ \"a\" : [1, 2.50, \"x\"], \"b\": null }",
          1_700_000_000_123L,
          19_000,
          "7f1b2c3d-0000-4000-8000-000000000001"
        });
    rows.add(new Object[] {2L, null, null, null, null, null, null, null, null, null, null});
    rows.add(
        new Object[] {
          3L,
          false,
          Integer.MAX_VALUE,
          Double.NaN,
          new BigDecimal("0E-3"),
          "",
          new byte[0],
          "\"just text\"",
          0L,
          -1,
          null
        });
    rows.add(
        new Object[] {
          4L,
          false,
          0,
          Double.NEGATIVE_INFINITY,
          new BigDecimal("-1234567.125"),
          "\b\f\r",
          null,
          "3",
          -1L,
          0,
          null
        });
    rows.add(new Object[] {5L, null, null, 1e300, null, null, null, null, null, null, null});
    for (Object[] values : rows) {
      byte[] bytes = RowCodec.encode(TABLE.types(), values);
      assertThat(ConsumedRecords.json(TABLE, bytes)).isEqualTo(jackson(values));
    }
  }

  /** What the rows looked like when they were rendered through Jackson's tree. */
  private static String jackson(Object[] values) {
    var f = MAPPER.getNodeFactory();
    ObjectNode node = MAPPER.createObjectNode();
    for (int i = 0; i < TABLE.columns().size(); i++) {
      ColumnDef column = TABLE.columns().get(i);
      Object v = values[i];
      if (v == null) {
        node.set(column.name(), f.nullNode());
        continue;
      }
      switch (column.type().kind()) {
        case BOOLEAN -> node.set(column.name(), f.booleanNode((Boolean) v));
        case INT -> node.set(column.name(), f.numberNode((Integer) v));
        case BIGINT -> node.set(column.name(), f.numberNode((Long) v));
        case DOUBLE -> node.set(column.name(), f.numberNode((Double) v));
        case DECIMAL -> node.set(column.name(), f.numberNode((BigDecimal) v));
        case TIMESTAMP ->
            node.set(column.name(), f.textNode(Instant.ofEpochMilli((Long) v).toString()));
        case DATE ->
            node.set(column.name(), f.textNode(LocalDate.ofEpochDay((Integer) v).toString()));
        case BYTES ->
            node.set(column.name(), f.textNode(Base64.getEncoder().encodeToString((byte[]) v)));
        case JSON -> {
          try {
            node.set(column.name(), MAPPER.readTree((String) v));
          } catch (Exception e) {
            node.set(column.name(), f.textNode((String) v));
          }
        }
        default -> node.set(column.name(), f.textNode(String.valueOf(v)));
      }
    }
    return node.toString();
  }
}
