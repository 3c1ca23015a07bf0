package io.tributary.log;

import java.util.Objects;

/**
 * The position of one record in the log: its topic, partition and offset.
 *
 * <p>Offsets are assigned by the broker and increase within a partition; a position is therefore a
 * total order for everything written to one partition.
 *
 * @param topic the topic the record was written to
 * @param partition the partition, 0-based
 * @param offset the record's offset in its partition, non-negative
 */
public record LogPosition(String topic, int partition, long offset) {

  /** Validates the components. */
  public LogPosition {
    Objects.requireNonNull(topic, "topic");
    if (partition < 0) {
      throw new IllegalArgumentException("Cannot use partition " + partition + ": must be >= 0");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("Cannot use offset " + offset + ": must be >= 0");
    }
  }

  @Override
  public String toString() {
    return topic + "-" + partition + "@" + offset;
  }
}
