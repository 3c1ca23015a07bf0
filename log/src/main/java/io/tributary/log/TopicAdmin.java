package io.tributary.log;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Administers the log's user topics (those of {@code CREATE TOPIC}) and the consumer groups that
 * read them (DESIGN.md section 6): create and delete topics, read their offsets, read and move a
 * group's committed offsets. Obtained from {@link Log#topicAdmin()}.
 *
 * <p><b>Threading.</b> Thread-safe; each call waits for the broker (bounded by a timeout) and
 * throws {@link LogException} with the Kafka error as its cause when it cannot complete.
 */
public interface TopicAdmin {

  /**
   * Creates a topic, unless it exists with that partition count (then does nothing).
   *
   * @throws LogException if it exists with another partition count, or the broker refuses
   */
  void createTopic(String topic, int partitions);

  /** Deletes a topic; a topic that does not exist is ignored. */
  void deleteTopic(String topic);

  /**
   * The end offset of every partition ({@code read_committed}: the last stable offset).
   *
   * @return partition to end offset; empty if the topic does not exist
   */
  Map<Integer, Long> endOffsets(String topic);

  /** The first offset each partition still holds. */
  Map<Integer, Long> beginningOffsets(String topic);

  /**
   * The offsets a group has committed on a topic.
   *
   * @return partition to committed offset (only partitions with a commit); empty when the group has
   *     committed nothing on the topic
   */
  Map<Integer, Long> committedOffsets(String group, String topic);

  /** The groups whose id starts with {@code prefix}. */
  List<String> groups(String prefix);

  /** The topics a group has committed offsets on, with those offsets. */
  Map<String, Map<Integer, Long>> committedOffsets(String group);

  /** Whether the group has members right now. */
  boolean hasMembers(String group);

  /**
   * Commits offsets for a group that has no members (a group with members commits through them:
   * {@link GroupConsumer#commit}).
   *
   * @throws LogException if the group has members, or the broker refuses
   */
  void commitOffsets(String group, String topic, Map<Integer, Long> offsets);

  /**
   * Makes a topic delete its records after {@code retentionMs}: sets {@code cleanup.policy=delete},
   * {@code retention.ms} and {@code segment.ms} (a 24th of the retention, between an hour and a
   * day, and at most the retention: a record is deleted within about {@code retentionMs} plus one
   * segment, while a long retention keeps few segments per partition). Used for {@link
   * LogTopics#streamEvents()}; the same call on the embedded broker and on an external cluster.
   *
   * @throws LogException if the topic does not exist, or the broker refuses
   */
  void setRetention(String topic, long retentionMs);

  /**
   * The {@code retention.ms} a topic has now (its own or the broker's default).
   *
   * @return empty if the broker does not say (or says -1, unlimited, as -1)
   * @throws LogException if the topic does not exist, or the broker refuses
   */
  OptionalLong retentionMs(String topic);

  /** The partition count of a topic, if it exists. */
  Optional<Integer> partitions(String topic);
}
