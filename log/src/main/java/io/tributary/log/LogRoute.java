package io.tributary.log;

import java.util.Objects;

/**
 * Where one record goes: its topic, partition and key. Routes come from {@link LogTopics} ({@link
 * LogTopics#userWrite}, {@link LogTopics#sharedWrite}, {@link LogTopics#catalogRecord}, {@link
 * LogTopics#everyPartition}), so that the layout of the log is decided in one place; a writer
 * appends with {@link CommandWriter#append(LogRoute, byte[])}.
 *
 * @param topic the topic
 * @param partition the partition, 0-based
 * @param key the record key (not copied: do not modify it)
 */
public record LogRoute(String topic, int partition, byte[] key) {

  /** Validates the components. */
  public LogRoute {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(key, "key");
    if (partition < 0) {
      throw new IllegalArgumentException("Cannot use partition " + partition + ": must be >= 0");
    }
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}
