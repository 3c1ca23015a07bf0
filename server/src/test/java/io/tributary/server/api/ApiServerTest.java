package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.Value;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Role;
import io.tributary.server.Principal;
import io.tributary.server.ServerConfig;
import io.tributary.server.auth.MutableClock;
import io.tributary.server.auth.TokenService;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server for the whole class: closing an Armeria server takes about 2 s (Netty's quiet period
 * for the acceptor loop), so tests share it and only the lifecycle tests start their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiServerTest {
  private static final Duration TTL = Duration.ofMinutes(30);
  private static final Metadata.Key<ErrorDetail> DETAIL =
      io.grpc.protobuf.ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  @TempDir static Path dataDir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final FakeStatementRunner runner = new FakeStatementRunner();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private ApiServer server;
  private ManagedChannel channel;

  @BeforeAll
  void start() {
    server = ApiServer.start(config(0), runner, new TokenService(dataDir, TTL, clock), registry);
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  @BeforeEach
  void forgetCalls() {
    runner.params.clear();
    runner.principals.clear();
    runner.dropped.clear();
  }

  @AfterAll
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private ServerConfig config(int port) {
    return ServerConfig.defaults().withPort(port).withDataDir(dataDir);
  }

  @Test
  void shouldListenOnAnEphemeralPort() {
    assertThat(server.port()).isPositive().isNotEqualTo(ServerConfig.DEFAULT_PORT);
  }

  @Test
  void shouldIssueTokenOnLogin() {
    LoginResponse login = login("alice", "secret");

    assertThat(login.getToken()).isNotBlank();
    assertThat(login.getUser()).isEqualTo("alice");
    assertThat(login.getRole()).isEqualTo("user");
    assertThat(login.getExpiresAtMillis()).isEqualTo(clock.instant().plus(TTL).toEpochMilli());
  }

  @Test
  void shouldRejectWrongPasswordWithAuthenticationFailed() {
    assertThatThrownBy(() -> login("alice", "wrong"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(detail(e).getCode()).isEqualTo("AUTHENTICATION_FAILED");
              assertThat(detail(e).getMessage()).isEqualTo("Cannot log in: wrong user or password");
            })
        .hasMessage("UNAUTHENTICATED: Cannot log in: wrong user or password");
  }

  @Test
  void shouldRejectCallWithoutTokenWithErrorDetail() {
    var stub = StatementServiceGrpc.newBlockingStub(channel);

    assertThatThrownBy(() -> stub.execute(sql("SELECT NUMBERS")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(detail(e).getCode()).isEqualTo("UNAUTHENTICATED");
            })
        .hasMessage(
            "UNAUTHENTICATED: Cannot authenticate: missing 'authorization: Bearer <token>' header"
                + " (log in first)");
    assertThat(runner.params).isEmpty();
  }

  @Test
  void shouldRejectAuthorizationThatIsNotBearer() {
    var stub = withAuthorization("Basic YWxpY2U6c2VjcmV0");

    assertThatThrownBy(() -> stub.execute(sql("SELECT NUMBERS")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(detail(e).getCode()).isEqualTo("UNAUTHENTICATED"))
        .hasMessage(
            "UNAUTHENTICATED: Cannot authenticate: the authorization header must read"
                + " 'Bearer <token>'");
  }

  @Test
  void shouldRejectInvalidToken() {
    var stub = withAuthorization("Bearer not.a.token");

    assertThatThrownBy(() -> stub.execute(sql("SELECT NUMBERS")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(detail(e).getCode()).isEqualTo("UNAUTHENTICATED"))
        .hasMessage("UNAUTHENTICATED: Cannot authenticate: invalid token");
  }

  @Test
  void shouldRejectExpiredToken() {
    var stub = authenticated("alice", "secret");
    assertThat(stub.execute(sql("SELECT NUMBERS")).getResultsCount()).isEqualTo(1);

    clock.advance(TTL);

    assertThatThrownBy(() -> stub.execute(sql("SELECT NUMBERS")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(detail(e).getCode()).isEqualTo("UNAUTHENTICATED");
            })
        .hasMessage("UNAUTHENTICATED: Cannot authenticate: token expired");
  }

  @Test
  void shouldRejectATokenWhoseAccountTheRunnerNoLongerAccepts() {
    var stub = authenticated("alice", "secret");
    assertThat(stub.execute(sql("SELECT NUMBERS")).getResultsCount()).isEqualTo(1);

    runner.dropped.add("id-alice");

    assertThatThrownBy(() -> stub.execute(sql("SELECT NUMBERS")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(detail(e).getCode()).isEqualTo("UNAUTHENTICATED");
            })
        .hasMessage("UNAUTHENTICATED: Cannot authenticate: the account of user alice was dropped");
    assertThat(runner.principals).hasSize(1);
  }

  @Test
  void shouldRunStatementsAsTheTokensPrincipal() {
    ExecuteResponse response = authenticated("root", "rootpw").execute(sql("WHOAMI"));

    assertThat(runner.principals).containsExactly(new Principal("id-root", "root", Role.SYSTEM, 0));
    assertThat(response.getResults(0).getRows().getRows(0).getValuesList())
        .extracting(Value::getTextValue)
        .containsExactly("root", "system");
  }

  @Test
  void shouldRoundTripEveryValueType() {
    UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    ExecuteRequest request =
        ExecuteRequest.newBuilder()
            .setSql("SELECT ALL TYPES")
            .addParams(Value.newBuilder().setBoolValue(true))
            .addParams(Value.newBuilder().setIntValue(-7))
            .addParams(Value.newBuilder().setBigintValue(9_007_199_254_740_993L))
            .addParams(Value.newBuilder().setDoubleValue(2.5))
            .addParams(Value.newBuilder().setDecimalValue("12.50"))
            .addParams(Value.newBuilder().setTextValue("héllo"))
            .addParams(Value.newBuilder().setBytesValue(ByteString.copyFromUtf8("hi")))
            .addParams(Value.newBuilder().setJsonValue("{\"a\": [1, 2]}"))
            .addParams(Value.newBuilder().setTimestampMillis(1_700_000_000_123L))
            .addParams(Value.newBuilder().setDateDays(19_700))
            .addParams(Value.newBuilder().setUuidValue(uuid.toString()))
            .addParams(Value.getDefaultInstance())
            .build();

    ExecuteResponse response = authenticated("alice", "secret").execute(request);

    List<Object> params = new ArrayList<>(runner.params.get(0));
    assertThat(params.remove(6)).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
    assertThat(params)
        .containsExactly(
            true,
            -7,
            9_007_199_254_740_993L,
            2.5,
            new BigDecimal("12.50"),
            "héllo",
            "{\"a\": [1, 2]}",
            Instant.ofEpochMilli(1_700_000_000_123L),
            LocalDate.ofEpochDay(19_700),
            uuid,
            null);

    StatementResult result = response.getResults(0);
    assertThat(result.getStatement()).isEqualTo("SELECT ALL TYPES");
    assertThat(result.getRows().getColumnsList())
        .extracting(Column::getName, Column::getType, Column::getNullable)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("b", "BOOLEAN", true),
            org.assertj.core.groups.Tuple.tuple("i", "INT", true),
            org.assertj.core.groups.Tuple.tuple("l", "BIGINT", true),
            org.assertj.core.groups.Tuple.tuple("d", "DOUBLE", true),
            org.assertj.core.groups.Tuple.tuple("m", "DECIMAL(10,2)", true),
            org.assertj.core.groups.Tuple.tuple("t", "TEXT", true),
            org.assertj.core.groups.Tuple.tuple("y", "BYTES", true),
            org.assertj.core.groups.Tuple.tuple("j", "JSON", true),
            org.assertj.core.groups.Tuple.tuple("ts", "TIMESTAMP", true),
            org.assertj.core.groups.Tuple.tuple("dt", "DATE", true),
            org.assertj.core.groups.Tuple.tuple("u", "UUID", false));
    Row values = result.getRows().getRows(0);
    assertThat(values.getValuesList())
        .containsExactly(
            Value.newBuilder().setBoolValue(true).build(),
            Value.newBuilder().setIntValue(-7).build(),
            Value.newBuilder().setBigintValue(9_007_199_254_740_993L).build(),
            Value.newBuilder().setDoubleValue(2.5).build(),
            Value.newBuilder().setDecimalValue("12.50").build(),
            Value.newBuilder().setTextValue("héllo").build(),
            Value.newBuilder().setBytesValue(ByteString.copyFromUtf8("hi")).build(),
            Value.newBuilder().setJsonValue("{\"a\": [1, 2]}").build(),
            Value.newBuilder().setTimestampMillis(1_700_000_000_123L).build(),
            Value.newBuilder().setDateDays(19_700).build(),
            Value.newBuilder().setUuidValue(uuid.toString()).build());
    Row nulls = result.getRows().getRows(1);
    assertThat(nulls.getValuesList().subList(0, 10))
        .allSatisfy(v -> assertThat(v.getKindCase()).isEqualTo(Value.KindCase.KIND_NOT_SET));
  }

  @Test
  void shouldMapEachOutcomeAndStopAtTheFailedStatement() {
    ExecuteResponse response =
        authenticated("alice", "secret")
            .execute(sql("CREATE TABLE t (x INT); INSERT INTO t VALUES (1); SELEC x; SELECT 1"));

    assertThat(response.getResultsList())
        .extracting(StatementResult::getStatement)
        .containsExactly("CREATE TABLE t (x INT)", "INSERT INTO t VALUES (1)", "SELEC x");
    assertThat(response.getResults(0).getDone()).isEqualTo("CREATE TABLE");
    assertThat(response.getResults(1).getRowsAffected()).isEqualTo(2);
    assertThat(response.getResults(2).getError())
        .isEqualTo(
            Error.newBuilder()
                .setCode("SYNTAX_ERROR")
                .setErrorCode(io.tributary.api.v1.ErrorCode.SYNTAX_ERROR)
                .setMessage("Cannot parse statement: unexpected 'SELEC'")
                .setLine(1)
                .setColumn(1)
                .build());
  }

  @Test
  void shouldRejectMalformedParameterAsInvalidArgument() {
    ExecuteRequest request =
        ExecuteRequest.newBuilder()
            .setSql("SELECT NUMBERS")
            .addParams(Value.newBuilder().setIntValue(1))
            .addParams(Value.newBuilder().setUuidValue("not-a-uuid"))
            .build();
    var stub = authenticated("alice", "secret");

    assertThatThrownBy(() -> stub.execute(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(detail(e).getCode()).isEqualTo("INVALID_ARGUMENT");
            })
        .hasMessage("INVALID_ARGUMENT: Cannot read parameter $2: 'not-a-uuid' is not a UUID");
    assertThat(runner.params).isEmpty();
  }

  @Test
  void shouldAnswerInternalForAnUnexpectedExceptionAndKeepServing() {
    var stub = authenticated("alice", "secret");

    assertThatThrownBy(() -> stub.execute(sql("BOOM")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(detail(e))
                  .isEqualTo(
                      Error.newBuilder()
                          .setCode("INTERNAL")
                          .setErrorCode(io.tributary.api.v1.ErrorCode.INTERNAL)
                          .setMessage("Cannot execute: internal error (see server log)")
                          .build());
            })
        .hasMessage("INTERNAL: Cannot execute: internal error (see server log)")
        .hasMessageNotContaining("boom");

    assertThat(stub.execute(sql("SELECT NUMBERS")).getResults(0).getRows().getRowsCount())
        .isEqualTo(2);
  }

  @Test
  void shouldReportHealthServingWithoutToken() {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void shouldListServicesByReflectionWithoutToken() throws Exception {
    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    reply.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    reply.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());

    ServerReflectionResponse response = reply.get(10, TimeUnit.SECONDS);
    requests.onCompleted();

    assertThat(response.getListServicesResponse().getServiceList())
        .extracting(ServiceResponse::getName)
        .contains("tributary.v1.AuthService", "tributary.v1.StatementService");
  }

  @Test
  void shouldServeHealthAndMetricsOverHttp() throws Exception {
    double executed = count("tributary.statements.executed");
    double syntaxErrors = count("tributary.statements.failed", "code", "SYNTAX_ERROR");
    long calls = registry.find("tributary.execute").timer().count();
    var stub = authenticated("alice", "secret");
    stub.execute(sql("SELECT NUMBERS; INSERT INTO t VALUES (1)"));
    stub.execute(sql("SELEC"));

    HttpResponse<String> health = get("/health");
    HttpResponse<String> metrics = get("/metrics", "Bearer " + login("root", "rootpw").getToken());

    assertThat(count("tributary.statements.executed")).isEqualTo(executed + 3);
    assertThat(count("tributary.statements.failed", "code", "SYNTAX_ERROR"))
        .isEqualTo(syntaxErrors + 1);
    assertThat(registry.find("tributary.execute").timer().count()).isEqualTo(calls + 2);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    assertThat(metrics.body())
        .contains("tributary_statements_executed_total ")
        .contains("tributary_statements_failed_total{code=\"SYNTAX_ERROR\"} ")
        .contains("tributary_execute_seconds_count ")
        .contains("tributary_logins_total{result=\"ok\"} ");
  }

  @Test
  void shouldRefuseMetricsWithoutAValidToken() throws Exception {
    HttpResponse<String> missing = get("/metrics");
    HttpResponse<String> invalid = get("/metrics", "Bearer not.a.token");
    HttpResponse<String> basic = get("/metrics", "Basic cm9vdDpyb290cHc=");

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("www-authenticate"))
        .hasValue("Bearer realm=\"tributary\"");
    assertThat(missing.body())
        .isEqualTo(
            "Cannot authenticate: missing 'authorization: Bearer <token>' header (log in first)\n");
    assertThat(invalid.statusCode()).isEqualTo(401);
    assertThat(invalid.body()).isEqualTo("Cannot authenticate: invalid token\n");
    assertThat(basic.statusCode()).isEqualTo(401);
    assertThat(basic.body())
        .isEqualTo("Cannot authenticate: the authorization header must read 'Bearer <token>'\n");
  }

  @Test
  void shouldRefuseMetricsToRoleUser() throws Exception {
    HttpResponse<String> metrics = get("/metrics", "Bearer " + login("alice", "secret").getToken());

    assertThat(metrics.statusCode()).isEqualTo(403);
    assertThat(metrics.body())
        .isEqualTo("Cannot read metrics: role user may not read them (dba or system required)\n");
  }

  @Test
  void shouldKeepHealthOpen() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(200);
  }

  private double count(String name, String... tags) {
    return registry.find(name).tags(tags).counter().count();
  }

  @Test
  void shouldServeGrpcWebOverHttp11WithCorsHeaders() throws Exception {
    byte[] message =
        LoginRequest.newBuilder().setUser("alice").setPassword("secret").build().toByteArray();
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(frame);
    data.writeByte(0);
    data.writeInt(message.length);
    data.write(message);

    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(url("/tributary.v1.AuthService/Login"))
                .header("content-type", "application/grpc-web+proto")
                .header("x-grpc-web", "1")
                .header("origin", "http://app.example")
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame.toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/grpc-web"));
    assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(response.headers().firstValue("access-control-expose-headers"))
        .hasValueSatisfying(
            h -> assertThat(h).contains("grpc-status", "grpc-message", "grpc-status-details-bin"));
    ByteBuffer body = ByteBuffer.wrap(response.body());
    assertThat(body.get()).isEqualTo((byte) 0);
    byte[] payload = new byte[body.getInt()];
    body.get(payload);
    assertThat(LoginResponse.parseFrom(payload).getUser()).isEqualTo("alice");
    assertThat(body.get()).isEqualTo((byte) 0x80);
    byte[] trailers = new byte[body.getInt()];
    body.get(trailers);
    assertThat(new String(trailers, StandardCharsets.US_ASCII)).containsPattern("grpc-status: ?0");
  }

  @Test
  void shouldAnswerCorsPreflightForGrpcWeb() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(url("/tributary.v1.StatementService/Execute"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "http://app.example")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type,x-grpc-web")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(response.headers().firstValue("access-control-allow-headers"))
        .hasValueSatisfying(h -> assertThat(h).contains("authorization", "x-grpc-web"));
  }

  @Test
  void shouldRefuseToStartOnAPortInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ServerConfig config = config(taken.getLocalPort());
      TokenService tokens = new TokenService(dataDir, TTL, clock);

      assertThatThrownBy(() -> ApiServer.start(config, runner, tokens, registry))
          .isInstanceOfSatisfying(
              TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessageStartingWith("Cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ");
    }
  }

  @Test
  void shouldReportNotServingWithTheReasonWhileTheHealthCheckFails() throws Exception {
    java.util.concurrent.atomic.AtomicReference<String> problem =
        new java.util.concurrent.atomic.AtomicReference<>();
    ApiServer own =
        ApiServer.start(
            config(0),
            runner,
            new TokenService(dataDir, TTL, clock),
            registry,
            java.util.List.of(),
            problem::get);
    ManagedChannel ownChannel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", own.port(), InsecureChannelCredentials.create())
            .build();
    try {
      var health = HealthGrpc.newBlockingStub(ownChannel);
      HttpResponse<String> ok = get(own.port(), "/health");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("ok");

      problem.set("the materializer is not applying: it is stuck");

      HttpResponse<String> failing = get(own.port(), "/health");
      assertThat(failing.statusCode()).isEqualTo(503);
      assertThat(failing.body())
          .isEqualTo("not serving: the materializer is not applying: it is stuck");
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
                      == HealthCheckResponse.ServingStatus.NOT_SERVING);

      problem.set(null);

      assertThat(get(own.port(), "/health").statusCode()).isEqualTo(200);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
                      == HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      ownChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      own.close();
    }
  }

  @Test
  void shouldStopServingOnClose() throws InterruptedException {
    ApiServer own =
        ApiServer.start(config(0), runner, new TokenService(dataDir, TTL, clock), registry);
    ManagedChannel ownChannel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", own.port(), InsecureChannelCredentials.create())
            .build();
    try {
      var health = HealthGrpc.newBlockingStub(ownChannel);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      own.close();
      own.close();

      assertThatThrownBy(() -> health.check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      ownChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private LoginResponse login(String user, String password) {
    return AuthServiceGrpc.newBlockingStub(channel)
        .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build());
  }

  private StatementServiceGrpc.StatementServiceBlockingStub authenticated(
      String user, String password) {
    return withAuthorization("Bearer " + login(user, password).getToken());
  }

  private StatementServiceGrpc.StatementServiceBlockingStub withAuthorization(String value) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
    return StatementServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static ExecuteRequest sql(String sql) {
    return ExecuteRequest.newBuilder().setSql(sql).build();
  }

  private static Error detail(StatusRuntimeException e) {
    ErrorDetail detail = e.getTrailers() == null ? null : e.getTrailers().get(DETAIL);
    assertThat(detail).as("ErrorDetail in the trailers of %s", e.getStatus()).isNotNull();
    return detail.getError();
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return get(server.port(), path);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    return http.send(
        HttpRequest.newBuilder(url(path)).header("authorization", authorization).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
