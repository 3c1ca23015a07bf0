package io.tributary.log;

/**
 * One record read from the log by a {@link LogReader}.
 *
 * @param position where it is: topic, partition, offset
 * @param key the key bytes, or null (not copied)
 * @param value the value bytes, or null for a tombstone (not copied)
 */
public record LogRecord(LogPosition position, byte[] key, byte[] value) {

  /** The record's offset in its partition. */
  public long offset() {
    return position.offset();
  }
}
