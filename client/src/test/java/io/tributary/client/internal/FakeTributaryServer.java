package io.tributary.client.internal;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted stand-in for the server: it records every call with its authorization header and
 * answers each with whatever the test set.
 */
final class FakeTributaryServer implements AutoCloseable {

  /** Answers one call; may also never answer. */
  interface Handler<ReqT, RespT> {
    void handle(ReqT request, StreamObserver<RespT> response);
  }

  /** A call as the server saw it. */
  record Call(String method, Optional<String> authorization, Object request) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  volatile Handler<LoginRequest, LoginResponse> login =
      (request, response) -> fail(response, Status.UNIMPLEMENTED.asRuntimeException());
  volatile Handler<ExecuteRequest, ExecuteResponse> execute =
      (request, response) -> fail(response, Status.UNIMPLEMENTED.asRuntimeException());

  private Server server;

  /** Starts serving through {@code builder} (in-process or a real port). */
  FakeTributaryServer start(ServerBuilder<?> builder) throws IOException {
    ServerInterceptor recordHeaders = new AuthorizationRecorder();
    server =
        builder
            .addService(ServerInterceptors.intercept(new Auth(), recordHeaders))
            .addService(ServerInterceptors.intercept(new Statements(), recordHeaders))
            .build()
            .start();
    return this;
  }

  int port() {
    return server.getPort();
  }

  List<ExecuteRequest> executeRequests() {
    return calls.stream()
        .filter(call -> call.request() instanceof ExecuteRequest)
        .map(call -> (ExecuteRequest) call.request())
        .toList();
  }

  Call lastCall() {
    return calls.get(calls.size() - 1);
  }

  /** Answers every Execute with these results. */
  void answerExecute(StatementResult... results) {
    execute =
        (request, response) ->
            respond(response, ExecuteResponse.newBuilder().addAllResults(List.of(results)).build());
  }

  static <T> void respond(StreamObserver<T> observer, T message) {
    observer.onNext(message);
    observer.onCompleted();
  }

  static void fail(StreamObserver<?> observer, StatusRuntimeException failure) {
    observer.onError(failure);
  }

  /** A failed call whose trailers carry an ErrorDetail, as the wire contract says. */
  static StatusRuntimeException failure(Status status, String code, String message) {
    Metadata trailers = new Metadata();
    trailers.put(
        Errors.ERROR_DETAIL_KEY,
        ErrorDetail.newBuilder()
            .setError(Error.newBuilder().setCode(code).setMessage(message))
            .build());
    return status.withDescription(message).asRuntimeException(trailers);
  }

  static StatementResult rowsAffected(long rows) {
    return StatementResult.newBuilder().setStatement("UPDATE t").setRowsAffected(rows).build();
  }

  static StatementResult done(String done) {
    return StatementResult.newBuilder().setStatement(done).setDone(done).build();
  }

  static StatementResult error(String code, String message, int line, int column) {
    return StatementResult.newBuilder()
        .setStatement("bad")
        .setError(
            Error.newBuilder().setCode(code).setMessage(message).setLine(line).setColumn(column))
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private final class Auth extends AuthServiceGrpc.AuthServiceImplBase {
    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
      record(request);
      login.handle(request, response);
    }
  }

  private final class Statements extends StatementServiceGrpc.StatementServiceImplBase {
    @Override
    public void execute(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
      record(request);
      execute.handle(request, response);
    }
  }

  private static final io.grpc.Context.Key<Call> CALL = io.grpc.Context.key("call");

  private void record(Object request) {
    Call headers = CALL.get();
    calls.add(new Call(headers.method(), headers.authorization(), request));
  }

  /** Hands each call's method and authorization header to the service through the Context. */
  private static final class AuthorizationRecorder implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      Call seen =
          new Call(
              call.getMethodDescriptor().getBareMethodName(),
              Optional.ofNullable(headers.get(BearerTokenInterceptor.AUTHORIZATION)),
              null);
      return io.grpc.Contexts.interceptCall(
          io.grpc.Context.current().withValue(CALL, seen), call, headers, next);
    }
  }
}
