package io.tributary.query.expr.internal;

import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.NlsString;
import org.apache.calcite.util.TimeString;
import org.apache.calcite.util.TimestampString;

/** Conversions and comparisons of values in their {@link Rep}. */
final class Values {
  static final long MILLIS_PER_DAY = 86_400_000L;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Values() {}

  /** Compares two non-null values. */
  @FunctionalInterface
  interface Cmp {
    int compare(Object a, Object b);
  }

  /** A conversion of one non-null value. */
  @FunctionalInterface
  interface Conv {
    Object apply(Object v);
  }

  // ---------------------------------------------------------------- comparison

  /** A comparator of values of the two representations, or null when they are not comparable. */
  static Cmp comparator(Rep a, Rep b) {
    if (a == b) {
      switch (a) {
        case INT:
        case DATE:
        case TIME:
        case INTERVAL_MONTHS:
          return (x, y) -> Integer.compare((Integer) x, (Integer) y);
        case LONG:
        case TIMESTAMP:
        case INTERVAL_MILLIS:
          return (x, y) -> Long.compare((Long) x, (Long) y);
        case DOUBLE:
          return (x, y) -> compareDoubles((Double) x, (Double) y);
        case DECIMAL:
          return (x, y) -> ((BigDecimal) x).compareTo((BigDecimal) y);
        case STRING:
          return (x, y) -> ((String) x).compareTo((String) y);
        case BOOLEAN:
          return (x, y) -> Boolean.compare((Boolean) x, (Boolean) y);
        case BYTES:
          return (x, y) -> Arrays.compareUnsigned((byte[]) x, (byte[]) y);
        default:
          return null;
      }
    }
    if (a.isIntegral() && b.isIntegral()) {
      return (x, y) -> Long.compare(((Number) x).longValue(), ((Number) y).longValue());
    }
    if (a.isNumeric() && b.isNumeric()) {
      if (a == Rep.DOUBLE || b == Rep.DOUBLE) {
        return (x, y) -> compareDoubles(((Number) x).doubleValue(), ((Number) y).doubleValue());
      }
      return (x, y) -> toDecimal(x).compareTo(toDecimal(y));
    }
    if (a == Rep.DATE && b == Rep.TIMESTAMP) {
      return (x, y) -> Long.compare((Integer) x * MILLIS_PER_DAY, (Long) y);
    }
    if (a == Rep.TIMESTAMP && b == Rep.DATE) {
      return (x, y) -> Long.compare((Long) x, (Integer) y * MILLIS_PER_DAY);
    }
    return null;
  }

  /** Orders doubles as SQL does: {@code -0.0 = 0.0}; NaN sorts last. */
  static int compareDoubles(double x, double y) {
    if (x < y) {
      return -1;
    }
    if (x > y) {
      return 1;
    }
    return x == y ? 0 : Double.compare(x, y);
  }

  /** Normalizes a value so that SQL-equal values are {@code equals} (for hash lookups). */
  static Object hashKey(Object v, Rep rep) {
    if (rep == Rep.DOUBLE) {
      double d = (Double) v;
      return d == 0.0 ? 0.0 : v;
    }
    if (rep == Rep.DECIMAL) {
      BigDecimal d = (BigDecimal) v;
      return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    }
    return v;
  }

  // ---------------------------------------------------------------- numbers

