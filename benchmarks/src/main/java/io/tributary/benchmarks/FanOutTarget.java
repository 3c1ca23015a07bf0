package io.tributary.benchmarks;

import java.util.function.LongConsumer;

/**
 * A system that fans changes out to client streams: Tributary, or the raw gRPC ceiling. The driver
 * opens a layout's subscriptions, publishes numbered changes to {@link Layout#HOT_ROOM} and counts
 * what the clients receive through the same {@link EventObserver}.
 */
interface FanOutTarget extends AutoCloseable {
  String name();

  /** Opens the layout's connections and subscriptions; returns once every one is live. */
  void open(Layout layout, Deliveries deliveries);

  /**
   * Publishes change number {@code change} without waiting; {@code acknowledged} is called with it
   * once the target acknowledges it (Tributary: the INSERT's reply).
   */
  void publish(long change, LongConsumer acknowledged);

  /** Statements or publications that failed so far. */
  long failures();

  /** CPU nanoseconds used so far by the target's own matching and fan-out threads. */
  long fanOutCpuNanos();

  /** Closes the clients' connections and waits until the target has let go of their streams. */
  void closeStreams();

  @Override
  void close();
}
