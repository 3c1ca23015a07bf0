package io.tributary.query.catalog;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column type of the SQL dialect, with the canonical Java representation of its values.
 *
 * <p>Canonical values (what rows hold in memory, in commands and in the stores): BOOLEAN {@link
 * Boolean}, INT {@link Integer}, BIGINT {@link Long}, DOUBLE {@link Double}, DECIMAL {@link
 * BigDecimal} at the column's scale, TEXT {@link String}, BYTES {@code byte[]}, JSON {@link String}
 * (valid JSON), TIMESTAMP {@link Long} milliseconds since the epoch (UTC), DATE {@link Integer}
 * days since 1970-01-01, UUID {@link String} in canonical lower-case form. SQL NULL is {@code
 * null}.
 */
public record ColumnType(Kind kind, int precision, int scale) {

  public enum Kind {
    BOOLEAN,
    INT,
    BIGINT,
    DOUBLE,
    DECIMAL,
    TEXT,
    BYTES,
    JSON,
    TIMESTAMP,
    DATE,
    UUID
  }

  public static final ColumnType BOOLEAN = new ColumnType(Kind.BOOLEAN, 0, 0);
  public static final ColumnType INT = new ColumnType(Kind.INT, 0, 0);
  public static final ColumnType BIGINT = new ColumnType(Kind.BIGINT, 0, 0);
  public static final ColumnType DOUBLE = new ColumnType(Kind.DOUBLE, 0, 0);
  public static final ColumnType TEXT = new ColumnType(Kind.TEXT, 0, 0);
  public static final ColumnType BYTES = new ColumnType(Kind.BYTES, 0, 0);
  public static final ColumnType JSON = new ColumnType(Kind.JSON, 0, 0);
  public static final ColumnType TIMESTAMP = new ColumnType(Kind.TIMESTAMP, 0, 0);
  public static final ColumnType DATE = new ColumnType(Kind.DATE, 0, 0);
  public static final ColumnType UUID = new ColumnType(Kind.UUID, 0, 0);

  public static final int MAX_DECIMAL_PRECISION = 38;
  private static final Pattern DECIMAL_PATTERN =
      Pattern.compile("(?:DECIMAL|NUMERIC)\\s*(?:\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\))?");
  private static final ObjectMapper JSON_MAPPER = new ObjectMapper();

