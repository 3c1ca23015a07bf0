package io.tributary.benchmarks;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Waiting in the load drivers (main programs, not tests: pacing needs real time), and polling a
 * counter whose value is what a benchmark reports (not synchronization: nothing else signals it).
 */
public final class Pause {
  /** How often {@link #until(BooleanSupplier, long)} and {@link #untilReached} look. */
  private static final long POLL_NANOS = 5_000_000;

  private Pause() {}

  public static void millis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot wait: interrupted", e);
    }
  }

  /** Parks until {@code System.nanoTime()} reaches {@code deadline}. */
  public static void until(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * Looks every 5 ms until {@code condition} holds or {@code System.nanoTime()} passes {@code
   * deadline}; returns whether it held.
   */
  public static boolean until(BooleanSupplier condition, long deadline) {
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      park();
    }
    return true;
  }

  /**
   * Looks every 5 ms until {@code count} reaches {@code target} or has not moved for {@code
   * quietNanos}; returns its last value.
   */
  public static long untilReached(LongSupplier count, long target, long quietNanos) {
    long seen = count.getAsLong();
    long lastProgress = System.nanoTime();
    while (seen < target && System.nanoTime() - lastProgress < quietNanos) {
      park();
      long now = count.getAsLong();
      if (now != seen) {
        seen = now;
        lastProgress = System.nanoTime();
      }
    }
    return seen;
  }

  private static void park() {
    LockSupport.parkNanos(POLL_NANOS);
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot wait: interrupted");
    }
  }
}
