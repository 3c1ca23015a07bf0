package io.tributary.server.live;

import static org.awaitility.Awaitility.await;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.SubscribeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test client of the live API over a real localhost port: one multiplexed event stream, events
 * collected per subscription. Uses the raw stubs so that tests see exactly what goes over the wire.
 */
final class LiveConnection implements AutoCloseable {
  final ManagedChannel channel;
  final LiveServiceGrpc.LiveServiceBlockingStub blocking;
  final LiveServiceGrpc.LiveServiceStub async;
  final Map<String, List<LiveEvent>> events = new ConcurrentHashMap<>();
  final List<LiveEvent> streamEvents = new ArrayList<>();
  private final AtomicReference<String> streamId = new AtomicReference<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private ClientCallStreamObserver<OpenStreamRequest> call;

  LiveConnection(int port, String user, String password) {
    this(port, user, password, 0);
  }

  /**
   * @param window the HTTP/2 flow-control window, or 0 for grpc-java's default
   */
  LiveConnection(int port, String user, String password, int window) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
    if (window > 0) {
      builder.initialFlowControlWindow(window);
    }
    channel = builder.build();
    String token =
        AuthServiceGrpc.newBlockingStub(channel)
            .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build())
            .getToken();
    CallCredentials credentials =
        new CallCredentials() {
          @Override
          public void applyRequestMetadata(
              RequestInfo info, Executor executor, MetadataApplier applier) {
            Metadata headers = new Metadata();
            headers.put(
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                "Bearer " + token);
            applier.apply(headers);
          }
        };
    blocking = LiveServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
    async = LiveServiceGrpc.newStub(channel).withCallCredentials(credentials);
  }

  /** Opens the multiplexed stream and waits for its id. */
  LiveConnection open() {
    async.openStream(
        OpenStreamRequest.getDefaultInstance(),
        new ClientResponseObserver<OpenStreamRequest, LiveEventBatch>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<OpenStreamRequest> requestStream) {
            call = requestStream;
          }

          @Override
          public void onNext(LiveEventBatch batch) {
            batch.getEventsList().forEach(e -> record(e));
          }

          @Override
          public void onError(Throwable t) {
            failure.set(t);
          }

          @Override
          public void onCompleted() {}
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> streamId.get() != null);
    return this;
  }

  private void record(LiveEvent e) {
    if (e.hasOpened()) {
      streamId.set(e.getOpened().getStreamId());
    }
    if (e.getSubscriptionId().isEmpty()) {
      synchronized (streamEvents) {
        streamEvents.add(e);
      }
      return;
    }
    events.computeIfAbsent(e.getSubscriptionId(), k -> new ArrayList<>());
    List<LiveEvent> list = events.get(e.getSubscriptionId());
    synchronized (list) {
      list.add(e);
    }
  }

  String streamId() {
    return streamId.get();
  }

  String subscribe(String sql) {
    return blocking
        .addSubscription(
            AddSubscriptionRequest.newBuilder().setStreamId(streamId()).setSql(sql).build())
        .getSubscriptionId();
  }

  void unsubscribe(String subscriptionId) {
    blocking.removeSubscription(
        RemoveSubscriptionRequest.newBuilder()
            .setStreamId(streamId())
            .setSubscriptionId(subscriptionId)
            .build());
  }

  List<LiveEvent> events(String subscriptionId) {
    List<LiveEvent> list = events.getOrDefault(subscriptionId, List.of());
    synchronized (list) {
      return new ArrayList<>(list);
    }
  }

  /** A one-shot Subscribe call whose events go to {@code sink}. */
  ClientCallStreamObserver<SubscribeRequest> subscribeOnce(
      String sql, java.util.function.Consumer<LiveEvent> sink, AtomicReference<Throwable> error) {
    AtomicReference<ClientCallStreamObserver<SubscribeRequest>> ref = new AtomicReference<>();
    async.subscribe(
        SubscribeRequest.newBuilder().setSql(sql).build(),
        new ClientResponseObserver<SubscribeRequest, LiveEventBatch>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
            ref.set(requestStream);
          }

          @Override
          public void onNext(LiveEventBatch batch) {
            batch.getEventsList().forEach(sink);
          }

          @Override
          public void onError(Throwable t) {
            error.set(t);
          }

          @Override
          public void onCompleted() {}
        });
    return ref.get();
  }

  Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    if (call != null) {
      call.cancel("test done", null);
    }
    channel.shutdownNow();
  }
}
