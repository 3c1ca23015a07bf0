package io.tributary.server.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.RemoveSubscriptionResponse;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.query.Action;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.SubscriptionAnalyzer;
import io.tributary.server.live.LiveHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The live API: a multiplexed event stream per connection, and one-shot subscriptions. */
public final class GrpcLiveService extends LiveServiceGrpc.LiveServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcLiveService.class);

  private final SubscriptionAnalyzer analyzer;
  private final LiveHub hub;

  public GrpcLiveService(SubscriptionAnalyzer analyzer, LiveHub hub) {
    this.analyzer = analyzer;
    this.hub = hub;
  }

  @Override
  public void openStream(OpenStreamRequest request, StreamObserver<LiveEvent> events) {
    hub.openStream(principal(), (ServerCallStreamObserver<LiveEvent>) events, false);
  }

  @Override
  public void addSubscription(
      AddSubscriptionRequest request, StreamObserver<AddSubscriptionResponse> response) {
    unary(
        response,
        () -> {
          Principal principal = principal();
          Action.Subscribe action =
              analyzer.analyzeSubscription(
                  principal, request.getSql(), Values.params(request.getParamsList()));
          String id = hub.subscribe(principal, request.getStreamId(), action);
          return AddSubscriptionResponse.newBuilder().setSubscriptionId(id).build();
        });
  }

  @Override
  public void removeSubscription(
      RemoveSubscriptionRequest request, StreamObserver<RemoveSubscriptionResponse> response) {
    unary(
        response,
        () -> {
          hub.unsubscribe(principal(), request.getStreamId(), request.getSubscriptionId());
          return RemoveSubscriptionResponse.getDefaultInstance();
        });
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<LiveEvent> events) {
    ServerCallStreamObserver<LiveEvent> observer = (ServerCallStreamObserver<LiveEvent>) events;
    Principal principal = principal();
    Action.Subscribe action;
    try {
      action =
          analyzer.analyzeSubscription(
              principal, request.getSql(), Values.params(request.getParamsList()));
    } catch (TributaryException e) {
      observer.onError(Errors.toStatus(e));
      return;
    }
    String streamId = hub.openStream(principal, observer, true);
    hub.subscribeOneShot(streamId, action);
  }

  private interface Call<T> {
    T run();
  }

  private static <T> void unary(StreamObserver<T> response, Call<T> call) {
    try {
      response.onNext(call.run());
      response.onCompleted();
    } catch (TributaryException e) {
      response.onError(Errors.toStatus(e));
    } catch (RuntimeException e) {
      LOG.error("A live call failed with an unexpected error", e);
      response.onError(Errors.internal());
    }
  }

  private static Principal principal() {
    Principal principal = AuthInterceptor.PRINCIPAL.get();
    if (principal == null) {
      throw new IllegalStateException("Cannot serve a live call: no principal in the context");
    }
    return principal;
  }
}
