package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.LoginRequest;
import io.tributary.client.ErrorCode;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.query.parse.StatementLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Error codes a client sees from a real server (embedded broker, materializer, gRPC on a local
 * port): oversized writes, malformed gRPC-Web bodies and failed logins. Statement-level codes are
 * in the golden files ({@code 05-error-codes.golden}).
 */
class ErrorCodesEndToEndTest {
  private static final String DETAIL_HEADER = "tributary.v1.errordetail-bin";
  private static TributaryClient root;
  private static ManagedChannel channel;
  private static String token;
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    token = root.login("root", SharedServer.ROOT_PASSWORD).token();
    root.update(
        "CREATE NAMESPACE err;"
            + "CREATE TABLE err.notes (id BIGINT PRIMARY KEY, body TEXT, tag TEXT);"
            + "CREATE TABLE err.padded (id BIGINT PRIMARY KEY,"
            + " pad TEXT DEFAULT '"
            + "x".repeat(4_000)
            + "')");
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", SharedServer.get().port(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    root.close();
  }

  // ------------------------------------------------------------------ statement size

  @Test
  void shouldRefuseAStatementOverTheLimitBeforeTheLogAndKeepServing() {
    String body = "y".repeat(StatementLimits.MAX_STATEMENT_BYTES);

    assertThatThrownBy(
            () -> root.update("INSERT INTO err.notes (id, body) VALUES (1, '" + body + "')"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> {
              assertThat(e.code()).isEqualTo("STATEMENT_TOO_LARGE");
              assertThat(e.errorCode()).isEqualTo(ErrorCode.STATEMENT_TOO_LARGE);
            })
        .hasMessage(
            "Cannot run statement: its text and parameters are more than 262,144 bytes (256"
                + " KiB); split it into smaller statements");

    assertThat(root.query("SELECT COUNT(*) AS n FROM err.notes WHERE id = 1").rows())
        .extracting(r -> r.getLong("n"))
        .containsExactly(0L);
    assertThat(root.update("INSERT INTO err.notes (id, body) VALUES (1, 'small')")).isEqualTo(1);
  }

  @Test
  void shouldCountParametersTowardsTheLimit() {
    String body = "é".repeat(StatementLimits.MAX_STATEMENT_BYTES / 2); // 2 bytes each in UTF-8

    assertThatThrownBy(() -> root.update("INSERT INTO err.notes (id, body) VALUES (2, $1)", body))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo("STATEMENT_TOO_LARGE"))
        .hasMessageStartingWith("Cannot run statement: its text and parameters are more than");
    assertThat(root.query("SELECT COUNT(*) AS n FROM err.notes WHERE id = 2").rows())
        .extracting(r -> r.getLong("n"))
        .containsExactly(0L);
  }

  @Test
  void shouldRefuseAWriteThatDefaultsMakeLargerThanTheLimit() {
    // 80 short rows whose 4,000-character default makes a command of about 320 KB.
    StringBuilder sql = new StringBuilder("INSERT INTO err.padded (id) VALUES (0)");
    for (int i = 1; i < 80; i++) {
      sql.append(", (").append(i).append(')');
    }

    assertThatThrownBy(() -> root.update(sql.toString()))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo("STATEMENT_TOO_LARGE"))
        .hasMessageStartingWith("Cannot write to err.padded: the write is ")
        .hasMessageEndingWith(
            " bytes with its defaults filled in, more than the limit of 262,144 bytes; split it"
                + " into smaller statements");

    assertThat(root.query("SELECT COUNT(*) AS n FROM err.padded").rows())
        .extracting(r -> r.getLong("n"))
        .containsExactly(0L);
    assertThat(root.update("INSERT INTO err.padded (id) VALUES (1), (2)")).isEqualTo(2);
  }

  @Test
  void shouldWriteAndUpdateARowJustUnderTheLimit() {
    String body = "z".repeat(StatementLimits.MAX_STATEMENT_BYTES - 1_024);

    assertThat(root.update("INSERT INTO err.notes (id, body) VALUES (3, $1)", body)).isEqualTo(1);
    assertThat(root.update("UPDATE err.notes SET tag = $1 WHERE id = 3", body)).isEqualTo(1);

    assertThat(
            root.query(
                    "SELECT CHAR_LENGTH(body) AS b, CHAR_LENGTH(tag) AS t FROM err.notes"
                        + " WHERE id = 3")
                .rows())
        .extracting(r -> r.getInteger("b") + "/" + r.getInteger("t"))
        .containsExactly(body.length() + "/" + body.length());
  }

  @Test
  void shouldRefuseAnUpdateThatGrowsARowBeyondWhatTheChangeLogTakes() {
    String body = "g".repeat(200 * 1024);
    assertThat(root.update("INSERT INTO err.notes (id, body) VALUES (4, $1)", body)).isEqualTo(1);
    assertThat(root.update("UPDATE err.notes SET body = body || body WHERE id = 4")).isEqualTo(1);

    // 400 KiB before, 800 KiB after: one change record would be larger than the log accepts.
    assertThatThrownBy(() -> root.update("UPDATE err.notes SET body = body || body WHERE id = 4"))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo("STATEMENT_TOO_LARGE"))
        .hasMessageStartingWith("Cannot update err.notes: a row would grow from 409,")
        .hasMessageEndingWith(
            " bytes; a change (both versions of the row) may take at most 983,040 bytes");

    assertThat(root.query("SELECT CHAR_LENGTH(body) AS b FROM err.notes WHERE id = 4").rows())
        .extracting(r -> r.getInteger("b"))
        .containsExactly(400 * 1024);
    assertThat(root.update("UPDATE err.notes SET tag = 'still writable' WHERE id = 4"))
        .isEqualTo(1);
  }

  // ------------------------------------------------------------------ gRPC-Web

  @Test
  void shouldAnswerInvalidArgumentToAGrpcWebCallWithAMalformedBody() throws Exception {
    // A well-formed frame whose payload is not an ExecuteRequest (field 1 with a truncated length).
    HttpResponse<byte[]> response = grpcWeb("StatementService/Execute", frame(new byte[] {10, 99}));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(grpcStatus(response)).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    ErrorDetail detail = detail(response);
    assertThat(detail.getError().getCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(detail.getError().getErrorCode())
        .isEqualTo(io.tributary.api.v1.ErrorCode.INVALID_ARGUMENT);
    assertThat(detail.getError().getMessage())
        .isEqualTo(
            "Cannot read the request to tributary.v1.StatementService/Execute: its body is not a"
                + " valid request message");

    assertThat(root.query("SELECT 1 AS n").rows()).hasSize(1);
  }

  @Test
  void shouldAnswerInvalidArgumentToAGrpcWebCallWithATruncatedFrame() throws Exception {
    // The frame header announces 100 bytes; 3 follow.
    byte[] truncated = {0, 0, 0, 0, 100, 1, 2, 3};

    HttpResponse<byte[]> response = grpcWeb("StatementService/Execute", truncated);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(grpcStatus(response)).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(detail(response).getError().getCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(detail(response).getError().getMessage())
        .isEqualTo(
            "Cannot read the request to tributary.v1.StatementService/Execute: its body is not a"
                + " complete gRPC message frame");
    assertThat(root.query("SELECT 1 AS n").rows()).hasSize(1);
  }

  // ------------------------------------------------------------------ login

  @Test
  void shouldReportAuthenticationFailedForAWrongPasswordToTheJavaClient() {
    try (TributaryClient client = TributaryClient.connect(SharedServer.url())) {
      assertThatThrownBy(() -> client.login("root", "not-the-password"))
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> {
                assertThat(e.code()).isEqualTo("AUTHENTICATION_FAILED");
                assertThat(e.errorCode()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
              })
          .hasMessage("Cannot log in: unknown user or wrong password");
    }
  }

  @Test
  void shouldCarryAuthenticationFailedInTheStandardStatusDetailsOfANativeCall() {
    assertThatThrownBy(
            () ->
                AuthServiceGrpc.newBlockingStub(channel)
                    .login(
                        LoginRequest.newBuilder()
                            .setUser("nobody")
                            .setPassword("whatever-password")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              ErrorDetail own =
                  e.getTrailers().get(ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()));
              assertThat(own.getError().getCode()).isEqualTo("AUTHENTICATION_FAILED");
              assertThat(own.getError().getErrorCode())
                  .isEqualTo(io.tributary.api.v1.ErrorCode.AUTHENTICATION_FAILED);
              com.google.rpc.Status rich = StatusProto.fromThrowable(e);
              assertThat(rich).isNotNull();
              assertThat(rich.getDetailsList()).hasSize(1);
              assertThat(unpack(rich.getDetails(0)).getError().getCode())
                  .isEqualTo("AUTHENTICATION_FAILED");
            })
        .hasMessage("UNAUTHENTICATED: Cannot log in: unknown user or wrong password");
  }

  @Test
  void shouldLetABrowserReadAuthenticationFailedFromAGrpcWebLogin() throws Exception {
    byte[] login =
        LoginRequest.newBuilder()
            .setUser("root")
            .setPassword("not-the-password")
            .build()
            .toByteArray();

    HttpResponse<byte[]> response = grpcWeb("AuthService/Login", frame(login));

    assertThat(grpcStatus(response)).isEqualTo(Status.Code.UNAUTHENTICATED.value());
    assertThat(detail(response).getError().getCode()).isEqualTo("AUTHENTICATION_FAILED");
    assertThat(response.headers().firstValue("access-control-expose-headers"))
        .hasValueSatisfying(
            h -> assertThat(h.toLowerCase()).contains("grpc-status-details-bin", DETAIL_HEADER));
  }

  // ------------------------------------------------------------------ helpers

  private static HttpResponse<byte[]> grpcWeb(String method, byte[] body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(SharedServer.url() + "/tributary.v1." + method))
            .header("content-type", "application/grpc-web+proto")
            .header("x-grpc-web", "1")
            .header("origin", "http://app.example")
            .header("authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] frame(byte[] message) throws IOException {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(frame);
    data.writeByte(0);
    data.writeInt(message.length);
    data.write(message);
    return frame.toByteArray();
  }

  /**
   * A header of a gRPC-Web response: sent as an HTTP header when the response has no message
   * (trailers-only), else in the trailer frame at the end of the body.
   */
  private static String header(HttpResponse<byte[]> response, String name) {
    var header = response.headers().firstValue(name);
    if (header.isPresent()) {
      return header.get();
    }
    String trailers = new String(response.body(), StandardCharsets.ISO_8859_1);
    for (String line : trailers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase().endsWith(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in the response");
  }

  private static int grpcStatus(HttpResponse<byte[]> response) {
    return Integer.parseInt(header(response, "grpc-status"));
  }

  private static ErrorDetail detail(HttpResponse<byte[]> response) throws IOException {
    return ErrorDetail.parseFrom(Base64.getDecoder().decode(header(response, DETAIL_HEADER)));
  }

  private static ErrorDetail unpack(Any any) {
    try {
      return any.unpack(ErrorDetail.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
