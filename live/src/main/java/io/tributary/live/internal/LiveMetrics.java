package io.tributary.live.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.live.TimeSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Live-query metrics: open subscriptions, deliveries, drops, apply-to-delivery lag, and the
 * snapshots being read (open store views, rows read from the store).
 */
final class LiveMetrics {
  private final Counter deliveries;
  private final Counter drops;
  private final Timer lag;
  private final AtomicInteger openSnapshots = new AtomicInteger();
  private final Counter snapshotRows;
  private final Counter handoffOverflows;
  private final TimeSource time;

  LiveMetrics(MeterRegistry registry, Supplier<Number> openSubscriptions, TimeSource time) {
    this.time = time;
    Gauge.builder("tributary.live.subscriptions", openSubscriptions)
        .description("Open live subscriptions")
        .register(registry);
    deliveries =
        Counter.builder("tributary.live.deliveries")
            .description("Events written to live streams")
            .register(registry);
    drops =
        Counter.builder("tributary.live.drops")
            .description("Subscriptions closed because their client fell behind")
            .register(registry);
    Gauge.builder("tributary.live.snapshots.open", openSnapshots, AtomicInteger::get)
        .description("Snapshots holding a point-in-time view of the hot store open")
        .register(registry);
    snapshotRows =
        Counter.builder("tributary.live.snapshot.rows")
            .description("Rows read from the hot store for live snapshots")
            .register(registry);
    handoffOverflows =
        Counter.builder("tributary.live.handoff.overflows")
            .description(
                "Commands whose changes the materializer handed over while the dispatcher's queue"
                    + " was full (their subscriptions were closed to resume)")
            .register(registry);
    lag =
        Timer.builder("tributary.live.delivery.lag")
            .description("From the materializer applying a change to writing it to a stream")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  /**
   * Counts {@code n} events written in one message, and the lag of each change among them ({@code
   * handoffNanos} of the materializer's handover, 0 for events that are not changes): one sample
   * per change and message, however many of its events the message holds.
   */
  void delivered(long[] handoffNanos, int n) {
    deliveries.increment(n);
    long now = time.nanoTime();
    long previous = 0;
    for (int i = 0; i < n; i++) {
      long h = handoffNanos[i];
      if (h != 0 && h != previous) {
        lag.record(now - h, TimeUnit.NANOSECONDS);
      }
      previous = h;
    }
  }

  void handoffOverflowed() {
    handoffOverflows.increment();
  }

  void dropped() {
    drops.increment();
  }

  void snapshotOpened() {
    openSnapshots.incrementAndGet();
  }

  void snapshotClosed() {
    openSnapshots.decrementAndGet();
  }

  void snapshotRowsRead(int rows) {
    snapshotRows.increment(rows);
  }
}
