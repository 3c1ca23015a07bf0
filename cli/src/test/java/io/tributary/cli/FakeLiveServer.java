package io.tributary.cli;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.Ready;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.SortKey;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.api.v1.Subscribed;
import io.tributary.api.v1.Value;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A LiveService (and a Login that accepts anyone) on a real localhost port, for the command line:
 * each Subscribe call runs the test's script, which may leave the stream open. It records the
 * requests, their authorization headers and how many calls the client cancelled. Rows are (id
 * BIGINT, name TEXT, _seq BIGINT) with primary key id.
 */
final class FakeLiveServer implements AutoCloseable {

  /** Plays one Subscribe call. */
  interface Script {
    void play(
        SubscribeRequest request,
        String authorization,
        ServerCallStreamObserver<LiveEventBatch> events);
  }

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final io.grpc.Context.Key<String> CALL_AUTHORIZATION =
      io.grpc.Context.key("authorization");

  final List<SubscribeRequest> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final AtomicInteger cancelled = new AtomicInteger();
  final AtomicInteger logins = new AtomicInteger();
  volatile Script script = (request, authorization, events) -> {};
  private final Server server;

  FakeLiveServer() throws IOException {
    ServerInterceptor recorder = new AuthorizationRecorder();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(new Live(), recorder))
            .addService(new Auth())
            .build()
            .start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private final class Live extends LiveServiceGrpc.LiveServiceImplBase {
    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<LiveEventBatch> response) {
      requests.add(request);
      String authorization = CALL_AUTHORIZATION.get();
      authorizations.add(authorization);
      ServerCallStreamObserver<LiveEventBatch> events =
          (ServerCallStreamObserver<LiveEventBatch>) response;
      events.setOnCancelHandler(cancelled::incrementAndGet);
      script.play(request, authorization, events);
    }
  }

  /** Accepts every password; tokens are "tok-1", "tok-2", ... */
  private final class Auth extends AuthServiceGrpc.AuthServiceImplBase {
    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
      response.onNext(
          LoginResponse.newBuilder()
              .setUser(request.getUser())
              .setRole("user")
              .setToken("tok-" + logins.incrementAndGet())
              .setExpiresAtMillis(Long.MAX_VALUE)
              .build());
      response.onCompleted();
    }
  }

  private static final class AuthorizationRecorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      String authorization = String.valueOf(headers.get(AUTHORIZATION));
      return io.grpc.Contexts.interceptCall(
          io.grpc.Context.current().withValue(CALL_AUTHORIZATION, authorization),
          call,
          headers,
          next);
    }
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

  static LiveEvent subscribed() {
    return LiveEvent.newBuilder()
        .setSubscribed(
            Subscribed.newBuilder()
                .addColumns(Column.newBuilder().setName("id").setType("BIGINT"))
                .addColumns(Column.newBuilder().setName("name").setType("TEXT").setNullable(true))
                .addColumns(Column.newBuilder().setName("_seq").setType("BIGINT"))
                .addPrimaryKey("id"))
        .build();
  }

  /** Subscribed for a live SELECT ordered by {@code name}. */
  static LiveEvent subscribedOrderedByName(boolean descending, boolean nullsFirst) {
    LiveEvent plain = subscribed();
    return plain.toBuilder()
        .setSubscribed(
            plain.getSubscribed().toBuilder()
                .addOrderBy(
                    SortKey.newBuilder()
                        .setColumn("name")
                        .setDescending(descending)
                        .setNullsFirst(nullsFirst)))
        .build();
  }

  static LiveEvent snapshot(boolean hasMore, Row... rows) {
    return LiveEvent.newBuilder()
        .setInitialRows(InitialRows.newBuilder().addAllRows(List.of(rows)).setHasMore(hasMore))
        .build();
  }

  static LiveEvent ready(long seq) {
    return LiveEvent.newBuilder().setReady(Ready.newBuilder().setSeq(seq)).build();
  }

  static LiveEvent insert(long id, String name, long seq) {
    return LiveEvent.newBuilder()
        .setInsert(RowInsert.newBuilder().setRow(row(id, name, seq)).setSeq(seq))
        .build();
  }

  static LiveEvent update(long id, String oldName, long oldSeq, String name, long seq) {
    return LiveEvent.newBuilder()
        .setUpdate(
            RowUpdate.newBuilder()
                .setOldRow(row(id, oldName, oldSeq))
                .setNewRow(row(id, name, seq))
                .setSeq(seq))
        .build();
  }

  static LiveEvent delete(long id, String name, long rowSeq, long seq) {
    return LiveEvent.newBuilder()
        .setDelete(RowDelete.newBuilder().setRow(row(id, name, rowSeq)).setSeq(seq))
        .build();
  }

  static LiveEvent error(String code, String message, long lastSeq) {
    return LiveEvent.newBuilder()
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

  /** A failed call whose trailers carry the Tributary error, as the real server sends it. */
  static StatusRuntimeException failure(Status status, String code, String message) {
    Metadata trailers = new Metadata();
    trailers.put(
        ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()),
        ErrorDetail.newBuilder()
            .setError(Error.newBuilder().setCode(code).setMessage(message))
            .build());
    return status.withDescription(message).asRuntimeException(trailers);
  }

  /** Sends the events (the first alone, the rest in one batch), then leaves the stream open. */
  static Script sending(LiveEvent... events) {
    return (request, authorization, stream) -> send(stream, events);
  }

  /** Sends the events as {@link #sending} does, then ends the stream. */
  static Script sendingThenEnding(LiveEvent... events) {
    return (request, authorization, stream) -> {
      send(stream, events);
      stream.onCompleted();
    };
  }

  private static void send(ServerCallStreamObserver<LiveEventBatch> stream, LiveEvent... events) {
    if (events.length > 0) {
      stream.onNext(LiveEventBatch.newBuilder().addEvents(events[0]).build());
    }
    if (events.length > 1) {
      stream.onNext(
          LiveEventBatch.newBuilder()
              .addAllEvents(List.of(events).subList(1, events.length))
              .build());
    }
  }
}
