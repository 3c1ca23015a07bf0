package io.tributary.cli;

import java.math.BigDecimal;
import java.util.Base64;

/** Text forms of the SDK's values, shared by the output formats. */
final class Cells {
  private Cells() {}

  /**
   * The value as text: TIMESTAMP ISO-8601 in UTC, DATE ISO, BYTES base64, DECIMAL plain (as the
   * server sends it); null for SQL NULL.
   */
  static String text(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (v instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    // Boolean, Integer, Long, Double, String (TEXT, JSON), Instant, LocalDate, UUID
    return v.toString();
  }

  /** True for the column types whose values read best right-aligned. */
  static boolean isNumeric(String columnType) {
    return columnType.equals("INT")
        || columnType.equals("BIGINT")
        || columnType.equals("DOUBLE")
        || columnType.startsWith("DECIMAL");
  }
}
