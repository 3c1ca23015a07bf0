package io.tributary.query.command;

import io.tributary.query.catalog.ColumnType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Binary encoding of canonical row values (see {@link ColumnType}) for a list of column types. The
 * same bytes come back from the same values, so an encoded primary key is a store key. Layout per
 * value: one presence byte (0 = NULL), then the value: fixed width for BOOLEAN, INT, BIGINT,
 * DOUBLE, TIMESTAMP and DATE; a 4-byte length and the bytes for TEXT, JSON, UUID and BYTES; the
 * scale and the unscaled two's-complement bytes for DECIMAL.
 *
 * <p>A table's row holds its columns in declaration order. {@code ALTER TABLE ... ADD COLUMN} only
 * appends a column, so a row written before holds fewer values than the table has columns: {@link
 * #decode} reads it with NULL in the columns it lacks (rows are never rewritten), and a row longer
 * than the types given decodes its first values only.
 */
public final class RowCodec {
  private RowCodec() {}

  public static byte[] encode(List<ColumnType> types, Object[] values) {
    int size = 0;
    byte[][] variable = new byte[values.length][];
    for (int i = 0; i < types.size(); i++) {
      Object v = values[i];
      size += 1;
      if (v == null) {
        continue;
      }
      switch (types.get(i).kind()) {
        case BOOLEAN -> size += 1;
        case INT, DATE -> size += 4;
        case BIGINT, DOUBLE, TIMESTAMP -> size += 8;
        case DECIMAL -> {
          variable[i] = ((BigDecimal) v).unscaledValue().toByteArray();
          size += 8 + variable[i].length;
        }
        case TEXT, JSON, UUID -> {
          variable[i] = ((String) v).getBytes(StandardCharsets.UTF_8);
          size += 4 + variable[i].length;
        }
        case BYTES -> {
          variable[i] = (byte[]) v;
          size += 4 + variable[i].length;
        }
      }
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    for (int i = 0; i < types.size(); i++) {
      Object v = values[i];
      if (v == null) {
        buf.put((byte) 0);
        continue;
      }
      buf.put((byte) 1);
      switch (types.get(i).kind()) {
        case BOOLEAN -> buf.put((byte) (((Boolean) v) ? 1 : 0));
        case INT, DATE -> buf.putInt((Integer) v);
        case BIGINT, TIMESTAMP -> buf.putLong((Long) v);
        case DOUBLE -> buf.putDouble((Double) v);
        case DECIMAL -> {
          buf.putInt(((BigDecimal) v).scale());
          buf.putInt(variable[i].length);
          buf.put(variable[i]);
        }
        case TEXT, JSON, UUID, BYTES -> {
          buf.putInt(variable[i].length);
          buf.put(variable[i]);
        }
      }
    }
    return buf.array();
  }

  /**
   * Decodes into a new array of {@code width} elements (at least the number of types). Values the
   * bytes end before (a row written before its table gained columns) are NULL.
   */
  public static Object[] decode(List<ColumnType> types, byte[] bytes, int width) {
    Object[] out = new Object[width];
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (int i = 0; i < types.size(); i++) {
      if (!buf.hasRemaining() || buf.get() == 0) {
        continue;
      }
      out[i] =
          switch (types.get(i).kind()) {
            case BOOLEAN -> buf.get() != 0;
            case INT, DATE -> buf.getInt();
            case BIGINT, TIMESTAMP -> buf.getLong();
            case DOUBLE -> buf.getDouble();
            case DECIMAL -> {
              int scale = buf.getInt();
              byte[] unscaled = new byte[buf.getInt()];
              buf.get(unscaled);
              yield new BigDecimal(new BigInteger(unscaled), scale);
            }
            case TEXT, JSON, UUID -> {
              byte[] s = new byte[buf.getInt()];
              buf.get(s);
              yield new String(s, StandardCharsets.UTF_8);
            }
            case BYTES -> {
              byte[] b = new byte[buf.getInt()];
              buf.get(b);
              yield b;
            }
          };
    }
    return out;
  }

  public static Object[] decode(List<ColumnType> types, byte[] bytes) {
    return decode(types, bytes, types.size());
  }

  /** Value equality of canonical values (byte arrays by content). */
  public static boolean sameValue(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.equals(x, y);
    }
    if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
      return x.compareTo(y) == 0;
    }
    return a == null ? b == null : a.equals(b);
  }
}
