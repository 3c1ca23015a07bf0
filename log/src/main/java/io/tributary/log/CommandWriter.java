package io.tributary.log;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Appends records to the log through one shared idempotent producer ({@code acks=all}).
 *
 * <p><b>Threading.</b> Thread-safe; appends from many threads are batched together (a batch is one
 * fsync on a durable embedded log, i.e. a group commit). Appends from one thread to one partition
 * are written in call order. The returned futures complete on the writer's single I/O thread:
 * dependent stages must not block; hand heavy work to your own executor with the {@code *Async}
 * variants.
 *
 * <p><b>Failure.</b> Every failure is reported through the returned future, completed exceptionally
 * with a {@link LogException} whose cause is the Kafka error; nothing is swallowed and, apart from
 * a null topic, nothing is thrown by the call itself. Once the log is stopped or has failed,
 * appends fail immediately. A write whose future failed may or may not be in the log (for example
 * after a timeout); the idempotent producer guarantees only that a record is never written twice by
 * its own retries.
 *
 * <p>The call may block the caller for at most the producer's {@code max.block.ms} while it fetches
 * metadata for a topic it has not written to before.
 */
public interface CommandWriter {

  /**
   * Appends {@code value} under {@code key} to {@code topic}; Kafka's default partitioner chooses
   * the partition from the key bytes (murmur2), so equal keys always land in the same partition.
   *
   * @param topic the topic; must exist (topics are never auto-created)
   * @param key the key; null lets the partitioner spread records
   * @param value the value; null writes a tombstone (meaningful on compacted topics)
   * @return a future completed with the record's position once it is durable ({@code acks=all}), or
   *     exceptionally with a {@link LogException}
   * @throws NullPointerException if {@code topic} is null
   */
  CompletableFuture<LogPosition> append(String topic, byte[] key, byte[] value);

  /**
   * Appends {@code value} under {@code key} to an explicit partition of {@code topic}.
   *
   * @param topic the topic; must exist
   * @param partition the partition, 0-based; an out-of-range partition fails the future
   * @param key the key, or null
   * @param value the value, or null for a tombstone
   * @return a future completed with the record's position once it is durable, or exceptionally with
   *     a {@link LogException}
   * @throws NullPointerException if {@code topic} is null
   */
  CompletableFuture<LogPosition> append(String topic, int partition, byte[] key, byte[] value);

  /**
   * Appends {@code value} where {@code route} says: its topic, partition and key.
   *
   * @param route where the record goes, from {@link LogTopics}
   * @param value the value, or null for a tombstone
   * @return a future completed with the record's position once it is durable, or exceptionally with
   *     a {@link LogException}
   * @throws NullPointerException if {@code route} is null
   */
  default CompletableFuture<LogPosition> append(LogRoute route, byte[] value) {
    return append(route.topic(), route.partition(), route.key(), value);
  }

  /**
   * Appends every record where its route says, in one Kafka transaction: a {@code read_committed}
   * reader (the materializer) sees all of them or none, whatever partitions they go to. Used for
   * the {@code Prepare} commands of a statement that spans several partitions (DESIGN.md section
   * 3), never for single appends (a transaction costs a round trip to the transaction coordinator
   * and serializes with other transactional appends of this writer).
   *
   * @param records the routes and values, at least one
   * @return a future completed with the records' positions, in order, once the transaction has
   *     committed; or exceptionally with a {@link LogException} (then none of them is visible)
   * @throws NullPointerException if {@code records} is null
   */
  default CompletableFuture<List<LogPosition>> appendAtomically(
      List<Map.Entry<LogRoute, byte[]>> records) {
    return CompletableFuture.failedFuture(
        LogException.cannot("append atomically", "this writer has no transactions"));
  }
}
