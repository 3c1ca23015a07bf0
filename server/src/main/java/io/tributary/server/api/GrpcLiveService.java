package io.tributary.server.api;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.RemoveSubscriptionResponse;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.live.LiveConfig;
import io.tributary.live.LiveHub;
import io.tributary.live.StreamOwner;
import io.tributary.query.Action;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.SubscriptionAnalyzer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live API: a multiplexed event stream per connection, and one-shot subscriptions.
 *
 * <p>The two streaming methods send {@link EncodedBatch}es: {@code LiveEventBatch} messages framed
 * by {@link GrpcSink} from the events {@link ProtoEventEncoder} encoded for the live hub (a
 * change's bytes are shared by every stream that receives it), which a pass-through marshaller
 * hands to gRPC as they are. Clients see the methods of {@code tributary/v1}'s {@code LiveService}
 * unchanged. Analyzing statements, adding and removing subscriptions read the catalog and snapshots
 * and wait for clients, so they run on the blocking executor; opening a stream does not wait.
 */
public final class GrpcLiveService implements BindableService {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcLiveService.class);

  /** Sends pre-serialized batches; parses them back (never used by the server itself). */
  private static final MethodDescriptor.Marshaller<EncodedBatch> BATCHES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(EncodedBatch batch) {
          return new ByteArrayInputStream(batch.bytes());
        }

        @Override
        public EncodedBatch parse(InputStream stream) {
          try {
            return EncodedBatch.parse(stream.readAllBytes());
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot read a live event batch", e);
          }
        }
      };

  private static final MethodDescriptor<OpenStreamRequest, EncodedBatch> OPEN_STREAM =
      withBatches(LiveServiceGrpc.getOpenStreamMethod());
  private static final MethodDescriptor<SubscribeRequest, EncodedBatch> SUBSCRIBE =
      withBatches(LiveServiceGrpc.getSubscribeMethod());

  private final SubscriptionAnalyzer analyzer;
  private final LiveHub hub;
  private final SubscribeRateLimiter rate;

  /** A service whose users may subscribe and unsubscribe at the default rate. */
  public GrpcLiveService(SubscriptionAnalyzer analyzer, LiveHub hub) {
    this(analyzer, hub, LiveConfig.defaults());
  }

  /**
   * A service whose users may subscribe and unsubscribe at most {@link LiveConfig#subscribeRate()}
   * times per second (bursts of {@link LiveConfig#subscribeBurst()}).
   */
  public GrpcLiveService(SubscriptionAnalyzer analyzer, LiveHub hub, LiveConfig config) {
    this.analyzer = analyzer;
    this.hub = hub;
    this.rate =
        new SubscribeRateLimiter(config.subscribeRate(), config.subscribeBurst(), System::nanoTime);
  }

  private static <Q> MethodDescriptor<Q, EncodedBatch> withBatches(MethodDescriptor<Q, ?> method) {
    return method.toBuilder(method.getRequestMarshaller(), BATCHES).build();
  }

  @Override
  public ServerServiceDefinition bindService() {
    ServiceDescriptor proto = LiveServiceGrpc.getServiceDescriptor();
    ServiceDescriptor service =
        ServiceDescriptor.newBuilder(proto.getName())
            .setSchemaDescriptor(proto.getSchemaDescriptor())
            .addMethod(OPEN_STREAM)
            .addMethod(LiveServiceGrpc.getAddSubscriptionMethod())
            .addMethod(LiveServiceGrpc.getRemoveSubscriptionMethod())
            .addMethod(SUBSCRIBE)
            .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(OPEN_STREAM, ServerCalls.asyncServerStreamingCall(this::openStream))
        .addMethod(
            LiveServiceGrpc.getAddSubscriptionMethod(),
            ServerCalls.asyncUnaryCall(this::addSubscription))
        .addMethod(
            LiveServiceGrpc.getRemoveSubscriptionMethod(),
            ServerCalls.asyncUnaryCall(this::removeSubscription))
        .addMethod(SUBSCRIBE, ServerCalls.asyncServerStreamingCall(this::subscribe))
        .build();
  }

  private void openStream(OpenStreamRequest request, StreamObserver<EncodedBatch> events) {
    hub.openStream(
        owner(principal()), new GrpcSink((ServerCallStreamObserver<EncodedBatch>) events));
  }

  private void addSubscription(
      AddSubscriptionRequest request, StreamObserver<AddSubscriptionResponse> response) {
    unary(
        response,
        () -> {
          Principal principal = principal();
          rate.acquire(principal.userId(), principal.user(), "add a subscription");
          Action.Subscribe action =
              analyzer.analyzeSubscription(
                  principal, request.getSql(), Values.params(request.getParamsList()));
          String id = hub.subscribe(owner(principal), request.getStreamId(), action);
          return AddSubscriptionResponse.newBuilder().setSubscriptionId(id).build();
        });
  }

  private void removeSubscription(
      RemoveSubscriptionRequest request, StreamObserver<RemoveSubscriptionResponse> response) {
    unary(
        response,
        () -> {
          Principal principal = principal();
          rate.acquire(principal.userId(), principal.user(), "remove a subscription");
          hub.unsubscribe(owner(principal), request.getStreamId(), request.getSubscriptionId());
          return RemoveSubscriptionResponse.getDefaultInstance();
        });
  }

  /**
   * Registers the stream (its flow-control callbacks must be set before this returns, on the event
   * loop), then analyzes the statement on the blocking executor; the snapshot is sent from the
   * hub's own threads. A statement that cannot be analyzed fails the call with its coded status.
   */
  private void subscribe(SubscribeRequest request, StreamObserver<EncodedBatch> events) {
    ServerCallStreamObserver<EncodedBatch> observer =
        (ServerCallStreamObserver<EncodedBatch>) events;
    Principal principal = principal();
    try {
      rate.acquire(principal.userId(), principal.user(), "subscribe");
    } catch (TributaryException e) {
      observer.onError(Errors.toStatus(e));
      return;
    }
    String streamId = hub.openOneShotStream(owner(principal), new GrpcSink(observer));
    Blocking.run(
        () -> {
          Action.Subscribe action;
          try {
            action =
                analyzer.analyzeSubscription(
                    principal, request.getSql(), Values.params(request.getParamsList()));
          } catch (TributaryException e) {
            hub.failOneShot(streamId);
            observer.onError(Errors.toStatus(e));
            return;
          } catch (RuntimeException e) {
            LOG.error("A live call failed with an unexpected error", e);
            hub.failOneShot(streamId);
            observer.onError(Errors.internal());
            return;
          }
          try {
            hub.subscribeOneShot(streamId, action);
          } catch (TributaryException e) {
            LOG.debug(
                "One-shot stream {} ended before its subscription: {}", streamId, e.getMessage());
          }
        });
  }

  private interface Call<T> {
    T run();
  }

  private static <T> void unary(StreamObserver<T> response, Call<T> call) {
    Blocking.run(
        () -> {
          try {
            response.onNext(call.run());
            response.onCompleted();
          } catch (TributaryException e) {
            response.onError(Errors.toStatus(e));
          } catch (RuntimeException e) {
            LOG.error("A live call failed with an unexpected error", e);
            response.onError(Errors.internal());
          }
        });
  }

  private static StreamOwner owner(Principal principal) {
    return new StreamOwner(principal.userId(), principal.user(), principal.credentialVersion());
  }

  private static Principal principal() {
    Principal principal = AuthInterceptor.PRINCIPAL.get();
    if (principal == null) {
      throw new IllegalStateException("Cannot serve a live call: no principal in the context");
    }
    return principal;
  }
}
