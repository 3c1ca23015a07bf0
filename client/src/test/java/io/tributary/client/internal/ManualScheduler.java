package io.tributary.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/** A scheduler whose time passes only when the test says: it records delays, runs on demand. */
final class ManualScheduler implements LiveScheduler {

  final List<Duration> delays = new CopyOnWriteArrayList<>();
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();

  @Override
  public Runnable schedule(Runnable task, Duration delay) {
    pending.add(task); // first: a test that saw the delay may run the task at once
    delays.add(delay);
    return () -> pending.remove(task);
  }

  int pending() {
    return pending.size();
  }

  /** Lets the time of the tasks scheduled so far pass: runs them, but none they schedule. */
  void runPending() {
    for (int n = pending.size(); n > 0; n--) {
      Runnable task = pending.poll();
      if (task != null) {
        task.run();
      }
    }
  }
}
