package io.tributary.benchmarks;

import java.util.function.LongConsumer;

/**
 * The raw gRPC ceiling as a fan-out target: the same client connections as Tributary, each with one
 * stream per room it follows (carrying its subscriptions of that room, so a change reaches each
 * connection as one message, as Tributary's stream per connection can), received by the same {@link
 * EventObserver}. A change is "acknowledged" when it is handed to the fan-out, the point where
 * Tributary's INSERT has been applied and handed to its live hub.
 */
final class CeilingTarget implements FanOutTarget {
  private final CeilingServer server;
  private final RoomStreams streams = new RoomStreams();

  CeilingTarget(int workerThreads) {
    this.server = new CeilingServer(workerThreads);
  }

  @Override
  public String name() {
    return "ceiling";
  }

  @Override
  public void open(Layout layout, Deliveries deliveries) {
    streams.open(layout, deliveries, server.port(), CeilingServer.CLIENT_METHOD);
  }

  @Override
  public void publish(long change, LongConsumer acknowledged) {
    acknowledged.accept(change);
    server.publish(change, Layout.HOT_ROOM);
  }

  @Override
  public long failures() {
    return 0;
  }

  @Override
  public long fanOutCpuNanos() {
    return ThreadCpu.ofThreadsNamed("ceiling-fanout-");
  }

  @Override
  public void closeStreams() {
    streams.close(server::openStreams);
  }

  @Override
  public void close() {
    closeStreams();
    server.close();
  }
}
