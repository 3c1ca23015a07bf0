package io.tributary.materializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The record keys under which commands must be written to the log, and the partition such a key
 * lands in. The materializer reads a USER table's owner, or a SHARED table, from the partition that
 * Kafka's default partitioner assigns to these keys, so a writer must use exactly these bytes and
 * must not choose partitions itself (except for commands written to every partition, such as
 * purges).
 */
public final class WriteKeys {
  private WriteKeys() {}

  /** The key of a command on a USER table: the owner's user id in UTF-8. */
  public static byte[] userKey(String owner) {
    return owner.getBytes(StandardCharsets.UTF_8);
  }

  /** The key of a command on a SHARED table: the table id, 8 bytes big-endian. */
  public static byte[] sharedKey(long tableId) {
    return ByteBuffer.allocate(Long.BYTES).putLong(tableId).array();
  }

  /**
   * The partition Kafka's default partitioner assigns to a non-null key in a topic of {@code
   * partitions} partitions (murmur2 of the key bytes).
   */
  public static int partition(byte[] key, int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }
}
