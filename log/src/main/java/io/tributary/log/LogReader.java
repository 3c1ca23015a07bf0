package io.tributary.log;

import java.time.Duration;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Reads one partition of the log: tail it, read a range of offsets, or seek by a key that grows
 * with the offset. Opened with {@link Log#openReader}; the only way code outside {@code log/} reads
 * the log (the catalog, replay, CONSUME).
 *
 * <p>Reads with {@code isolation.level=read_committed}: a record of an aborted transaction is never
 * returned, and a record of an open transaction only once it commits. {@link #endOffset} is
 * therefore the last stable offset. Offsets of a transactional topic have gaps (commit markers,
 * aborted records): never assume that offset {@code n + 1} follows {@code n}.
 *
 * <p>It commits no offsets and joins no consumer group; the position lives only in the reader.
 *
 * <p><b>Threading.</b> Not thread-safe: one thread uses a reader, except for {@link #wakeup()},
 * which any thread may call to end that thread's wait.
 *
 * <p><b>Failure.</b> Methods throw {@link LogException} (the Kafka error as its cause) when the log
 * cannot be read or an operation times out. Close the reader when done.
 */
public interface LogReader extends AutoCloseable {

  /** The topic read. */
  String topic();

  /** The partition read. */
  int partition();

  /**
   * The first offset the log still holds (retention and truncation move it).
   *
   * @param timeout how long to wait for the broker
   * @return the offset
   * @throws LogException if the broker did not answer in time
   */
  long beginningOffset(Duration timeout);

  /**
   * The offset the next committed record will get: reading up to it reads everything committed when
   * this was called.
   *
   * @param timeout how long to wait for the broker
   * @return the end offset
   * @throws LogException if the broker did not answer in time
   */
  long endOffset(Duration timeout);

  /**
   * Makes the next {@link #poll} start at {@code offset} (or at the first record after it).
   *
   * @param offset a non-negative offset
   */
  void seek(long offset);

  /** Makes the next {@link #poll} start at the first record the log still holds. */
  void seekToBeginning();

  /**
   * The offset after the last record returned (or skipped as a marker): everything before it has
   * been read.
   *
   * @throws LogException if the position cannot be determined
   */
  long position();

  /**
   * Returns the next records, in offset order, waiting at most {@code timeout} for one. Returns an
   * empty list when nothing arrived in time, or at once when {@link #wakeup()} was called since the
   * last poll.
   *
   * @param timeout the longest wait
   * @return the records, possibly none
   * @throws LogException if the log cannot be read
   */
  List<LogRecord> poll(Duration timeout);

  /** Ends a {@link #poll} waiting on another thread (or the next one) early. Thread-safe. */
  void wakeup();

  /**
   * Seeks to the first record whose {@code key} is at least {@code target}, by binary search over
   * the offsets {@code [beginningOffset, endOffset)}; requires the key to be non-decreasing in the
   * offset over that range. Positions the reader at the end offset if no record qualifies.
   *
   * @param key extracts the ordering key of a record (e.g. a {@code _seq} from its value)
   * @param target the smallest key wanted
   * @param timeout bound on each broker request and wait
   * @return the offset the reader is now positioned at
   * @throws LogException if the log cannot be read
   */
  long seekFirst(ToLongFunction<LogRecord> key, long target, Duration timeout);

  /** Releases the reader's connection. Idempotent. */
  @Override
  void close();
}
