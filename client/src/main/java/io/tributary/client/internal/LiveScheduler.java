package io.tributary.client.internal;

import java.time.Duration;

/** Runs a task once after a delay: a real timer in production, a hand-driven one in tests. */
interface LiveScheduler {

  /**
   * Runs {@code task} after {@code delay} on a thread of the scheduler's choosing.
   *
   * @return cancels the task if it has not started
   */
  Runnable schedule(Runnable task, Duration delay);
}
