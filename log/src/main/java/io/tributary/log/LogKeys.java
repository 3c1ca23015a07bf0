package io.tributary.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The record keys of commands and the partition a key lands in: the one place that decides them.
 * The materializer reads a USER table's owner, or a SHARED table, from the partition Kafka's
 * default partitioner assigns to these keys, so every writer and every reader that needs "the
 * partition of this user" must use exactly these bytes. Most callers want a whole {@link LogRoute}
 * from {@link LogTopics#userWrite} or {@link LogTopics#sharedWrite} instead.
 *
 * <p>Stateless and thread-safe.
 */
public final class LogKeys {
  private LogKeys() {}

  /**
   * The key of a command on a USER table.
   *
   * @param owner the owning user's id
   * @return the id in UTF-8
   */
  public static byte[] userKey(String owner) {
    return owner.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The key of a command on a SHARED table (and of a purge of any table).
   *
   * @param tableId the table id
   * @return the id, 8 bytes big-endian
   */
  public static byte[] sharedKey(long tableId) {
    return ByteBuffer.allocate(Long.BYTES).putLong(tableId).array();
  }

  /**
   * The key of a command on a SHARED table with a partition key: the table id (8 bytes, big-endian)
   * followed by the key value's text in UTF-8. Every value of the key lands in the partition its
   * bytes hash to, so the table's rows spread over all partitions while one value's commands stay
   * in one.
   *
   * @param tableId the table id
   * @param keyValue the partition key value's text, or null for the table's own key
   * @return the key bytes
   */
  public static byte[] sharedKey(long tableId, String keyValue) {
    if (keyValue == null) {
      return sharedKey(tableId);
    }
    byte[] value = keyValue.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(Long.BYTES + value.length).putLong(tableId).put(value).array();
  }

  /**
   * The partition Kafka's default partitioner assigns to a non-null key in a topic of {@code
   * partitions} partitions (murmur2 of the key bytes).
   *
   * @param key the record key
   * @param partitions the topic's partition count, positive
   * @return the partition, in {@code [0, partitions)}
   * @throws IllegalArgumentException if {@code partitions} is not positive
   */
  public static int partition(byte[] key, int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }
}
