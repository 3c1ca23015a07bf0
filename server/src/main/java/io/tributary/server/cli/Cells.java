package io.tributary.server.cli;

import io.tributary.api.v1.Value;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;

/** Text forms of protocol values, shared by the output formats. */
final class Cells {
  private Cells() {}

  /**
   * The value as text: TIMESTAMP ISO-8601 in UTC, DATE ISO, BYTES base64, DECIMAL as sent; null for
   * SQL NULL.
   */
  static String text(Value v) {
    switch (v.getKindCase()) {
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case INT_VALUE:
        return Integer.toString(v.getIntValue());
      case BIGINT_VALUE:
        return Long.toString(v.getBigintValue());
      case DOUBLE_VALUE:
        return Double.toString(v.getDoubleValue());
      case DECIMAL_VALUE:
        return v.getDecimalValue();
      case TEXT_VALUE:
        return v.getTextValue();
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case JSON_VALUE:
        return v.getJsonValue();
      case TIMESTAMP_MILLIS:
        return Instant.ofEpochMilli(v.getTimestampMillis()).toString();
      case DATE_DAYS:
        return LocalDate.ofEpochDay(v.getDateDays()).toString();
      case UUID_VALUE:
        return v.getUuidValue();
      case KIND_NOT_SET:
      default:
        return null;
    }
  }

  /** True for the column types whose values read best right-aligned. */
  static boolean isNumeric(String columnType) {
    return columnType.equals("INT")
        || columnType.equals("BIGINT")
        || columnType.equals("DOUBLE")
        || columnType.startsWith("DECIMAL");
  }
}
