package io.tributary.benchmarks;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Raw-stub clients of a Tributary server (not the SDK): one channel per simulated client
 * connection, each with one multiplexed OpenStream, subscriptions added by AddSubscription. Used by
 * the in-process benchmark and by the idle-subscriber child process of the heap measurement.
 */
final class TributaryClients implements AutoCloseable {
  static final String NAMESPACE = "bench";

  private final int port;
  private final List<String> tokens;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EventObserver<OpenStreamRequest>> observers = new ArrayList<>();
  private final List<String> streamIds = new ArrayList<>();

  /**
   * @param tokens the reader users' tokens: connection {@code c} acts as reader {@code c %
   *     tokens.size()}
   */
  TributaryClients(int port, List<String> tokens) {
    this.port = port;
    this.tokens = List.copyOf(tokens);
  }

  static String user(int i) {
    return "bench_reader" + i;
  }

  static String password(int i) {
    return "bench-reader-password-" + i;
  }

  /** Logs the reader users in once each; connection {@code c} uses token {@code c % users}. */
  static List<String> readerTokens(int port, int users) {
    ManagedChannel channel = GrpcChannels.channel(port);
    try {
      List<String> tokens = new ArrayList<>();
      for (int u = 0; u < users; u++) {
        tokens.add(GrpcChannels.login(channel, user(u), password(u)));
      }
      return tokens;
    } finally {
      channel.shutdownNow();
    }
  }

  /** Opens {@code connections} channels with one event stream each. */
  void openStreams(int connections, Deliveries deliveries) {
    for (int c = 0; c < connections; c++) {
      ManagedChannel ch = GrpcChannels.channel(port);
      LiveServiceGrpc.LiveServiceStub stub =
          LiveServiceGrpc.newStub(ch).withCallCredentials(GrpcChannels.bearer(tokenOf(c)));
      EventObserver<OpenStreamRequest> observer = new EventObserver<>(deliveries);
      stub.openStream(OpenStreamRequest.getDefaultInstance(), observer);
      channels.add(ch);
      observers.add(observer);
    }
    for (EventObserver<OpenStreamRequest> o : observers) {
      try {
        streamIds.add(o.opened().get(60, TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new IllegalStateException("Cannot open an event stream: " + e, e);
      }
    }
  }

  /**
   * Adds the layout's subscriptions to {@code table} over the open streams, at most 64 in flight;
   * returns once all are live (AddSubscription replies after the subscription's snapshot).
   */
  void subscribe(Layout layout, String table) {
    Semaphore inFlight = new Semaphore(64);
    CountDownLatch done = new CountDownLatch(layout.subscriptions());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<LiveServiceGrpc.LiveServiceFutureStub> futures = new ArrayList<>();
    for (int c = 0; c < channels.size(); c++) {
      futures.add(
          LiveServiceGrpc.newFutureStub(channels.get(c))
              .withCallCredentials(GrpcChannels.bearer(tokenOf(c))));
    }
    for (int i = 0; i < layout.subscriptions(); i++) {
      int c = layout.connection(i);
      String sql = "SUBSCRIBE TO " + table + " WHERE room = " + layout.room(i);
      inFlight.acquireUninterruptibly();
      ListenableFuture<AddSubscriptionResponse> f =
          futures
              .get(c)
              .addSubscription(
                  AddSubscriptionRequest.newBuilder()
                      .setStreamId(streamIds.get(c))
                      .setSql(sql)
                      .build());
      Futures.addCallback(
          f,
          new FutureCallback<>() {
            @Override
            public void onSuccess(AddSubscriptionResponse r) {
              inFlight.release();
              done.countDown();
            }

            @Override
            public void onFailure(Throwable t) {
              failure.compareAndSet(null, t);
              inFlight.release();
              done.countDown();
            }
          },
          MoreExecutors.directExecutor());
    }
    try {
      if (!done.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("Cannot subscribe: timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot subscribe: interrupted", e);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Cannot subscribe: " + failure.get(), failure.get());
    }
  }

  /** Opens the layout's streams and subscribes: the whole client side of one scenario. */
  void open(Layout layout, String table, Deliveries deliveries) {
    openStreams(layout.connections(), deliveries);
    subscribe(layout, table);
  }

  private String tokenOf(int connection) {
    return tokens.get(connection % tokens.size());
  }

  @Override
  public void close() {
    if (!GrpcChannels.shutdown(observers, channels)) {
      return;
    }
    channels.clear();
    observers.clear();
    streamIds.clear();
  }
}
