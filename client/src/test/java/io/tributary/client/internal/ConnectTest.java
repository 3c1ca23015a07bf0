package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.ResultSet;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.Value;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.client.testing.FakeTributaryServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TributaryClient#connect} over a real localhost port. */
class ConnectTest {

  @Test
  void shouldLoginAndQueryOverPlaintextHttp2() throws Exception {
    try (FakeTributaryServer server =
        new FakeTributaryServer()
            .start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)))) {
      server.login =
          (request, response) ->
              respond(response, LoginResponse.newBuilder().setToken("t").setUser("root").build());
      server.execute =
          (request, response) ->
              respond(
                  response,
                  ExecuteResponse.newBuilder()
                      .addResults(
                          StatementResult.newBuilder()
                              .setRows(
                                  ResultSet.newBuilder()
                                      .addColumns(Column.newBuilder().setName("one"))
                                      .addRows(
                                          Row.newBuilder()
                                              .addValues(Value.newBuilder().setIntValue(1)))))
                      .build());

      try (TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port())) {
        client.login("root", "pw");
        assertThat(client.query("SELECT 1 AS one").rows().get(0).getInteger("one")).isEqualTo(1);
      }
      assertThat(server.lastCall().authorization()).isEqualTo(Optional.of("Bearer t"));
    }
  }

  @Test
  void shouldFailWithUnavailableWhenNothingListens() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + port)) {
      assertThatThrownBy(() -> client.execute("SELECT 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot execute statements: ")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo("UNAVAILABLE");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1:7070",
        "ftp://127.0.0.1:7070",
        "http://",
        "http://127.0.0.1:7070/prefix",
        "http://user@127.0.0.1:7070",
        "http://127.0.0.1:7070?x=1",
        "http://bad host"
      })
  void shouldRejectUrlOtherThanHttpOrHttpsHostAndPort(String url) {
    assertThatThrownBy(() -> TributaryClient.connect(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot connect to '" + url + "': expected http://host:port or https://host:port");
  }

  @Test
  void shouldRejectNonPositiveTimeout() {
    assertThatThrownBy(() -> TributaryClient.connect("http://127.0.0.1:7070", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot connect to 'http://127.0.0.1:7070': call timeout must be positive, got PT0S");
  }

  @Test
  void shouldRequireAnHttpsUrlForTrustedCertificates(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("ca.pem"), "unused");

    assertThatThrownBy(
            () -> TributaryClient.connect("http://127.0.0.1:7070", Duration.ofSeconds(5), pem))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot connect to 'http://127.0.0.1:7070': trusted certificates need an https:// URL");
  }

  @Test
  void shouldRefuseTrustedCertificatesThatCannotBeRead(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.pem");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");

    assertThatThrownBy(
            () -> TributaryClient.connect("https://127.0.0.1:7070", Duration.ofSeconds(5), missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot connect to 'https://127.0.0.1:7070': cannot read trusted certificates from "
                + missing
                + ": "
                + missing);
    assertThatThrownBy(
            () -> TributaryClient.connect("https://127.0.0.1:7070", Duration.ofSeconds(5), empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot connect to 'https://127.0.0.1:7070': cannot read trusted certificates from "
                + empty
                + ": the file holds no PEM certificate");
  }

  @Test
  void shouldAcceptHttpsUrlWithoutPort() {
    // TLS channels are created lazily; creating one checks only the URL.
    TributaryClient.connect("https://tributary.example").close();
    TributaryClient.connect("http://[::1]:7070/").close();
  }
}
