package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.done;
import static io.tributary.client.testing.FakeTributaryServer.error;
import static io.tributary.client.testing.FakeTributaryServer.fail;
import static io.tributary.client.testing.FakeTributaryServer.failure;
import static io.tributary.client.testing.FakeTributaryServer.respond;
import static io.tributary.client.testing.FakeTributaryServer.rowsAffected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.throwable;

import com.google.protobuf.Any;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.Value;
import io.tributary.client.ErrorCode;
import io.tributary.client.ResultSet;
import io.tributary.client.Session;
import io.tributary.client.StatementResult.Kind;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.client.testing.FakeTributaryServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrpcTributaryClientTest {

  private static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");

  private String name;
  private FakeTributaryServer server;
  private TributaryClient client;

  @BeforeEach
  void start() throws Exception {
    name = InProcessServerBuilder.generateName();
    server = new FakeTributaryServer().start(InProcessServerBuilder.forName(name).directExecutor());
    client = clientWithTimeout(Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  private TributaryClient clientWithTimeout(Duration timeout) {
    return new GrpcTributaryClient(
        InProcessChannelBuilder.forName(name).directExecutor().build(), timeout);
  }

  private void acceptLogin(String token) {
    server.login =
        (request, response) ->
            respond(
                response,
                LoginResponse.newBuilder()
                    .setUser(request.getUser())
                    .setRole("service")
                    .setToken(token)
                    .setExpiresAtMillis(EXPIRES.toEpochMilli())
                    .build());
  }

  // --- auth ---------------------------------------------------------------------------------

  @Test
  void shouldSendBearerTokenOnCallsAfterLogin() {
    acceptLogin("token-1");
    server.answerExecute(done("CREATE NAMESPACE"));

    Session session = client.login("agent", "secret");
    client.execute("CREATE NAMESPACE chat");

    assertThat(session).isEqualTo(new Session("agent", "service", "token-1", EXPIRES));
    assertThat(server.calls)
        .extracting(FakeTributaryServer.Call::method, FakeTributaryServer.Call::authorization)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Login", Optional.empty()),
            org.assertj.core.groups.Tuple.tuple("Execute", Optional.of("Bearer token-1")));
  }

  @Test
  void shouldSendNoAuthorizationBeforeLogin() {
    server.answerExecute(done("CREATE NAMESPACE"));

    client.execute("CREATE NAMESPACE chat");

    assertThat(server.lastCall().authorization()).isEmpty();
  }

  @Test
  void shouldNotSendOldTokenOnLoginAndReplaceIt() {
    acceptLogin("token-2");
    server.answerExecute(done("CREATE NAMESPACE"));

    client.withToken("token-1").login("agent", "secret");
    client.execute("CREATE NAMESPACE chat");

    assertThat(server.calls)
        .extracting(FakeTributaryServer.Call::authorization)
        .containsExactly(Optional.empty(), Optional.of("Bearer token-2"));
  }

  @Test
  void shouldSendGivenTokenAndReturnSameClientFromWithToken() {
    server.answerExecute(done("CREATE NAMESPACE"));

    TributaryClient same = client.withToken("given");
    same.execute("CREATE NAMESPACE chat");

    assertThat(same).isSameAs(client);
    assertThat(server.lastCall().authorization()).contains("Bearer given");
  }

  @Test
  void shouldThrowAuthenticationFailedWhenLoginIsRefused() {
    server.login =
        (request, response) ->
            fail(
                response,
                failure(
                    Status.UNAUTHENTICATED,
                    "AUTHENTICATION_FAILED",
                    "Cannot log in: wrong user or password"));
    server.answerExecute(done("CREATE NAMESPACE"));

    assertThatThrownBy(() -> client.login("agent", "wrong"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot log in: wrong user or password")
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("AUTHENTICATION_FAILED");
    client.execute("CREATE NAMESPACE chat");
    assertThat(server.lastCall().authorization()).isEmpty();
  }

  @Test
  void shouldThrowAuthenticationFailedWhenLoginIsRefusedWithoutDetail() {
    server.login =
        (request, response) ->
            fail(
                response,
                Status.UNAUTHENTICATED.withDescription("bad password").asRuntimeException());

    assertThatThrownBy(() -> client.login("agent", "wrong"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot log in: bad password")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("AUTHENTICATION_FAILED");
  }

  // --- call-level errors --------------------------------------------------------------------

  @Test
  void shouldTakeCodeAndMessageFromErrorDetailTrailer() {
    server.execute =
        (request, response) ->
            fail(
                response,
                failure(
                    Status.PERMISSION_DENIED,
                    "PERMISSION_DENIED",
                    "Cannot execute as user 'u1': role user may not"));

    assertThatThrownBy(() -> client.execute("EXECUTE AS USER 'u1' (SELECT 1)"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot execute as user 'u1': role user may not")
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void shouldTakeTheTypedCodeFromTheErrorCodeOfTheTrailer() {
    Metadata trailers = new Metadata();
    trailers.put(
        Errors.ERROR_DETAIL_KEY,
        ErrorDetail.newBuilder()
            .setError(
                Error.newBuilder()
                    .setErrorCode(io.tributary.api.v1.ErrorCode.LIVE_QUERY_NOT_FOUND)
                    .setMessage("Cannot kill live query 7: there is none"))
            .build());
    server.execute =
        (request, response) ->
            fail(
                response,
                Status.NOT_FOUND
                    .withDescription("Cannot kill live query 7: there is none")
                    .asRuntimeException(trailers));

    assertThatThrownBy(() -> client.execute("KILL LIVE QUERY 7"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(ErrorCode.LIVE_QUERY_NOT_FOUND);
              assertThat(e.code()).isEqualTo("LIVE_QUERY_NOT_FOUND");
            })
        .hasMessage("Cannot kill live query 7: there is none");
  }

  @Test
  void shouldTypeTheCodesTheSdkMakesItself() {
    server.execute = (request, response) -> fail(response, Status.UNAVAILABLE.asRuntimeException());

    assertThatThrownBy(() -> client.execute("SELECT 1"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessage("Cannot execute statements: UNAVAILABLE");
  }

  @Test
  void shouldTakeCodeFromErrorDetailInGrpcStatusDetails() {
    com.google.rpc.Status rich =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
            .setMessage("too many")
            .addDetails(
                Any.pack(
                    ErrorDetail.newBuilder()
                        .setError(
                            Error.newBuilder()
                                .setCode("RATE_LIMITED")
                                .setMessage("Cannot execute statements: too many calls"))
                        .build()))
            .build();
    server.execute =
        (request, response) -> fail(response, StatusProto.toStatusRuntimeException(rich));

    assertThatThrownBy(() -> client.update("DELETE FROM t"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot execute statements: too many calls")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("RATE_LIMITED");
  }

  @ParameterizedTest
  @CsvSource({
    "UNAVAILABLE, UNAVAILABLE",
    "UNAUTHENTICATED, UNAUTHENTICATED",
    "PERMISSION_DENIED, INTERNAL",
    "INTERNAL, INTERNAL",
    "RESOURCE_EXHAUSTED, INTERNAL"
  })
  void shouldMapStatusWithoutDetailToCode(Status.Code status, String code) {
    server.execute =
        (request, response) ->
            fail(
                response, Status.fromCode(status).withDescription("it broke").asRuntimeException());

    assertThatThrownBy(() -> client.execute("SELECT 1"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot execute statements: it broke")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(code);
  }

  @Test
  void shouldNameStatusCodeWhenStatusHasNoDescription() {
    server.execute = (request, response) -> fail(response, Status.INTERNAL.asRuntimeException());

    assertThatThrownBy(() -> client.query("SELECT 1"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot execute statements: INTERNAL")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("INTERNAL");
  }

  @Test
  void shouldFailWithDeadlineExceededWhenServerDoesNotAnswerInTime() {
    server.execute = (request, response) -> {}; // never answers
    try (TributaryClient impatient = clientWithTimeout(Duration.ofMillis(50))) {
      assertThatThrownBy(() -> impatient.execute("SELECT 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot execute statements: ")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo("DEADLINE_EXCEEDED");
    }
  }

  // --- execute / query / update -------------------------------------------------------------

  @Test
  void shouldReturnFailedStatementFromExecuteWithoutThrowing() {
    server.answerExecute(
        done("CREATE TABLE"),
        rowsAffected(2),
        error("SYNTAX_ERROR", "Cannot parse statement: unexpected 'FORM'", 1, 10));

    List<io.tributary.client.StatementResult> results =
        client.execute("CREATE TABLE t (id INT); INSERT ...; SELECT * FORM t");

    assertThat(results)
        .extracting(io.tributary.client.StatementResult::kind)
        .containsExactly(Kind.DONE, Kind.ROWS_AFFECTED, Kind.ERROR);
    assertThat(results.get(0).done()).isEqualTo("CREATE TABLE");
    assertThat(results.get(0).error()).isEmpty();
    assertThat(results.get(1).rowsAffected()).isEqualTo(2);
    TributaryException failure = results.get(2).error().orElseThrow();
    assertThat(failure.code()).isEqualTo("SYNTAX_ERROR");
    assertThat(failure.errorCode()).isEqualTo(ErrorCode.SYNTAX_ERROR);
    assertThat(failure).hasMessage("Cannot parse statement: unexpected 'FORM'");
    assertThat(failure.line()).isEqualTo(1);
    assertThat(failure.column()).isEqualTo(10);
  }

  @Test
  void shouldThrowFromAccessorsOfAnotherKind() {
    server.answerExecute(done("CREATE TABLE"), error("TABLE_NOT_FOUND", "Cannot find t", 0, 0));

    List<io.tributary.client.StatementResult> results = client.execute("CREATE ...; DROP ...");

    assertThatThrownBy(() -> results.get(0).rows())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot read rows: the statement's result is DONE, not ROWS");
    assertThatThrownBy(() -> results.get(0).rowsAffected())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot read rows affected: the statement's result is DONE, not ROWS_AFFECTED");
    assertThatThrownBy(() -> results.get(1).done())
        .isSameAs(results.get(1).error().orElseThrow())
        .hasMessage("Cannot find t");
  }

  @Test
  void shouldThrowStatementErrorFromQueryWithItsCodeAndPosition() {
    server.answerExecute(error("SYNTAX_ERROR", "Cannot parse statement: unexpected 'FORM'", 2, 3));

    assertThatThrownBy(() -> client.query("SELECT *\n  FORM t"))
        .asInstanceOf(throwable(TributaryException.class))
        .hasMessage("Cannot parse statement: unexpected 'FORM'")
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo("SYNTAX_ERROR");
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.column()).isEqualTo(3);
            });
  }

  @Test
  void shouldRejectStatementWithoutRowsFromQuery() {
    server.answerExecute(rowsAffected(1));

    assertThatThrownBy(() -> client.query("INSERT INTO t VALUES (1)"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot run query: the statement returned ROWS_AFFECTED, not rows")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("NOT_A_QUERY");
  }

  @Test
  void shouldRejectSeveralStatementsFromQuery() {
    server.answerExecute(rowsAffected(1), rowsAffected(1));

    assertThatThrownBy(() -> client.query("DELETE FROM t; DELETE FROM u"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot run query: expected exactly one statement, got 2")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("NOT_A_QUERY");
  }

  @Test
  void shouldReturnRowsAffectedByLastStatementFromUpdate() {
    server.answerExecute(rowsAffected(2), rowsAffected(5));

    assertThat(client.update("INSERT ...; UPDATE ...")).isEqualTo(5);
  }

  @Test
  void shouldReturnZeroFromUpdateForDdl() {
    server.answerExecute(rowsAffected(2), done("CREATE TABLE"));

    assertThat(client.update("INSERT ...; CREATE TABLE ...")).isZero();
  }

  @Test
  void shouldThrowFirstFailingStatementFromUpdate() {
    server.answerExecute(
        rowsAffected(1), error("DUPLICATE_KEY", "Cannot insert row: duplicate key 1", 0, 0));

    assertThatThrownBy(() -> client.update("INSERT ...; INSERT ..."))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot insert row: duplicate key 1")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("DUPLICATE_KEY");
  }

  // --- values -------------------------------------------------------------------------------

  @Test
  void shouldRoundTripEveryTypeAndNullThroughTheWire() {
    // The fake echoes the parameters back as one row, so both directions of the mapping meet.
    server.execute =
        (request, response) -> {
          io.tributary.api.v1.ResultSet.Builder rows = io.tributary.api.v1.ResultSet.newBuilder();
          for (int i = 0; i < request.getParamsCount(); i++) {
            rows.addColumns(Column.newBuilder().setName("c" + (i + 1)).setType("ANY"));
          }
          rows.addRows(Row.newBuilder().addAllValues(request.getParamsList()));
          respond(
              response,
              ExecuteResponse.newBuilder()
                  .addResults(StatementResult.newBuilder().setStatement("SELECT").setRows(rows))
                  .build());
        };
    UUID uuid = UUID.fromString("0190f0b2-7c1e-7cc4-9b6e-3d2a1f0e9a11");
    List<Object> params =
        Arrays.asList(
            true,
            42,
            9_007_199_254_740_993L,
            2.5,
            new BigDecimal("12.50"),
            "héllo",
            new byte[] {0, 1, (byte) 0xff},
            Instant.parse("2024-05-01T12:34:56.789Z"),
            LocalDate.of(1969, 12, 31),
            uuid,
            null);

    ResultSet result = client.query("SELECT ...", params.toArray());

    assertThat(result.size()).isEqualTo(1);
    assertThat(result.columns()).hasSize(params.size());
    assertThat(result.rows().get(0).values()).containsExactly(params.toArray());
    assertThat(server.executeRequests().get(0).getParamsList())
        .extracting(Value::getKindCase)
        .containsExactly(
            Value.KindCase.BOOL_VALUE,
            Value.KindCase.INT_VALUE,
            Value.KindCase.BIGINT_VALUE,
            Value.KindCase.DOUBLE_VALUE,
            Value.KindCase.DECIMAL_VALUE,
            Value.KindCase.TEXT_VALUE,
            Value.KindCase.BYTES_VALUE,
            Value.KindCase.TIMESTAMP_MILLIS,
            Value.KindCase.DATE_DAYS,
            Value.KindCase.UUID_VALUE,
            Value.KindCase.KIND_NOT_SET);
  }

  @Test
  void shouldBindSingleNullParameter() {
    server.answerExecute(rowsAffected(1));

    client.update("UPDATE t SET c = $1", (Object) null);

    assertThat(server.executeRequests().get(0).getParamsList())
        .containsExactly(Value.getDefaultInstance());
  }

  @Test
  void shouldRejectUnsupportedParameterWithoutCallingServer() {
    assertThatThrownBy(() -> client.execute("SELECT $1, $2", 1, new StringBuilder("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot bind parameter $2: unsupported type java.lang.StringBuilder");
    assertThat(server.calls).isEmpty();
  }

  @Test
  void shouldRejectNullParameterArray() {
    assertThatThrownBy(() -> client.execute("SELECT $1", (Object[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("params must not be null; pass (Object) null to bind a single SQL NULL");
  }

  // --- lifecycle ----------------------------------------------------------------------------

  @Test
  void shouldRefuseCallsAfterClose() {
    client.close();
    client.close();

    assertThatThrownBy(() -> client.execute("SELECT 1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot execute statements: the client is closed");
    assertThatThrownBy(() -> client.login("u", "p"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot log in: the client is closed");
    assertThat(server.calls).isEmpty();
  }
}
