package io.tributary.source.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * The PostgreSQL types a source can carry, by type OID, with the Tributary type each maps to, and
 * the conversion of a value's text form (as pgoutput and a {@code TimeZone=UTC} session send it) to
 * a statement parameter.
 */
final class PgTypes {
  private PgTypes() {}

  private static final Map<Integer, ColumnType.Kind> KINDS =
      Map.ofEntries(
          Map.entry(16, ColumnType.Kind.BOOLEAN), // bool
          Map.entry(17, ColumnType.Kind.BYTES), // bytea
          Map.entry(18, ColumnType.Kind.TEXT), // "char"
          Map.entry(19, ColumnType.Kind.TEXT), // name
          Map.entry(20, ColumnType.Kind.BIGINT), // int8
          Map.entry(21, ColumnType.Kind.INT), // int2
          Map.entry(23, ColumnType.Kind.INT), // int4
          Map.entry(25, ColumnType.Kind.TEXT), // text
          Map.entry(114, ColumnType.Kind.JSON), // json
          Map.entry(700, ColumnType.Kind.DOUBLE), // float4
          Map.entry(701, ColumnType.Kind.DOUBLE), // float8
          Map.entry(1042, ColumnType.Kind.TEXT), // bpchar
          Map.entry(1043, ColumnType.Kind.TEXT), // varchar
          Map.entry(1082, ColumnType.Kind.DATE), // date
          Map.entry(1114, ColumnType.Kind.TIMESTAMP), // timestamp
          Map.entry(1184, ColumnType.Kind.TIMESTAMP), // timestamptz
          Map.entry(1700, ColumnType.Kind.DECIMAL), // numeric
          Map.entry(2950, ColumnType.Kind.UUID), // uuid
          Map.entry(3802, ColumnType.Kind.JSON)); // jsonb

  /** The Tributary kind of a PostgreSQL type, or null when Tributary cannot represent it. */
  static ColumnType.Kind kind(int oid) {
    return KINDS.get(oid);
  }

  /**
   * Whether a value of the PostgreSQL type fits a Tributary column of kind {@code target}: the same
   * kind, or a widening (INT into BIGINT, DECIMAL or DOUBLE; BIGINT into DECIMAL or DOUBLE; JSON
   * and UUID into TEXT).
   */
  static boolean fits(ColumnType.Kind source, ColumnType.Kind target) {
    if (source == target) {
      return true;
    }
    return switch (source) {
      case INT ->
          target == ColumnType.Kind.BIGINT
              || target == ColumnType.Kind.DECIMAL
              || target == ColumnType.Kind.DOUBLE;
      case BIGINT -> target == ColumnType.Kind.DECIMAL || target == ColumnType.Kind.DOUBLE;
      case JSON, UUID -> target == ColumnType.Kind.TEXT;
      default -> false;
    };
  }

  /** Converts a value's text form to a parameter value of the type's Tributary kind. */
  static Object value(int oid, String text) {
    if (text == null) {
      return null;
    }
    ColumnType.Kind kind = KINDS.get(oid);
    if (kind == null) {
      throw TributaryException.of(
          ErrorCode.UNSUPPORTED_TYPE, "Cannot read a value of type oid %d: unsupported", oid);
    }
    try {
      return switch (kind) {
        case BOOLEAN -> text.equals("t") || text.equalsIgnoreCase("true");
        case INT -> Integer.valueOf(text);
        case BIGINT -> Long.valueOf(text);
        case DOUBLE -> Double.valueOf(text);
        case DECIMAL -> new BigDecimal(text);
        case TEXT, JSON -> text;
        case BYTES -> HexFormat.of().parseHex(text.startsWith("\\x") ? text.substring(2) : text);
        case DATE -> LocalDate.parse(text);
        case TIMESTAMP -> oid == 1184 ? instantWithOffset(text) : instant(text);
        case UUID -> UUID.fromString(text);
      };
    } catch (RuntimeException e) {
      throw TributaryException.of(
          ErrorCode.TYPE_MISMATCH, "Cannot read value '%s' of type oid %d: %s", text, oid, e);
    }
  }

  private static Instant instant(String text) {
    return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
  }

  /** {@code 2024-05-01 10:30:00.25+00}, {@code ...+05:30}. */
  private static Instant instantWithOffset(String text) {
    String t = text.replace(' ', 'T');
    int sign = Math.max(t.lastIndexOf('+'), t.lastIndexOf('-'));
    if (sign > t.indexOf('T') && t.length() - sign == 3) {
      t = t + ":00";
    }
    return OffsetDateTime.parse(t).toInstant();
  }
}