  static BigDecimal toDecimal(Object v) {
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException(d + " is not a finite number");
      }
      return BigDecimal.valueOf(d);
    }
    return BigDecimal.valueOf(((Number) v).longValue());
  }

  /** Converts a number exactly to the representation, or returns null when it does not fit. */
  static Object exactNumber(Object v, Rep rep) {
    try {
      switch (rep) {
        case INT:
          return v instanceof Integer ? v : toDecimal(v).intValueExact();
        case LONG:
          return v instanceof Long ? v : toDecimal(v).longValueExact();
        case DOUBLE:
          {
            if (v instanceof Double) {
              return v;
            }
            double d = ((Number) v).doubleValue();
            return toDecimal(v).compareTo(BigDecimal.valueOf(d)) == 0 ? d : null;
          }
        case DECIMAL:
          return toDecimal(v);
        default:
          return null;
      }
    } catch (ArithmeticException | NumberFormatException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- Calcite values

  /**
   * Converts a value as Calcite holds it in a literal or a search argument ({@link BigDecimal},
   * {@link NlsString}, {@link TimestampString}, ...) to the representation.
   */
  static Object fromCalcite(Object c, Rep rep) {
    if (c == null) {
      return null;
    }
    switch (rep) {
      case BOOLEAN:
        return (Boolean) c;
      case INT:
      case LONG:
      case DOUBLE:
      case DECIMAL:
        {
          Object n = c instanceof Number ? exactNumber(c, rep) : null;
          if (n == null && c instanceof Number && rep == Rep.DOUBLE) {
            n = ((Number) c).doubleValue();
          }
          if (n == null) {
            throw new IllegalArgumentException("Cannot represent " + c + " as " + rep);
          }
          return n;
        }
      case STRING:
        return c instanceof NlsString s ? s.getValue() : c.toString();
      case BYTES:
        return c instanceof ByteString b ? b.getBytes() : (byte[]) c;
      case TIMESTAMP:
        return c instanceof TimestampString t ? t.getMillisSinceEpoch() : ((Number) c).longValue();
      case DATE:
        return c instanceof DateString d ? d.getDaysSinceEpoch() : ((Number) c).intValue();
      case TIME:
        return c instanceof TimeString t ? t.getMillisOfDay() : ((Number) c).intValue();
      case INTERVAL_MILLIS:
        return ((Number) c).longValue();
      case INTERVAL_MONTHS:
        return ((Number) c).intValue();
      case SYMBOL:
        return c;
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- text

  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /** SQL text of a TIMESTAMP value, with {@code precision} fractional digits. */
  static String formatTimestamp(long millis, int precision) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000), 0, ZoneOffset.UTC);
    StringBuilder sb = new StringBuilder(23);
    sb.append(LocalDate.of(t.getYear(), t.getMonth(), t.getDayOfMonth()));
    sb.append(' ');
    appendTime(sb, t.getHour(), t.getMinute(), t.getSecond());
    appendFraction(sb, (int) Math.floorMod(millis, 1000L), precision);
    return sb.toString();
  }

  static String formatTime(int millisOfDay, int precision) {
    StringBuilder sb = new StringBuilder(12);
    int seconds = millisOfDay / 1000;
    appendTime(sb, seconds / 3600, (seconds / 60) % 60, seconds % 60);
    appendFraction(sb, millisOfDay % 1000, precision);
    return sb.toString();
  }

  private static void appendTime(StringBuilder sb, int h, int m, int s) {
    pad2(sb, h);
    sb.append(':');
    pad2(sb, m);
    sb.append(':');
    pad2(sb, s);
  }

  private static void appendFraction(StringBuilder sb, int millis, int precision) {
    if (precision <= 0) {
      return;
    }
    String digits = String.format(Locale.ROOT, "%03d", millis);
    sb.append('.');
    if (precision <= 3) {
      sb.append(digits, 0, precision);
    } else {
      sb.append(digits);
      sb.append("0".repeat(precision - 3));
    }
  }

  private static void pad2(StringBuilder sb, int v) {
    if (v < 10) {
      sb.append('0');
    }
    sb.append(v);
  }

  /** The text of a non-null value as CAST(v AS VARCHAR) gives it. */
  static String toText(Object v, Rep rep, RelDataType type) {
    switch (rep) {
      case STRING:
        return (String) v;
      case BOOLEAN:
        return ((Boolean) v) ? "TRUE" : "FALSE";
      case INT:
      case LONG:
        return v.toString();
      case DOUBLE:
        return Double.toString((Double) v);
      case DECIMAL:
        return ((BigDecimal) v).toPlainString();
      case BYTES:
        return hex((byte[]) v);
      case TIMESTAMP:
        return formatTimestamp((Long) v, precision(type, 0));
      case DATE:
        return LocalDate.ofEpochDay((Integer) v).toString();
      case TIME:
        return formatTime((Integer) v, precision(type, 0));
      default:
        return v.toString();
    }
  }

  private static int precision(RelDataType type, int orElse) {
    int p = type.getPrecision();
    return p == RelDataType.PRECISION_NOT_SPECIFIED ? orElse : p;
  }

  // ---------------------------------------------------------------- casts

  /**
   * The conversion of a non-null value of type {@code from} to type {@code to} as CAST does it, or
   * null when CAST between them is not supported. A failure of one value (a string that is not a
   * number, a number that does not fit) throws INVALID_ARGUMENT from {@code ctx}.
   */
  static Conv castConversion(RelDataType from, RelDataType to, EvalContext ctx) {
    Rep f = Rep.of(from);
    Rep t = Rep.of(to);
    if (f == null || t == null) {
      return null;
    }
    if (f == Rep.NULL) {
      return v -> null;
    }
    String typeName = to.getSqlTypeName().getName();
    switch (t) {
      case STRING:
        {
          UnaryOperator<String> length = lengthAdjustment(to);
          if (f == Rep.STRING) {
            return length == null ? v -> v : v -> length.apply((String) v);
          }
          if (f == Rep.SYMBOL || f == Rep.INTERVAL_MILLIS || f == Rep.INTERVAL_MONTHS) {
            return null;
          }
          return length == null ? v -> toText(v, f, from) : v -> length.apply(toText(v, f, from));
        }
      case BOOLEAN:
        if (f == Rep.BOOLEAN) {
          return v -> v;
        }
        if (f == Rep.STRING) {
          return v -> parseBoolean((String) v, ctx);
        }
        if (f.isNumeric()) {
          return v -> ((Number) v).doubleValue() != 0;
        }
        return null;
      case INT:
      case LONG:
        {
          long min = minOf(to.getSqlTypeName());
          long max = maxOf(to.getSqlTypeName());
          boolean asInt = t == Rep.INT;
          if (f.isNumeric() || f == Rep.STRING || f == Rep.BOOLEAN) {
            return v -> {
              long l = integralOf(v, f, typeName, ctx);
              if (l < min || l > max) {
                throw ctx.fail("value " + l + " out of range for " + typeName);
              }
              return asInt ? (Object) (int) l : (Object) l;
            };
          }
          return null;
        }
      case DOUBLE:
        if (f.isNumeric()) {
          return f == Rep.DOUBLE ? v -> v : v -> ((Number) v).doubleValue();
        }
        if (f == Rep.STRING) {
          return v -> {
            try {
              return Double.parseDouble(((String) v).trim());
            } catch (NumberFormatException e) {
              throw cannotConvert(v, typeName, ctx);
            }
          };
        }
        if (f == Rep.BOOLEAN) {
          return v -> ((Boolean) v) ? 1.0 : 0.0;
        }
        return null;
      case DECIMAL:
        {
          int precision = to.getPrecision();
          int scale = to.getScale();
          String shown = "DECIMAL(" + precision + "," + scale + ")";
          if (f.isNumeric() || f == Rep.STRING) {
            return v -> {
              BigDecimal d;
              try {
                d = f == Rep.STRING ? new BigDecimal(((String) v).trim()) : toDecimal(v);
              } catch (NumberFormatException e) {
                throw cannotConvert(v, shown, ctx);
              }
              return fitDecimal(d, precision, scale, shown, ctx);
            };
          }
          return null;
        }
      case TIMESTAMP:
        {
          int p = precision(to, TributaryTypeSystem.TIMESTAMP_PRECISION);
          long unit = p >= 3 ? 1 : (p == 2 ? 10 : (p == 1 ? 100 : 1000));
          switch (f) {
            case TIMESTAMP:
              return unit == 1 ? v -> v : v -> Math.floorDiv((Long) v, unit) * unit;
            case DATE:
              return v -> (Integer) v * MILLIS_PER_DAY;
            case STRING:
              return v -> Math.floorDiv(parseTimestamp((String) v, ctx), unit) * unit;
            default:
              return null;
          }
        }
      case DATE:
        switch (f) {
          case DATE:
            return v -> v;
          case TIMESTAMP:
            return v -> (int) Math.floorDiv((Long) v, MILLIS_PER_DAY);
          case STRING:
            return v -> parseDate((String) v, ctx);
          default:
            return null;
        }
      case TIME:
        switch (f) {
          case TIME:
            return v -> v;
          case TIMESTAMP:
            return v -> (int) Math.floorMod((Long) v, MILLIS_PER_DAY);
          case STRING:
            return v -> {
              try {
                return (int) (LocalTime.parse(((String) v).trim()).toNanoOfDay() / 1_000_000L);
              } catch (DateTimeParseException e) {
                throw cannotConvert(v, typeName, ctx);
              }
            };
          default:
            return null;
        }
      case BYTES:
        if (f == Rep.BYTES) {
          return v -> v;
        }
        if (f == Rep.STRING) {
          return v -> ((String) v).getBytes(StandardCharsets.UTF_8);
        }
        return null;
      case INTERVAL_MILLIS:
      case INTERVAL_MONTHS:
        return f == t ? v -> v : null;
      default:
        return null;
    }
  }

  private static UnaryOperator<String> lengthAdjustment(RelDataType to) {
    int n = to.getPrecision();
    if (n == RelDataType.PRECISION_NOT_SPECIFIED || n <= 0) {
      return null;
    }
    if (to.getSqlTypeName() == SqlTypeName.CHAR) {
      return s -> s.length() == n ? s : (s.length() > n ? s.substring(0, n) : padRight(s, n));
    }
    return s -> s.length() > n ? s.substring(0, n) : s;
  }

  private static String padRight(String s, int n) {
    StringBuilder sb = new StringBuilder(n).append(s);
    while (sb.length() < n) {
      sb.append(' ');
    }
    return sb.toString();
  }

  private static long minOf(SqlTypeName type) {
    switch (type) {
      case TINYINT:
        return Byte.MIN_VALUE;
      case SMALLINT:
        return Short.MIN_VALUE;
      case INTEGER:
        return Integer.MIN_VALUE;
      default:
        return Long.MIN_VALUE;
    }
  }

  private static long maxOf(SqlTypeName type) {
    switch (type) {
      case TINYINT:
        return Byte.MAX_VALUE;
      case SMALLINT:
        return Short.MAX_VALUE;
      case INTEGER:
        return Integer.MAX_VALUE;
      default:
        return Long.MAX_VALUE;
    }
  }

  private static long integralOf(Object v, Rep from, String typeName, EvalContext ctx) {
    switch (from) {
      case INT:
      case LONG:
        return ((Number) v).longValue();
      case BOOLEAN:
        return ((Boolean) v) ? 1 : 0;
      case DOUBLE:
        {
          double d = (Double) v;
          if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) {
            throw ctx.fail("value " + d + " out of range for " + typeName);
          }
          return (long) d;
        }
      case DECIMAL:
        try {
          return ((BigDecimal) v).setScale(0, RoundingMode.DOWN).longValueExact();
        } catch (ArithmeticException e) {
          throw ctx.fail(
              "value " + ((BigDecimal) v).toPlainString() + " out of range for " + typeName);
        }
      case STRING:
        try {
          return Long.parseLong(((String) v).trim());
        } catch (NumberFormatException e) {
          throw cannotConvert(v, typeName, ctx);
        }
      default:
        throw new AssertionError(from);
    }
  }

  static BigDecimal fitDecimal(
      BigDecimal d, int precision, int scale, String shown, EvalContext ctx) {
    BigDecimal scaled = d.setScale(scale, RoundingMode.HALF_UP);
    if (scaled.precision() - scaled.scale() > precision - scale) {
      throw ctx.fail("value " + d.toPlainString() + " out of range for " + shown);
    }
    return scaled;
  }

  private static Boolean parseBoolean(String s, EvalContext ctx) {
    String l = s.trim().toLowerCase(Locale.ROOT);
    switch (l) {
      case "true":
      case "t":
        return Boolean.TRUE;
      case "false":
      case "f":
        return Boolean.FALSE;
      default:
        throw cannotConvert(s, "BOOLEAN", ctx);
    }
  }

  static long parseTimestamp(String s, EvalContext ctx) {
    try {
      return (Long) ColumnType.TIMESTAMP.coerce(s, "value");
    } catch (TributaryException e) {
      throw cannotConvert(s, "TIMESTAMP", ctx);
    }
  }

  static int parseDate(String s, EvalContext ctx) {
    try {
      return (int) LocalDate.parse(s.trim()).toEpochDay();
    } catch (DateTimeParseException e) {
      try {
        return (int) Math.floorDiv((Long) ColumnType.TIMESTAMP.coerce(s, "value"), MILLIS_PER_DAY);
      } catch (TributaryException e2) {
        throw cannotConvert(s, "DATE", ctx);
      }
    }
  }

  private static TributaryException cannotConvert(Object v, String typeName, EvalContext ctx) {
    String shown = v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    if (shown.length() > 64) {
      shown = shown.substring(0, 61) + "...";
    }
    return ctx.mismatch("cannot convert " + shown + " to " + typeName);
  }
}
