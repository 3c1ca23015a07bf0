package io.tributary.benchmarks;

import java.util.concurrent.locks.LockSupport;

/** Waiting in the load driver (a main program, not a test: pacing needs real time). */
final class Pause {
  private Pause() {}

  static void millis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot wait: interrupted", e);
    }
  }

  /** Parks until {@code System.nanoTime()} reaches {@code deadline}. */
  static void until(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
