package io.tributary.client.internal;

import io.tributary.client.Row;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A row whose values were decoded once from the protocol. */
final class DecodedRow implements Row {

  private static final Map<Class<?>, Class<?>> BOXES =
      Map.of(
          boolean.class, Boolean.class,
          int.class, Integer.class,
          long.class, Long.class,
          double.class, Double.class);

  private final ColumnIndex index;
  private final Object[] values;

  DecodedRow(ColumnIndex index, Object[] values) {
    this.index = index;
    this.values = values;
  }

  /** Decodes a protocol row whose values follow {@code index}'s columns. */
  static DecodedRow decode(ColumnIndex index, io.tributary.api.v1.Row row) {
    Object[] values = new Object[row.getValuesCount()];
    for (int i = 0; i < values.length; i++) {
      values[i] = Values.toJava(row.getValues(i));
    }
    return new DecodedRow(index, values);
  }

  @Override
  public Object get(int position) {
    return copied(values[position]);
  }

  /** The value at {@code position} itself, not a copy: for comparisons that do not keep it. */
  Object value(int position) {
    return values[position];
  }

  @Override
  public Object get(String column) {
    return get(index.positionOf(column));
  }

  @Override
  public <T> T get(String column, Class<T> type) {
    Object value = get(column);
    if (value == null) {
      return null;
    }
    @SuppressWarnings("unchecked")
    Class<T> boxed = (Class<T>) BOXES.getOrDefault(type, type);
    if (boxed.isInstance(value)) {
      return boxed.cast(value);
    }
    Object widened = widen(value, boxed);
    if (widened == null) {
      throw new ClassCastException(
          "Cannot read column '"
              + column
              + "' as "
              + type.getName()
              + ": its value is a "
              + value.getClass().getName());
    }
    return boxed.cast(widened);
  }

  /** Java's widening conversions between the numeric types of the protocol; null if none. */
  private static Object widen(Object value, Class<?> type) {
    if (value instanceof Integer i) {
      if (type == Long.class) {
        return i.longValue();
      } else if (type == Double.class) {
        return i.doubleValue();
      } else if (type == BigDecimal.class) {
        return BigDecimal.valueOf(i);
      }
    } else if (value instanceof Long l) {
      if (type == Double.class) {
        return l.doubleValue();
      } else if (type == BigDecimal.class) {
        return BigDecimal.valueOf(l);
      }
    }
    return null;
  }

  @Override
  public Boolean getBoolean(String column) {
    return get(column, Boolean.class);
  }

  @Override
  public Integer getInteger(String column) {
    return get(column, Integer.class);
  }

  @Override
  public Long getLong(String column) {
    return get(column, Long.class);
  }

  @Override
  public Double getDouble(String column) {
    return get(column, Double.class);
  }

  @Override
  public BigDecimal getDecimal(String column) {
    return get(column, BigDecimal.class);
  }

  @Override
  public String getString(String column) {
    return get(column, String.class);
  }

  @Override
  public byte[] getBytes(String column) {
    return get(column, byte[].class);
  }

  @Override
  public Instant getInstant(String column) {
    return get(column, Instant.class);
  }

  @Override
  public LocalDate getLocalDate(String column) {
    return get(column, LocalDate.class);
  }

  @Override
  public UUID getUuid(String column) {
    return get(column, UUID.class);
  }

  @Override
  public List<Object> values() {
    List<Object> copy = new ArrayList<>(values.length);
    for (Object value : values) {
      copy.add(copied(value));
    }
    return Collections.unmodifiableList(copy);
  }

  /** Rows are immutable, so callers get their own copy of the only mutable value type. */
  private static Object copied(Object value) {
    return value instanceof byte[] bytes ? bytes.clone() : value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DecodedRow row && Arrays.deepEquals(values, row.values);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(values);
  }

  @Override
  public String toString() {
    return Arrays.deepToString(values);
  }
}
