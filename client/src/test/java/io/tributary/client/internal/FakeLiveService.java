package io.tributary.client.internal;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.Ready;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.RemoveSubscriptionResponse;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.StreamOpened;
import io.tributary.api.v1.Subscribed;
import io.tributary.api.v1.Value;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted LiveService: it opens streams named stream-1, stream-2, ..., answers AddSubscription
 * with sub-1, sub-2, ... (or as the test says), records every request and lets the test push events
 * down the latest stream. The rows it speaks of are (id BIGINT, name TEXT, _seq BIGINT) with
 * primary key id.
 */
final class FakeLiveService extends LiveServiceGrpc.LiveServiceImplBase {

  /** Answers one AddSubscription; may push events on the stream first. */
  interface AddHandler {
    void handle(
        AddSubscriptionRequest request, String id, StreamObserver<AddSubscriptionResponse> r);
  }

  final List<ServerCallStreamObserver<LiveEventBatch>> streams = new CopyOnWriteArrayList<>();
  final List<AddSubscriptionRequest> adds = new CopyOnWriteArrayList<>();
  final List<RemoveSubscriptionRequest> removes = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final AtomicInteger openCalls = new AtomicInteger();

  /** How many of the next OpenStream calls fail with UNAVAILABLE. */
  final AtomicInteger failOpens = new AtomicInteger();

  volatile AddHandler onAdd = (request, id, response) -> FakeLiveService.answer(response, id);
  private final AtomicInteger subscriptionIds = new AtomicInteger();

  ServerServiceDefinition definition() {
    return ServerInterceptors.intercept(this, new AuthorizationRecorder());
  }

  @Override
  public void openStream(OpenStreamRequest request, StreamObserver<LiveEventBatch> response) {
    int n = openCalls.incrementAndGet();
    if (failOpens.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      response.onError(Status.UNAVAILABLE.withDescription("not yet").asRuntimeException());
      return;
    }
    ServerCallStreamObserver<LiveEventBatch> events =
        (ServerCallStreamObserver<LiveEventBatch>) response;
    events.setOnCancelHandler(() -> {});
    streams.add(events);
    events.onNext(
        LiveEventBatch.newBuilder()
            .addEvents(
                LiveEvent.newBuilder()
                    .setOpened(StreamOpened.newBuilder().setStreamId("stream-" + n)))
            .build());
  }

  @Override
  public void addSubscription(
      AddSubscriptionRequest request, StreamObserver<AddSubscriptionResponse> response) {
    adds.add(request);
    onAdd.handle(request, "sub-" + subscriptionIds.incrementAndGet(), response);
  }

  @Override
  public void removeSubscription(
      RemoveSubscriptionRequest request, StreamObserver<RemoveSubscriptionResponse> response) {
    removes.add(request);
    response.onNext(RemoveSubscriptionResponse.getDefaultInstance());
    response.onCompleted();
  }

  static void answer(StreamObserver<AddSubscriptionResponse> response, String id) {
    response.onNext(AddSubscriptionResponse.newBuilder().setSubscriptionId(id).build());
    response.onCompleted();
  }

  /** The latest stream. */
  ServerCallStreamObserver<LiveEventBatch> stream() {
    return streams.get(streams.size() - 1);
  }

  /** Pushes events down the latest stream, all in one batch (one message). */
  void send(LiveEvent... events) {
    stream().onNext(LiveEventBatch.newBuilder().addAllEvents(List.of(events)).build());
  }

  /** Ends the latest stream with a status, as a lost connection does. */
  void drop(Status status) {
    stream().onError(status.asRuntimeException());
  }

  AddSubscriptionRequest lastAdd() {
    return adds.get(adds.size() - 1);
  }

  // ---- events ----

  static Row row(long id, String name, long seq) {
    return Row.newBuilder()
        .addValues(Value.newBuilder().setBigintValue(id))
        .addValues(
            name == null
                ? Value.getDefaultInstance()
                : Value.newBuilder().setTextValue(name).build())
        .addValues(Value.newBuilder().setBigintValue(seq))
        .build();
  }

  static LiveEvent subscribed(String id) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setSubscribed(
            Subscribed.newBuilder()
                .addColumns(Column.newBuilder().setName("id").setType("BIGINT"))
                .addColumns(Column.newBuilder().setName("name").setType("TEXT").setNullable(true))
                .addColumns(Column.newBuilder().setName("_seq").setType("BIGINT"))
                .addPrimaryKey("id"))
        .build();
  }

  static LiveEvent snapshot(String id, boolean hasMore, Row... rows) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setInitialRows(InitialRows.newBuilder().addAllRows(List.of(rows)).setHasMore(hasMore))
        .build();
  }

  static LiveEvent ready(String id, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setReady(Ready.newBuilder().setSeq(seq))
        .build();
  }

  static LiveEvent insert(String id, long rowId, String name, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setInsert(RowInsert.newBuilder().setRow(row(rowId, name, seq)).setSeq(seq))
        .build();
  }

  static LiveEvent update(
      String id, long rowId, String oldName, long oldSeq, String name, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setUpdate(
            RowUpdate.newBuilder()
                .setOldRow(row(rowId, oldName, oldSeq))
                .setNewRow(row(rowId, name, seq))
                .setSeq(seq))
        .build();
  }

  static LiveEvent delete(String id, long rowId, String name, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setDelete(RowDelete.newBuilder().setRow(row(rowId, name, seq)).setSeq(seq))
        .build();
  }

  static LiveEvent error(String id, String code, String message, long lastSeq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setError(
            LiveError.newBuilder()
                .setError(Error.newBuilder().setCode(code).setMessage(message))
                .setLastSeq(lastSeq))
        .build();
  }

  static LiveEvent heartbeat() {
    return LiveEvent.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setServerTimeMillis(1))
        .build();
  }

  /** Records the authorization header of every call. */
  private final class AuthorizationRecorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      authorizations.add(
          call.getMethodDescriptor().getBareMethodName()
              + " "
              + headers.get(BearerTokenInterceptor.AUTHORIZATION));
      return next.startCall(call, headers);
    }
  }
}
