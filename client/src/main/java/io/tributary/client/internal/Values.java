package io.tributary.client.internal;

import com.google.protobuf.ByteString;
import io.tributary.api.v1.Value;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/** Maps protocol {@link Value}s to Java objects and back; the table is in TributaryClient. */
final class Values {

  private static final Value NULL = Value.getDefaultInstance();

  private Values() {}

  /** The Java object of a value; null for SQL NULL. */
  static Object toJava(Value value) {
    return switch (value.getKindCase()) {
      case BOOL_VALUE -> value.getBoolValue();
      case INT_VALUE -> value.getIntValue();
      case BIGINT_VALUE -> value.getBigintValue();
      case DOUBLE_VALUE -> value.getDoubleValue();
      case DECIMAL_VALUE -> new BigDecimal(value.getDecimalValue());
      case TEXT_VALUE -> value.getTextValue();
      case BYTES_VALUE -> value.getBytesValue().toByteArray();
      case JSON_VALUE -> value.getJsonValue();
      case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(value.getTimestampMillis());
      case DATE_DAYS -> LocalDate.ofEpochDay(value.getDateDays());
      case UUID_VALUE -> UUID.fromString(value.getUuidValue());
      case KIND_NOT_SET -> null;
    };
  }

  /**
   * The value of a parameter.
   *
   * @param position the 1-based position of the parameter, for the message of a failure
   * @throws IllegalArgumentException if the parameter's type has no SQL type, or its value does not
   *     fit the SQL type
   */
  static Value toProto(Object param, int position) {
    if (param == null) {
      return NULL;
    }
    Value.Builder value = Value.newBuilder();
    try {
      if (param instanceof Boolean v) {
        value.setBoolValue(v);
      } else if (param instanceof Integer v) {
        value.setIntValue(v);
      } else if (param instanceof Short v) {
        value.setIntValue(v);
      } else if (param instanceof Byte v) {
        value.setIntValue(v);
      } else if (param instanceof Long v) {
        value.setBigintValue(v);
      } else if (param instanceof Double v) {
        value.setDoubleValue(v);
      } else if (param instanceof Float v) {
        value.setDoubleValue(v);
      } else if (param instanceof BigDecimal v) {
        value.setDecimalValue(v.toPlainString());
      } else if (param instanceof String v) {
        value.setTextValue(v);
      } else if (param instanceof byte[] v) {
        value.setBytesValue(ByteString.copyFrom(v));
      } else if (param instanceof Instant v) {
        value.setTimestampMillis(v.toEpochMilli());
      } else if (param instanceof LocalDate v) {
        value.setDateDays(Math.toIntExact(v.toEpochDay()));
      } else if (param instanceof UUID v) {
        value.setUuidValue(v.toString());
      } else {
        throw new IllegalArgumentException(
            "Cannot bind parameter $"
                + position
                + ": unsupported type "
                + param.getClass().getName());
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "Cannot bind parameter $"
              + position
              + ": value out of range for "
              + param.getClass().getName(),
          e);
    }
    return value.build();
  }
}
