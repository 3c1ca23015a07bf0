package io.tributary.log;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A member of a Kafka consumer group reading one topic ({@code read_committed}): the members of a
 * group split the topic's partitions, and a partition whose member leaves (or dies) moves to
 * another member, which resumes at the group's committed offset — so a record that was not
 * committed is delivered again (at-least-once). Opened with {@link Log#joinGroup}.
 *
 * <p>Nothing is committed automatically, except that a partition the group has never committed on
 * gets its start position committed when it is first assigned (so the group exists from its first
 * read on). Closing leaves the group without committing.
 *
 * <p><b>Threading.</b> One thread polls; {@link #commit}, {@link #wakeup} and {@link #assignment}
 * may be called from any thread (a commit is carried out by the polling thread, which {@link
 * #commit} wakes).
 */
public interface GroupConsumer extends AutoCloseable {

  /** Where a partition starts that the group has never committed on. */
  enum Start {
    EARLIEST,
    LATEST,
    /** At {@link GroupConsumer#startOffset}. */
    OFFSET
  }

  String group();

  String topic();

  /**
   * Returns the next records of the assigned partitions (joining the group and rebalancing as
   * needed), waiting at most {@code timeout}; also carries out pending commits.
   */
  List<LogRecord> poll(Duration timeout);

  /** Whether this member has joined the group (completed a rebalance) at least once. */
  boolean joined();

  /** The partitions assigned to this member now (empty before it joined). */
  Set<Integer> assignment();

  /** The next offset this member reads of each assigned partition. */
  Map<Integer, Long> positions();

  /**
   * The offset of the last record this member returned from a partition it holds, or -1 when it
   * returned none since the partition was assigned to it. Thread-safe. An offset at or below it was
   * read by this member, so it exists.
   */
  long delivered(int partition);

  /** Moves this member's position on an assigned partition. Polling thread only. */
  void seek(int partition, long offset);

  /**
   * Commits the next offset to read for some partitions this member holds, never moving the group's
   * committed offset back; completes once the broker accepted it, or exceptionally with a {@link
   * LogException} (when a partition is not this member's when the commit is carried out — the
   * broker would accept it and could move the new holder's committed offset back —, the offset is
   * negative, or the member left: once closed, at once). A commit queued before the member loses a
   * partition is carried out before it is revoked. Thread-safe: the polling thread carries it out
   * on its next poll.
   */
  CompletableFuture<Void> commit(Map<Integer, Long> offsets);

  /**
   * Carries out the pending commits now, without reading records. Polling thread only: for a member
   * that cannot poll for a while (its client is not ready for more), so acks of what it already
   * delivered still complete. It also keeps the member in its group: at least every 500 ms it polls
   * with its partitions paused, so a reader slower than Kafka's {@code max.poll.interval.ms} does
   * not lose the member's partitions, and a rebalance, which holds up commits, can complete
   * meanwhile.
   */
  void runPendingCommits();

  /** Ends a wait in {@link #poll} early. Thread-safe. */
  void wakeup();

  /** Leaves the group without committing. Polling thread only (or after it stopped). */
  @Override
  void close();

  /** How long a member that stopped polling stays a member; also the session timeout. */
  Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
}
