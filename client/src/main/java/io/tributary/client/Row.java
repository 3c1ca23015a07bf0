package io.tributary.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * One row of a {@link ResultSet}, or of a subscription's events. A row is immutable and
 * thread-safe; SQL NULL reads as {@code null}. Values have the Java types listed in {@link
 * TributaryClient}.
 *
 * <p>Columns are named as in {@link ResultSet#columns()} (or, for a subscription, as in {@link
 * SubscriptionListener#onSubscribed}). A name matches a column exactly, or else ignoring case when
 * exactly one column matches that way; an unknown or ambiguous name throws {@link
 * IllegalArgumentException}. Where several columns share a name, the first one wins.
 *
 * <p>The typed getters return the value as that type, widening where Java would ({@code INT} reads
 * as {@link Long} or {@link Double}, {@code BIGINT} as {@link Double}, {@code INT} and {@code
 * BIGINT} as {@link BigDecimal}); any other mismatch throws {@link ClassCastException}. {@code
 * byte[]} values are copied on each read.
 */
public interface Row {

  /**
   * The value at a 0-based position.
   *
   * @throws IndexOutOfBoundsException if there is no such position
   */
  Object get(int index);

  /** The value of a column. */
  Object get(String column);

  /**
   * The value of a column as {@code type}, widened as described above.
   *
   * @throws ClassCastException if the value is not of, or widenable to, {@code type}
   */
  <T> T get(String column, Class<T> type);

  /** A BOOLEAN column. */
  Boolean getBoolean(String column);

  /** An INT column. */
  Integer getInteger(String column);

  /** A BIGINT or INT column. */
  Long getLong(String column);

  /** A DOUBLE, BIGINT or INT column. */
  Double getDouble(String column);

  /** A DECIMAL, BIGINT or INT column. */
  BigDecimal getDecimal(String column);

  /** A TEXT or JSON column. */
  String getString(String column);

  /** A BYTES column, as a copy. */
  byte[] getBytes(String column);

  /** A TIMESTAMP column. */
  Instant getInstant(String column);

  /** A DATE column. */
  LocalDate getLocalDate(String column);

  /** A UUID column. */
  UUID getUuid(String column);

  /** All values in column order; an unmodifiable list that may contain nulls. */
  List<Object> values();
}
