package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.api.v1.Column;
import io.tributary.api.v1.ResultSet;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.Value;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class DecodedResultSetTest {

  private static Value integer(int value) {
    return Value.newBuilder().setIntValue(value).build();
  }

  private static Value text(String value) {
    return Value.newBuilder().setTextValue(value).build();
  }

  private static io.tributary.client.Row row(String[] names, Value... values) {
    ResultSet.Builder proto = ResultSet.newBuilder();
    for (String name : names) {
      proto.addColumns(Column.newBuilder().setName(name).setType("INT").setNullable(true));
    }
    proto.addRows(Row.newBuilder().addAllValues(java.util.List.of(values)));
    return DecodedResultSet.decode(proto.build()).rows().get(0);
  }

  @Test
  void shouldDecodeColumnsAndRows() {
    ResultSet proto =
        ResultSet.newBuilder()
            .addColumns(Column.newBuilder().setName("id").setType("BIGINT"))
            .addColumns(Column.newBuilder().setName("note").setType("TEXT").setNullable(true))
            .addRows(
                Row.newBuilder()
                    .addValues(Value.newBuilder().setBigintValue(1))
                    .addValues(Value.getDefaultInstance()))
            .addRows(
                Row.newBuilder()
                    .addValues(Value.newBuilder().setBigintValue(2))
                    .addValues(text("x")))
            .build();

    io.tributary.client.ResultSet result = DecodedResultSet.decode(proto);

    assertThat(result.columns())
        .containsExactly(
            new io.tributary.client.Column("id", "BIGINT", false),
            new io.tributary.client.Column("note", "TEXT", true));
    assertThat(result.size()).isEqualTo(2);
    assertThat(result).extracting(row -> row.getLong("id")).containsExactly(1L, 2L);
    assertThat(result.rows().get(0).getString("note")).isNull();
    assertThat(result.rows().get(1).get(1)).isEqualTo("x");
  }

  @Test
  void shouldFindColumnExactlyThenIgnoringCase() {
    io.tributary.client.Row row =
        row(new String[] {"Name", "name", "Kind"}, text("A"), text("a"), text("k"));

    assertThat(row.get("Name")).isEqualTo("A");
    assertThat(row.get("name")).isEqualTo("a");
    assertThat(row.get("KIND")).isEqualTo("k");
    assertThatThrownBy(() -> row.get("NAME"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot find column 'NAME': several columns match in [Name, name, Kind]");
    assertThatThrownBy(() -> row.get("missing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot find column 'missing': no columns match in [Name, name, Kind]");
  }

  @Test
  void shouldWidenIntegersAsJavaDoes() {
    io.tributary.client.Row row =
        row(new String[] {"i", "b"}, integer(7), Value.newBuilder().setBigintValue(8).build());

    assertThat(row.getLong("i")).isEqualTo(7L);
    assertThat(row.getDouble("i")).isEqualTo(7.0);
    assertThat(row.getDecimal("i")).isEqualTo(new BigDecimal(7));
    assertThat(row.getDouble("b")).isEqualTo(8.0);
    assertThat(row.getDecimal("b")).isEqualTo(new BigDecimal(8));
    assertThat(row.get("i", int.class)).isEqualTo(7);
    assertThat(row.get("i", Object.class)).isEqualTo(7);
  }

  @Test
  void shouldRefuseNarrowingOrUnrelatedType() {
    io.tributary.client.Row row =
        row(new String[] {"b", "t"}, Value.newBuilder().setBigintValue(8).build(), text("x"));

    assertThatThrownBy(() -> row.getInteger("b"))
        .isInstanceOf(ClassCastException.class)
        .hasMessage("Cannot read column 'b' as java.lang.Integer: its value is a java.lang.Long");
    assertThatThrownBy(() -> row.getInstant("t"))
        .isInstanceOf(ClassCastException.class)
        .hasMessage("Cannot read column 't' as java.time.Instant: its value is a java.lang.String");
  }

  @Test
  void shouldHandOutCopiesOfBytes() {
    io.tributary.client.Row row =
        row(
            new String[] {"b"},
            Value.newBuilder()
                .setBytesValue(com.google.protobuf.ByteString.copyFrom(new byte[] {1}))
                .build());

    row.getBytes("b")[0] = 9;
    ((byte[]) row.values().get(0))[0] = 9;

    assertThat(row.getBytes("b")).containsExactly(1);
  }
}
