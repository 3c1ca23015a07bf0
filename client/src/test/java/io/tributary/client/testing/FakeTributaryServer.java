package io.tributary.client.testing;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
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
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.Ready;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.RemoveSubscriptionResponse;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.SortKey;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.StreamOpened;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.api.v1.Subscribed;
import io.tributary.api.v1.Value;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one scripted stand-in for a Tributary server, shared by the SDK's tests and the command
 * line's (it ships in client's test-jar). It serves the whole protocol, records every call with its
 * authorization header, and answers as the test says:
 *
 * <ul>
 *   <li>Login and Execute: with {@link #login} and {@link #execute} (UNIMPLEMENTED until set);
 *   <li>OpenStream, AddSubscription, RemoveSubscription: streams named stream-1, stream-2, ...,
 *       subscriptions sub-1, sub-2, ... (or as {@link #onAdd} says); the test pushes events down
 *       the latest stream with {@link #send};
 *   <li>Subscribe (the one-shot form): each call plays {@link #subscribeScript}, which may leave
 *       the stream open; cancelled calls are counted.
 * </ul>
 *
 * The rows of the event helpers are (id BIGINT, name TEXT, _seq BIGINT) with primary key id.
 */
public final class FakeTributaryServer implements AutoCloseable {

  /** Answers one call; may also never answer. */
  public interface Handler<ReqT, RespT> {
    void handle(ReqT request, StreamObserver<RespT> response);
  }

  /** Answers one AddSubscription; may push events on the stream first. */
  public interface AddHandler {
    void handle(
        AddSubscriptionRequest request, String id, StreamObserver<AddSubscriptionResponse> r);
  }

  /** Plays one Subscribe call. */
  public interface Script {
    void play(
        SubscribeRequest request,
        String authorization,
        ServerCallStreamObserver<LiveEventBatch> events);
  }

  /** A call as the server saw it. */
  public record Call(String method, Optional<String> authorization, Object request) {}

  /** The header that carries the bearer token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The trailer of a failed call that carries its Tributary error. */
  public static final Metadata.Key<ErrorDetail> ERROR_DETAIL_KEY =
      ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  private static final Context.Key<Call> CALL = Context.key("call");

  // ---- Login and Execute ----
  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public volatile Handler<LoginRequest, LoginResponse> login =
      (request, response) -> fail(response, Status.UNIMPLEMENTED.asRuntimeException());
  public volatile Handler<ExecuteRequest, ExecuteResponse> execute =
      (request, response) -> fail(response, Status.UNIMPLEMENTED.asRuntimeException());

  /** How many logins {@link #acceptAnyLogin()} answered. */
  public final AtomicInteger logins = new AtomicInteger();

  // ---- the multiplexed live stream ----
  public final List<ServerCallStreamObserver<LiveEventBatch>> streams =
      new CopyOnWriteArrayList<>();
  public final List<AddSubscriptionRequest> adds = new CopyOnWriteArrayList<>();
  public final List<RemoveSubscriptionRequest> removes = new CopyOnWriteArrayList<>();

  /** "Method authorization" of every live call. */
  public final List<String> authorizations = new CopyOnWriteArrayList<>();

  public final AtomicInteger openCalls = new AtomicInteger();

  /** How many of the next OpenStream calls fail with UNAVAILABLE. */
  public final AtomicInteger failOpens = new AtomicInteger();

  public volatile AddHandler onAdd = (request, id, response) -> answer(response, id);
  private final AtomicInteger subscriptionIds = new AtomicInteger();

  // ---- one-shot Subscribe ----
  public final List<SubscribeRequest> subscribeRequests = new CopyOnWriteArrayList<>();

  /** The authorization header of each Subscribe call ("null" when it had none). */
  public final List<String> subscribeAuthorizations = new CopyOnWriteArrayList<>();

  /** How many Subscribe calls the client cancelled. */
  public final AtomicInteger cancelled = new AtomicInteger();

  public volatile Script subscribeScript = (request, authorization, events) -> {};

  private Server server;

  /** Starts serving through {@code builder} (in-process or a real port). */
  public FakeTributaryServer start(ServerBuilder<?> builder) throws IOException {
    ServerInterceptor recorder = new Recorder();
    server =
        builder
            .addService(ServerInterceptors.intercept(new Auth(), recorder))
            .addService(ServerInterceptors.intercept(new Statements(), recorder))
            .addService(ServerInterceptors.intercept(new Live(), recorder))
            .build()
            .start();
    return this;
  }

  /** Starts serving on an ephemeral localhost port (see {@link #url()}). */
  public FakeTributaryServer startOnLocalPort() throws IOException {
    return start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
  }

  public int port() {
    return server.getPort();
  }

  /** {@code http://127.0.0.1:<port>}, when started on a port. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  // ---- Login and Execute ----

  public List<ExecuteRequest> executeRequests() {
    return calls.stream()
        .filter(call -> call.request() instanceof ExecuteRequest)
        .map(call -> (ExecuteRequest) call.request())
        .toList();
  }

  public Call lastCall() {
    return calls.get(calls.size() - 1);
  }

  /** Answers every Execute with these results. */
  public void answerExecute(StatementResult... results) {
    execute =
        (request, response) ->
            respond(response, ExecuteResponse.newBuilder().addAllResults(List.of(results)).build());
  }

  /** Accepts every password, as role user; tokens are "tok-1", "tok-2", ... */
  public FakeTributaryServer acceptAnyLogin() {
    login =
        (request, response) ->
            respond(
                response,
                LoginResponse.newBuilder()
                    .setUser(request.getUser())
                    .setRole("user")
                    .setToken("tok-" + logins.incrementAndGet())
                    .setExpiresAtMillis(Long.MAX_VALUE)
                    .build());
    return this;
  }

  public static <T> void respond(StreamObserver<T> observer, T message) {
    observer.onNext(message);
    observer.onCompleted();
  }

  public static void fail(StreamObserver<?> observer, StatusRuntimeException failure) {
    observer.onError(failure);
  }

  /** A failed call whose trailers carry an ErrorDetail, as the wire contract says. */
  public static StatusRuntimeException failure(Status status, String code, String message) {
    Metadata trailers = new Metadata();
    trailers.put(
        ERROR_DETAIL_KEY,
        ErrorDetail.newBuilder()
            .setError(Error.newBuilder().setCode(code).setMessage(message))
            .build());
    return status.withDescription(message).asRuntimeException(trailers);
  }

  public static StatementResult rowsAffected(long rows) {
    return StatementResult.newBuilder().setStatement("UPDATE t").setRowsAffected(rows).build();
  }

  public static StatementResult done(String done) {
    return StatementResult.newBuilder().setStatement(done).setDone(done).build();
  }

  public static StatementResult error(String code, String message, int line, int column) {
    return StatementResult.newBuilder()
        .setStatement("bad")
        .setError(
            Error.newBuilder().setCode(code).setMessage(message).setLine(line).setColumn(column))
        .build();
  }

  // ---- the multiplexed live stream ----

  public static void answer(StreamObserver<AddSubscriptionResponse> response, String id) {
    response.onNext(AddSubscriptionResponse.newBuilder().setSubscriptionId(id).build());
    response.onCompleted();
  }

  /** The latest stream. */
  public ServerCallStreamObserver<LiveEventBatch> stream() {
    return streams.get(streams.size() - 1);
  }

  /** Pushes events down the latest stream, all in one batch (one message). */
  public void send(LiveEvent... events) {
    stream().onNext(LiveEventBatch.newBuilder().addAllEvents(List.of(events)).build());
  }

  /** Ends the latest stream with a status, as a lost connection does. */
  public void drop(Status status) {
    stream().onError(status.asRuntimeException());
  }

  public AddSubscriptionRequest lastAdd() {
    return adds.get(adds.size() - 1);
  }

  // ---- one-shot Subscribe ----

  /** Sends the events (the first alone, the rest in one batch), then leaves the stream open. */
  public static Script sending(LiveEvent... events) {
    return (request, authorization, stream) -> sendSplit(stream, events);
  }

  /** Sends the events as {@link #sending} does, then ends the stream. */
  public static Script sendingThenEnding(LiveEvent... events) {
    return (request, authorization, stream) -> {
      sendSplit(stream, events);
      stream.onCompleted();
    };
  }

  private static void sendSplit(
      ServerCallStreamObserver<LiveEventBatch> stream, LiveEvent... events) {
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

  // ---- events (with a subscription id for the multiplexed stream, without for Subscribe) ----

  public static Row row(long id, String name, long seq) {
    return Row.newBuilder()
        .addValues(Value.newBuilder().setBigintValue(id))
        .addValues(
            name == null
                ? Value.getDefaultInstance()
                : Value.newBuilder().setTextValue(name).build())
        .addValues(Value.newBuilder().setBigintValue(seq))
        .build();
  }

  public static LiveEvent subscribed() {
    return subscribed("");
  }

  public static LiveEvent subscribed(String id) {
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

  /** Subscribed for a live SELECT ordered by {@code name}. */
  public static LiveEvent subscribedOrderedByName(boolean descending, boolean nullsFirst) {
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

  public static LiveEvent snapshot(boolean hasMore, Row... rows) {
    return snapshot("", hasMore, rows);
  }

  public static LiveEvent snapshot(String id, boolean hasMore, Row... rows) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setInitialRows(InitialRows.newBuilder().addAllRows(List.of(rows)).setHasMore(hasMore))
        .build();
  }

  public static LiveEvent ready(long seq) {
    return ready("", seq);
  }

  public static LiveEvent ready(String id, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setReady(Ready.newBuilder().setSeq(seq))
        .build();
  }

  public static LiveEvent insert(long rowId, String name, long seq) {
    return insert("", rowId, name, seq);
  }

  public static LiveEvent insert(String id, long rowId, String name, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setInsert(RowInsert.newBuilder().setRow(row(rowId, name, seq)).setSeq(seq))
        .build();
  }

  public static LiveEvent update(long rowId, String oldName, long oldSeq, String name, long seq) {
    return update("", rowId, oldName, oldSeq, name, seq);
  }

  public static LiveEvent update(
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

  /** A delete on Subscribe: the deleted row (of {@code rowSeq}) at change {@code seq}. */
  public static LiveEvent delete(long rowId, String name, long rowSeq, long seq) {
    return LiveEvent.newBuilder()
        .setDelete(RowDelete.newBuilder().setRow(row(rowId, name, rowSeq)).setSeq(seq))
        .build();
  }

  public static LiveEvent delete(String id, long rowId, String name, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setDelete(RowDelete.newBuilder().setRow(row(rowId, name, seq)).setSeq(seq))
        .build();
  }

  public static LiveEvent error(String code, String message, long lastSeq) {
    return error("", code, message, lastSeq);
  }

  public static LiveEvent error(String id, String code, String message, long lastSeq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(id)
        .setError(
            LiveError.newBuilder()
                .setError(Error.newBuilder().setCode(code).setMessage(message))
                .setLastSeq(lastSeq))
        .build();
  }

  public static LiveEvent heartbeat() {
    return LiveEvent.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setServerTimeMillis(1))
        .build();
  }

  // ---- services ----

  private void record(Object request) {
    Call headers = CALL.get();
    calls.add(new Call(headers.method(), headers.authorization(), request));
  }

  private final class Auth extends AuthServiceGrpc.AuthServiceImplBase {
    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
      record(request);
      FakeTributaryServer.this.login.handle(request, response);
    }
  }

  private final class Statements extends StatementServiceGrpc.StatementServiceImplBase {
    @Override
    public void execute(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
      record(request);
      FakeTributaryServer.this.execute.handle(request, response);
    }
  }

  private final class Live extends LiveServiceGrpc.LiveServiceImplBase {
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

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<LiveEventBatch> response) {
      subscribeRequests.add(request);
      String authorization = String.valueOf(CALL.get().authorization().orElse(null));
      subscribeAuthorizations.add(authorization);
      ServerCallStreamObserver<LiveEventBatch> events =
          (ServerCallStreamObserver<LiveEventBatch>) response;
      events.setOnCancelHandler(cancelled::incrementAndGet);
      subscribeScript.play(request, authorization, events);
    }
  }

  /** Hands each call's method and authorization header to the services through the Context. */
  private final class Recorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      String method = call.getMethodDescriptor().getBareMethodName();
      String authorization = headers.get(AUTHORIZATION);
      if (call.getMethodDescriptor().getServiceName().endsWith("LiveService")) {
        authorizations.add(method + " " + authorization);
      }
      Call seen = new Call(method, Optional.ofNullable(authorization), null);
      return Contexts.interceptCall(Context.current().withValue(CALL, seen), call, headers, next);
    }
  }
}
