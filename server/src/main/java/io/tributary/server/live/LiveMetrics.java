package io.tributary.server.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Live-query metrics: open subscriptions, deliveries, drops, apply-to-delivery lag. */
final class LiveMetrics {
  private final Counter deliveries;
  private final Counter drops;
  private final Timer lag;

  LiveMetrics(MeterRegistry registry, Supplier<Number> openSubscriptions) {
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
    lag =
        Timer.builder("tributary.live.delivery.lag")
            .description("From the materializer applying a change to writing it to a stream")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  void delivered(long handoffNanos) {
    deliveries.increment();
    if (handoffNanos != 0) {
      lag.record(System.nanoTime() - handoffNanos, TimeUnit.NANOSECONDS);
    }
  }

  void dropped() {
    drops.increment();
  }
}
