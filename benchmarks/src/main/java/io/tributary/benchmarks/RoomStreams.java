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
import java.util.function.IntSupplier;

/**
 * The client side of the ceiling and of the PostgreSQL relay alike: the layout's client
 * connections, each with one stream per room it follows, carrying the connection's subscriptions of
 * that room ({@link CeilingServer#request}), received by {@link EventObserver}s.
 */
final class RoomStreams {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventObserver<byte[]>> observers = new ArrayList<>();

  /**
   * Opens the layout's connections to the server on {@code port} and its streams of {@code method}
   * over them; returns once every stream is open.
   */
  void open(
      Layout layout,
      Deliveries deliveries,
      int port,
      MethodDescriptor<byte[], LiveEventBatch> method) {
    for (int c = 0; c < layout.connections(); c++) {
      channels.add(GrpcChannels.channel(port));
    }
    // (connection, room) -> the connection's subscriptions of the room
    Map<List<Integer>, Integer> streams = new LinkedHashMap<>();
    for (int i = 0; i < layout.subscriptions(); i++) {
      streams.merge(List.of(layout.connection(i), layout.room(i)), 1, Integer::sum);
    }
    List<EventObserver<byte[]>> opened = new ArrayList<>();
    streams.forEach(
        (key, subscriptions) -> {
          int c = key.get(0);
          EventObserver<byte[]> observer = new EventObserver<>(deliveries);
          ClientCalls.asyncServerStreamingCall(
              channels.get(c).newCall(method, CallOptions.DEFAULT),
              CeilingServer.request(key.get(1), c, subscriptions),
              observer);
          opened.add(observer);
        });
    for (EventObserver<byte[]> o : opened) {
      try {
        o.opened().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("Cannot open a stream of " + method + ": " + e, e);
      }
    }
    observers.addAll(opened);
  }

  /**
   * Cancels the streams and closes the connections, then waits (up to 30 s) until the server's
   * {@code openStreams} count has dropped to 0.
   */
  void close(IntSupplier openStreams) {
    if (!GrpcChannels.shutdown(observers, channels)) {
      return;
    }
    observers.clear();
    channels.clear();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (openStreams.getAsInt() > 0 && System.nanoTime() < deadline) {
      Pause.millis(20);
    }
  }
}