  public ColumnType {
    if (kind == Kind.DECIMAL) {
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale < 0 || scale > precision) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot define DECIMAL(%d,%d): precision must be 1..%d and scale 0..precision",
            precision,
            scale,
            MAX_DECIMAL_PRECISION);
      }
    }
  }

  /** A precision or scale of {@code type}; one beyond int is refused like any out of range. */
  private static int decimalPart(String digits, String type) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot define %s: precision must be 1..%d and scale 0..precision",
          type,
          MAX_DECIMAL_PRECISION);
    }
  }

  public static ColumnType decimal(int precision, int scale) {
    return new ColumnType(Kind.DECIMAL, precision, scale);
  }

  /** Parses a type name of the dialect, including common synonyms (INTEGER, VARCHAR, ...). */
  @JsonCreator
  public static ColumnType parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    Matcher m = DECIMAL_PATTERN.matcher(t);
    if (m.matches()) {
      int p = m.group(1) == null ? MAX_DECIMAL_PRECISION : decimalPart(m.group(1), t);
      int s = m.group(2) == null ? 0 : decimalPart(m.group(2), t);
      return decimal(p, s);
    }
    switch (t) {
      case "BOOLEAN":
      case "BOOL":
        return BOOLEAN;
      case "INT":
      case "INTEGER":
      case "INT4":
        return INT;
      case "BIGINT":
      case "INT8":
        return BIGINT;
      case "DOUBLE":
      case "DOUBLE PRECISION":
      case "FLOAT8":
        return DOUBLE;
      case "TEXT":
      case "VARCHAR":
      case "STRING":
        return TEXT;
      case "BYTES":
      case "BYTEA":
      case "VARBINARY":
        return BYTES;
      case "JSON":
        return JSON;
      case "TIMESTAMP":
        return TIMESTAMP;
      case "DATE":
        return DATE;
      case "UUID":
        return UUID;
      default:
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot use type '%s': expected BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), TEXT,"
                + " BYTES, JSON, TIMESTAMP, DATE or UUID",
            text.trim());
    }
  }

  @JsonValue
  @Override
  public String toString() {
    return kind == Kind.DECIMAL ? "DECIMAL(" + precision + "," + scale + ")" : kind.name();
  }

  /**
   * Converts a value to this type's canonical representation. Accepts canonical values, other
   * numbers (exactly representable only), strings in the type's text form, {@link Instant}, {@link
   * LocalDate}, {@link java.util.UUID}. Throws TYPE_MISMATCH naming the column otherwise.
   */
  public Object coerce(Object value, String column) {
    if (value == null) {
      return null;
    }
    try {
      Object result = coerceOrNull(value);
      if (result != null) {
        return result;
      }
    } catch (Unfit e) {
      throw mismatch(value, column, e.getMessage());
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      // The JDK's message ("Character a is neither a decimal digit number...") is not shown.
      throw mismatch(value, column, reason(e));
    }
    throw mismatch(value, column, null);
  }

  /** Why a value of this type could not be read, in the dialect's terms. */
  private String reason(RuntimeException e) {
    switch (kind) {
      case INT:
      case BIGINT:
        return e instanceof ArithmeticException ? "out of range for " + this : "not a number";
      case DOUBLE:
      case DECIMAL:
        return "not a number";
      case TIMESTAMP:
        return "not a timestamp (expected 'YYYY-MM-DD HH:MM:SS[.fff]' or ISO-8601)";
      case DATE:
        return "not a date (expected 'YYYY-MM-DD')";
      default:
        return "not a valid " + this;
    }
  }

  /** A value that cannot be converted, with a reason fit to show (no stack trace). */
  private static final class Unfit extends RuntimeException {
    Unfit(String reason) {
      super(reason, null, false, false);
    }
  }

  private TributaryException mismatch(Object value, String column, String detail) {
    String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
    if (shown.length() > 64) {
      shown = shown.substring(0, 61) + "...";
    }
    return TributaryException.of(
        ErrorCode.TYPE_MISMATCH,
        "Cannot convert %s to %s for column %s%s",
        shown,
        this,
        column,
        detail == null ? "" : ": " + detail);
  }

  private Object coerceOrNull(Object v) {
    switch (kind) {
      case BOOLEAN:
        if (v instanceof Boolean) {
          return v;
        }
        if (v instanceof String s) {
          String l = s.trim().toLowerCase(Locale.ROOT);
          if (l.equals("true") || l.equals("t")) {
            return Boolean.TRUE;
          }
          if (l.equals("false") || l.equals("f")) {
            return Boolean.FALSE;
          }
        }
        return null;
      case INT:
        {
          BigDecimal d = toExactNumber(v);
          return d == null ? null : integral(d).intValueExact();
        }
      case BIGINT:
        {
          BigDecimal d = toExactNumber(v);
          return d == null ? null : integral(d).longValueExact();
        }
      case DOUBLE:
        if (v instanceof Number n) {
          return n.doubleValue();
        }
        if (v instanceof String s) {
          return Double.parseDouble(s.trim());
        }
        return null;
      case DECIMAL:
        {
          BigDecimal d;
          if (v instanceof Double || v instanceof Float) {
            d = BigDecimal.valueOf(((Number) v).doubleValue());
          } else {
            d = toExactNumber(v);
          }
          if (d == null) {
            return null;
          }
          // Integer digits first: setScale of 1E999999999 would build a billion digits.
          if ((long) d.precision() - d.scale() > precision - scale) {
            throw new Unfit("value does not fit " + this);
          }
          BigDecimal scaled = d.setScale(scale, RoundingMode.HALF_UP);
          if (scaled.precision() - scaled.scale() > precision - scale) {
            throw new Unfit("value does not fit " + this);
          }
          return scaled;
        }
      case TEXT:
        return v instanceof String ? v : null;
      case JSON:
        if (v instanceof String s) {
          try {
            JSON_MAPPER.readTree(s);
          } catch (JsonProcessingException e) {
            throw new Unfit("not valid JSON");
          }
          return s;
        }
        return null;
      case BYTES:
        if (v instanceof byte[]) {
          return v;
        }
        return null;
      case TIMESTAMP:
        if (v instanceof Long l) {
          return l;
        }
        if (v instanceof Instant i) {
          return i.toEpochMilli();
        }
        if (v instanceof java.sql.Timestamp t) {
          return t.getTime();
        }
        if (v instanceof String s) {
          return parseTimestamp(s.trim());
        }
        return null;
      case DATE:
        if (v instanceof Integer i) {
          return i;
        }
        if (v instanceof LocalDate d) {
          return (int) d.toEpochDay();
        }
        if (v instanceof String s) {
          return (int) LocalDate.parse(s.trim()).toEpochDay();
        }
        return null;
      case UUID:
        if (v instanceof java.util.UUID u) {
          return u.toString();
        }
        if (v instanceof String s) {
          try {
            return java.util.UUID.fromString(s.trim()).toString();
          } catch (IllegalArgumentException e) {
            throw new Unfit("not a UUID");
          }
        }
        return null;
      default:
        throw new AssertionError(kind);
    }
  }

  /** {@code d} when it has no fraction; an integer too large for its type fails later. */
  private static BigDecimal integral(BigDecimal d) {
    boolean fraction =
        d.signum() != 0
            && d.scale() > 0
            && ((long) d.precision() - d.scale() <= 0 || d.stripTrailingZeros().scale() > 0);
    if (fraction) {
      throw new Unfit("not an integer");
    }
    return d;
  }

  private static BigDecimal toExactNumber(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return BigDecimal.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && !Double.isInfinite(d)) {
        return BigDecimal.valueOf(d);
      }
      throw new Unfit("not an integer");
    }
    if (v instanceof String s) {
      return new BigDecimal(s.trim());
    }
    return null;
  }

  private static final DateTimeFormatter SQL_TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSSSSS][.SSSSSS][.SSS][.SS][.S]");

  private static long parseTimestamp(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant().toEpochMilli();
    } catch (DateTimeParseException ignored) {
      // not ISO-8601 with an offset; try the SQL form without a zone (UTC)
    }
    try {
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeParseException ignored) {
      // fall through
    }
    if (s.length() == 10) {
      return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    String normalized = s.replace('T', ' ');
    return LocalDateTime.parse(normalized, SQL_TIMESTAMP).toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  /** The text form of a canonical value, as shown by the CLI and golden tests. */
  public String format(Object canonical) {
    if (canonical == null) {
      return "NULL";
    }
    switch (kind) {
      case BYTES:
        return Base64.getEncoder().encodeToString((byte[]) canonical);
      case TIMESTAMP:
        return Instant.ofEpochMilli((Long) canonical).toString();
      case DATE:
        return LocalDate.ofEpochDay((Integer) canonical).toString();
      case DECIMAL:
        return ((BigDecimal) canonical).toPlainString();
      default:
        return canonical.toString();
    }
  }

  /** Parses the text form that {@link #format} writes (NULL excluded). */
  public Object parseText(String text) {
    if (kind == Kind.BYTES) {
      return Base64.getDecoder().decode(text);
    }
    return coerce(text, "value");
  }

  /** Estimated encoded size, for bounds checks. */
  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
