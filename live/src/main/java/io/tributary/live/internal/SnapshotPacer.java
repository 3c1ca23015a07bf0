package io.tributary.live.internal;

import io.tributary.live.TimeSource;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Paces one subscription's snapshot batches on its stream ({@link LiveStream#awaitRoom}, {@link
 * LiveStream#putPaced}): a batch goes out only once the one before it was taken by the stream's
 * drain, so the caller reads each batch from the store only when it can go out. It also bounds how
 * long that takes: each batch waits at most {@code stall} for the client to take the one before,
 * and the whole snapshot at most {@code maxDuration} (its point-in-time view pins the store's
 * memtables and files); past either it throws SUBSCRIBER_TOO_SLOW. One setup thread uses it.
 */
final class SnapshotPacer {
  private final LiveStream stream;
  private final BooleanSupplier closed;
  private final String table;
  private final Duration stall;
  private final Duration maxDuration;
  private final TimeSource time;
  private final long endNanos;
  private long last = -1;

  /**
   * @param closed whether the subscription was closed meanwhile (killed, or its stream went away);
   *     asked without locks while waiting
   * @param table the table's qualified name, for error messages
   * @param time the clock the deadlines are read on
   */
  SnapshotPacer(
      LiveStream stream,
      BooleanSupplier closed,
      String table,
      Duration stall,
      Duration maxDuration,
      TimeSource time) {
    this.stream = stream;
    this.closed = closed;
    this.table = table;
    this.stall = stall;
    this.maxDuration = maxDuration;
    this.time = time;
    this.endNanos = time.nanoTime() + maxDuration.toNanos();
  }

  /**
   * Waits until the next batch can go out.
   *
   * @return false when the subscription was closed, or its stream ended, meanwhile
   * @throws TributaryException SUBSCRIBER_TOO_SLOW past a limit, UNAVAILABLE when interrupted
   */
  boolean awaitRoom() {
    try {
      return outcome(stream.awaitRoom(last, deadline(), closed));
    } catch (InterruptedException e) {
      throw interrupted();
    }
  }

  /**
   * Adds a batch once it can go out.
   *
   * @return false when the subscription was closed, or its stream ended, meanwhile
   * @throws TributaryException SUBSCRIBER_TOO_SLOW past a limit, UNAVAILABLE when interrupted
   */
  boolean put(Event batch) {
    long position;
    try {
      position = stream.putPaced(batch, last, deadline(), closed);
    } catch (InterruptedException e) {
      throw interrupted();
    }
    if (position >= 0) {
      last = position;
    }
    return outcome(position);
  }

  private long deadline() {
    long stallEnd = time.nanoTime() + stall.toNanos();
    return stallEnd - endNanos < 0 ? stallEnd : endNanos;
  }

  private boolean outcome(long result) {
    if (result == LiveStream.TIMED_OUT) {
      if (time.nanoTime() - endNanos >= 0) {
        throw TributaryException.of(
            ErrorCode.SUBSCRIBER_TOO_SLOW,
            "Cannot subscribe to %s: the client did not read its snapshot within %d s (the longest"
                + " a snapshot may stay open)",
            table,
            maxDuration.toSeconds());
      }
      throw TributaryException.of(
          ErrorCode.SUBSCRIBER_TOO_SLOW,
          "Cannot subscribe to %s: the client read nothing of its snapshot for %d s",
          table,
          stall.toSeconds());
    }
    return result != LiveStream.GONE;
  }

  private static TributaryException interrupted() {
    Thread.currentThread().interrupt();
    return TributaryException.of(ErrorCode.UNAVAILABLE, "Cannot subscribe: interrupted");
  }
}
