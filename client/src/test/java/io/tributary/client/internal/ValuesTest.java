package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.api.v1.Value;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ValuesTest {

  static Stream<Arguments> everyType() {
    return Stream.of(
        Arguments.of(null, Value.KindCase.KIND_NOT_SET),
        Arguments.of(false, Value.KindCase.BOOL_VALUE),
        Arguments.of(Integer.MIN_VALUE, Value.KindCase.INT_VALUE),
        Arguments.of(Long.MAX_VALUE, Value.KindCase.BIGINT_VALUE),
        Arguments.of(-0.125, Value.KindCase.DOUBLE_VALUE),
        Arguments.of(Double.NaN, Value.KindCase.DOUBLE_VALUE),
        Arguments.of(new BigDecimal("-12345678901234567890.000100"), Value.KindCase.DECIMAL_VALUE),
        Arguments.of("", Value.KindCase.TEXT_VALUE),
        Arguments.of(new byte[0], Value.KindCase.BYTES_VALUE),
        Arguments.of(Instant.ofEpochMilli(-1), Value.KindCase.TIMESTAMP_MILLIS),
        Arguments.of(LocalDate.of(2024, 2, 29), Value.KindCase.DATE_DAYS),
        Arguments.of(UUID.randomUUID(), Value.KindCase.UUID_VALUE));
  }

  @ParameterizedTest
  @MethodSource("everyType")
  void shouldRoundTripEveryTypeAndNull(Object java, Value.KindCase kind) {
    Value value = Values.toProto(java, 1);

    assertThat(value.getKindCase()).isEqualTo(kind);
    assertThat(Values.toJava(value)).isEqualTo(java);
  }

  @Test
  void shouldBindShortAndByteAsInt() {
    assertThat(Values.toProto((short) -7, 1)).isEqualTo(Value.newBuilder().setIntValue(-7).build());
    assertThat(Values.toProto((byte) 7, 1)).isEqualTo(Value.newBuilder().setIntValue(7).build());
  }

  @Test
  void shouldBindFloatAsDouble() {
    assertThat(Values.toProto(0.5f, 1)).isEqualTo(Value.newBuilder().setDoubleValue(0.5).build());
  }

  @Test
  void shouldBindDecimalAsPlainString() {
    assertThat(Values.toProto(new BigDecimal("1E+3"), 1).getDecimalValue()).isEqualTo("1000");
  }

  @Test
  void shouldBindTimestampWithMillisecondPrecision() {
    Instant precise = Instant.parse("2024-05-01T12:34:56.789999Z");

    assertThat(Values.toJava(Values.toProto(precise, 1)))
        .isEqualTo(Instant.parse("2024-05-01T12:34:56.789Z"));
  }

  @Test
  void shouldReadJsonAsText() {
    Value json = Value.newBuilder().setJsonValue("{\"a\":1}").build();

    assertThat(Values.toJava(json)).isEqualTo("{\"a\":1}");
  }

  @Test
  void shouldRejectUnsupportedParameterType() {
    assertThatThrownBy(() -> Values.toProto(new Date(0), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot bind parameter $3: unsupported type java.util.Date");
  }

  @Test
  void shouldRejectDateOutsideProtocolRange() {
    assertThatThrownBy(() -> Values.toProto(LocalDate.MAX, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot bind parameter $1: value out of range for java.time.LocalDate");
  }
}
