package io.tributary.log;

/**
 * One record read from the log by a {@link LogReader}.
 *
 * @param position where it is: topic, partition, offset
 * @param key the key bytes, or null (not copied)
 * @param value the value bytes, or null for a tombstone (not copied)
 * @param timestampMillis the record's timestamp (when it was written), or -1 when unknown
 */
public record LogRecord(LogPosition position, byte[] key, byte[] value, long timestampMillis) {

  /** A record without a known timestamp. */
  public LogRecord(LogPosition position, byte[] key, byte[] value) {
    this(position, key, value, -1);
  }

  /** The record's offset in its partition. */
  public long offset() {
    return position.offset();
  }
}
