package io.tributary.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.tributary.api.v1.LiveEventBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventObserver<byte[]>> observers = new ArrayList<>();

  CeilingTarget(int workerThreads) {
    this.server = new CeilingServer(workerThreads);
  }

  @Override
  public String name() {
    return "ceiling";
  }

  @Override
  public void open(Layout layout, Deliveries deliveries) {
    for (int c = 0; c < layout.connections(); c++) {
      channels.add(TributaryClients.channel(server.port()));
    }
    observers.addAll(openRoomStreams(layout, deliveries, channels, CeilingServer.CLIENT_METHOD));
  }

  /**
   * Opens, on each client connection, one stream per room it follows, carrying the connection's
   * subscriptions of that room ({@link CeilingServer#request}); returns once every one is open.
   */
  static List<EventObserver<byte[]>> openRoomStreams(
      Layout layout,
      Deliveries deliveries,
      List<ManagedChannel> channels,
      MethodDescriptor<byte[], LiveEventBatch> method) {
    // (connection, room) -> the connection's subscriptions of the room
    Map<List<Integer>, Integer> streams = new LinkedHashMap<>();
    for (int i = 0; i < layout.subscriptions(); i++) {
      streams.merge(List.of(layout.connection(i), layout.room(i)), 1, Integer::sum);
    }
    List<EventObserver<byte[]>> observers = new ArrayList<>();
    streams.forEach(
        (key, subscriptions) -> {
          int c = key.get(0);
          EventObserver<byte[]> observer = new EventObserver<>(deliveries);
          ClientCalls.asyncServerStreamingCall(
              channels.get(c).newCall(method, CallOptions.DEFAULT),
              CeilingServer.request(key.get(1), c, subscriptions),
              observer);
          observers.add(observer);
        });
    for (EventObserver<byte[]> o : observers) {
      try {
        o.opened().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("Cannot open a stream of " + method + ": " + e, e);
      }
    }
    return observers;
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
    for (EventObserver<byte[]> o : observers) {
      o.cancel();
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      try {
        ch.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    observers.clear();
    channels.clear();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.openStreams() > 0 && System.nanoTime() < deadline) {
      Pause.millis(20);
    }
  }

  @Override
  public void close() {
    closeStreams();
    server.close();
  }
}
