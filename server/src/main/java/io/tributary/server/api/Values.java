package io.tributary.server.api;

import com.google.protobuf.ByteString;
import io.tributary.api.v1.Value;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Converts between protocol {@link Value}s and Java values: canonical column values (see {@link
 * ColumnType}) out, statement parameters (see {@link io.tributary.server.StatementRunner}) in.
 */
public final class Values {
  private static final Value NULL = Value.getDefaultInstance();

  private Values() {}

  /**
   * Encodes a canonical value of a result column.
   *
   * @throws IllegalStateException when the value is not the canonical Java type of the column: a
   *     server bug, reported to the client as an internal error
   */
  public static Value toProto(ColumnType type, Object v) {
    if (v == null) {
      return NULL;
    }
    try {
      Value.Builder b = Value.newBuilder();
      switch (type.kind()) {
        case BOOLEAN:
          return b.setBoolValue((Boolean) v).build();
        case INT:
          return b.setIntValue((Integer) v).build();
        case BIGINT:
          return b.setBigintValue((Long) v).build();
        case DOUBLE:
          return b.setDoubleValue((Double) v).build();
        case DECIMAL:
          return b.setDecimalValue(((BigDecimal) v).toPlainString()).build();
        case TEXT:
          return b.setTextValue((String) v).build();
        case BYTES:
          return b.setBytesValue(ByteString.copyFrom((byte[]) v)).build();
        case JSON:
          return b.setJsonValue((String) v).build();
        case TIMESTAMP:
          return b.setTimestampMillis((Long) v).build();
        case DATE:
          return b.setDateDays((Integer) v).build();
        case UUID:
          return b.setUuidValue(v.toString()).build();
        default:
          throw new AssertionError(type);
      }
    } catch (ClassCastException e) {
      throw new IllegalStateException(
          "Cannot encode a " + v.getClass().getName() + " as " + type + ": not its canonical type",
          e);
    }
  }

  /**
   * Decodes request parameters.
   *
   * @throws TributaryException INVALID_ARGUMENT naming the parameter ({@code $1} ...) when a
   *     DECIMAL or UUID text does not parse
   */
  public static List<Object> params(List<Value> values) {
    List<Object> params = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      params.add(fromProto(values.get(i), i + 1));
    }
    return params;
  }

  static Object fromProto(Value v, int position) {
    switch (v.getKindCase()) {
      case BOOL_VALUE:
        return v.getBoolValue();
      case INT_VALUE:
        return v.getIntValue();
      case BIGINT_VALUE:
        return v.getBigintValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case DECIMAL_VALUE:
        try {
          return new BigDecimal(v.getDecimalValue().trim());
        } catch (NumberFormatException e) {
          throw badParameter(position, v.getDecimalValue(), "a decimal number");
        }
      case TEXT_VALUE:
        return v.getTextValue();
      case BYTES_VALUE:
        return v.getBytesValue().toByteArray();
      case JSON_VALUE:
        return v.getJsonValue();
      case TIMESTAMP_MILLIS:
        return Instant.ofEpochMilli(v.getTimestampMillis());
      case DATE_DAYS:
        return LocalDate.ofEpochDay(v.getDateDays());
      case UUID_VALUE:
        try {
          return UUID.fromString(v.getUuidValue().trim());
        } catch (IllegalArgumentException e) {
          throw badParameter(position, v.getUuidValue(), "a UUID");
        }
      case KIND_NOT_SET:
        return null;
      default:
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot read parameter $%d: unknown value kind %s",
            position,
            v.getKindCase());
    }
  }

  private static TributaryException badParameter(int position, String text, String expected) {
    String shown = text.length() > 64 ? text.substring(0, 61) + "..." : text;
    return TributaryException.of(
        ErrorCode.INVALID_ARGUMENT,
        "Cannot read parameter $%d: '%s' is not %s",
        position,
        shown,
        expected);
  }
}
