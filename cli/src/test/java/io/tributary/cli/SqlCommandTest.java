package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.query.catalog.Role;
import io.tributary.server.Principal;
import io.tributary.server.ServerConfig;
import io.tributary.server.api.ApiServer;
import io.tributary.server.api.FakeStatementRunner;
import io.tributary.server.auth.TokenService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary sql} against a real API server on a local port, backed by a fake runner. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlCommandTest {
  private static final String NUMBERS_TABLE =
      String.join(
          "\n",
          " id | name  | price",
          "----+-------+-------",
          "  1 | apple |  1.50",
          " 22 | NULL  | 10.00",
          "(2 rows)",
          "",
          "");

  @TempDir static Path dataDir;
  private ApiServer server;
  private TokenService tokens;
  private String url;

  @BeforeAll
  void start() {
    tokens = new TokenService(dataDir, Duration.ofMinutes(5), Clock.systemUTC());
    server =
        ApiServer.start(
            ServerConfig.defaults().withPort(0).withDataDir(dataDir),
            new FakeStatementRunner(),
            tokens,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    url = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void shouldPrintTablesRowCountsAndTags() {
    Run run =
        alice(
            "-e", "SELECT NUMBERS; INSERT INTO t VALUES (1); CREATE TABLE t (x INT); SELECT EMPTY");

    assertThat(run.err).isEmpty();
    assertThat(run.out)
        .isEqualTo(
            NUMBERS_TABLE
                + "2 rows affected\n"
                + "CREATE TABLE\n"
                + " x\n"
                + "---\n"
                + "(0 rows)\n"
                + "\n");
    assertThat(run.status).isZero();
  }

  @Test
  void shouldPrintOneTypedJsonObjectPerRow() {
    Run run =
        alice("--format", "json", "-e", "SELECT ALL TYPES; SELECT TRICKY; INSERT x; CREATE t");

    assertThat(run.err).isEmpty();
    assertThat(run.out.split("\n", -1))
        .containsExactly(
            "{\"b\":true,\"i\":-7,\"l\":9007199254740993,\"d\":2.5,\"m\":\"12.50\","
                + "\"t\":\"héllo\",\"y\":\"aGk=\",\"j\":{\"a\": [1, 2]},"
                + "\"ts\":\"2023-11-14T22:13:20.123Z\",\"dt\":\"2023-12-09\","
                + "\"u\":\"123e4567-e89b-12d3-a456-426614174000\"}",
            "{\"b\":null,\"i\":null,\"l\":null,\"d\":null,\"m\":null,\"t\":null,\"y\":null,"
                + "\"j\":null,\"ts\":null,\"dt\":null,"
                + "\"u\":\"123e4567-e89b-12d3-a456-426614174000\"}",
            "{\"a,b\":\"say \\\"hi\\\", then\\nleave\"}",
            "{\"a,b\":\"\"}",
            "{\"a,b\":null}",
            "{\"rows_affected\":2}",
            "{\"done\":\"CREATE TABLE\"}",
            "");
    assertThat(run.status).isZero();
  }

  @Test
  void shouldPrintRfc4180Csv() {
    Run run = alice("--format", "CSV", "-e", "SELECT TRICKY; SELECT NUMBERS; INSERT x; CREATE t");

    assertThat(run.err).isEmpty();
    assertThat(run.out)
        .isEqualTo(
            "\"a,b\"\n"
                + "\"say \"\"hi\"\", then\nleave\"\n"
                + "\"\"\n"
                + "\n"
                + "id,name,price\n"
                + "1,apple,1.50\n"
                + "22,,10.00\n"
                + "rows_affected\n"
                + "2\n"
                + "done\n"
                + "CREATE TABLE\n");
    assertThat(run.status).isZero();
  }

  @Test
  void shouldExitOneAndReportFailedStatementWithPosition() {
    Run run = alice("-e", "CREATE TABLE t (x INT); SELEC x; INSERT INTO t VALUES (1)");

    assertThat(run.out).isEqualTo("CREATE TABLE\n");
    assertThat(run.err)
        .isEqualTo(
            "ERROR SYNTAX_ERROR: Cannot parse statement: unexpected 'SELEC' at line 1, column 1\n");
    assertThat(run.status).isEqualTo(1);
  }

  @Test
  void shouldExitOneWhenTheServerFailsInternally() {
    Run run = alice("-e", "BOOM");

    assertThat(run.out).isEmpty();
    assertThat(run.err)
        .isEqualTo("ERROR INTERNAL: Cannot execute: internal error (see server log)\n");
    assertThat(run.status).isEqualTo(1);
  }

  @Test
  void shouldExitTwoOnWrongPassword() {
    Run run = run("", Map.of(), "sql", "--url", url, "-u", "alice", "-p", "nope", "-e", "WHOAMI");

    assertThat(run.out).isEmpty();
    assertThat(run.err)
        .isEqualTo("ERROR AUTHENTICATION_FAILED: Cannot log in: wrong user or password\n");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldExitTwoWhenTheServerCannotBeReached() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String nowhere = "http://127.0.0.1:" + closedPort;

    Run run =
        run("", Map.of(), "sql", "--url", nowhere, "-u", "alice", "-p", "x", "-e", "SELECT 1");

    assertThat(run.out).isEmpty();
    assertThat(run.err)
        .isEqualTo("ERROR UNAVAILABLE: Cannot connect to " + nowhere + ": connection refused\n");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldExitTwoWithoutCredentials() {
    Run run = run("", Map.of(), "sql", "--url", url, "-e", "WHOAMI");

    assertThat(run.err)
        .isEqualTo(
            "ERROR: Cannot log in: give --user and --password (or TRIBUTARY_USER and"
                + " TRIBUTARY_PASSWORD), or --token\n");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldExitTwoOnBadUrl() {
    Run run = run("", Map.of(), "sql", "--url", "ftp://host:1", "--token", "t", "-e", "WHOAMI");

    assertThat(run.err)
        .isEqualTo(
            "ERROR: Cannot connect to ftp://host:1: expected http://host:port or"
                + " https://host:port\n");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldUseTokenAndRejectInvalidOne() {
    String token = tokens.issue(new Principal("id-root", "root", Role.SYSTEM, 0)).token();

    Run ok = run("", Map.of(), "sql", "--url", url, "--token", token, "-f", "csv", "-e", "WHOAMI");
    Run bad = run("", Map.of(), "sql", "--url", url, "--token", "x.y.z", "-e", "WHOAMI");

    assertThat(ok.out).isEqualTo("user,role\nroot,system\n");
    assertThat(ok.status).isZero();
    assertThat(bad.err).isEqualTo("ERROR UNAUTHENTICATED: Cannot authenticate: invalid token\n");
    assertThat(bad.status).isEqualTo(2);
  }

  @Test
  void shouldTakeUrlUserAndPasswordFromEnvironment() {
    Map<String, String> env =
        Map.of("TRIBUTARY_URL", url, "TRIBUTARY_USER", "alice", "TRIBUTARY_PASSWORD", "secret");

    Run run = run("", env, "sql", "-f", "csv", "-e", "WHOAMI");

    assertThat(run.err).isEmpty();
    assertThat(run.out).isEqualTo("user,role\nalice,user\n");
  }

  @Test
  void shouldPreferCommandLineOverEnvironment() {
    Map<String, String> env =
        Map.of("TRIBUTARY_URL", "http://127.0.0.1:1", "TRIBUTARY_USER", "alice");

    Run run =
        run(
            "", env, "sql", "--url", url, "-u", "root", "-p", "rootpw", "-f", "csv", "-e",
            "WHOAMI");

    assertThat(run.out).isEqualTo("user,role\nroot,system\n");
  }

  @Test
  void shouldRunStatementsFromStdinAndGoOnAfterErrors() {
    String script =
        String.join(
            "\n",
            "-- a comment; not a statement end",
            "SELECT",
            "  NUMBERS;",
            "INSERT INTO t VALUES ('a;b');",
            "SELEC x;",
            "",
            "CREATE TABLE t (x INT)");

    Run run = aliceWithStdin(script);

    assertThat(run.out).isEqualTo(NUMBERS_TABLE + "2 rows affected\nCREATE TABLE\n");
    assertThat(run.err)
        .isEqualTo(
            "ERROR SYNTAX_ERROR: Cannot parse statement: unexpected 'SELEC' at line 1, column 1\n");
    assertThat(run.status).isEqualTo(1);
  }

  @Test
  void shouldStopReadingStdinAtQuit() {
    Run run = aliceWithStdin("SELECT NUMBERS;\n\\q\nINSERT INTO t VALUES (1);\n");

    assertThat(run.out).isEqualTo(NUMBERS_TABLE);
    assertThat(run.status).isZero();
  }

  @Test
  void shouldRejectUnknownFormatAsUsageError() {
    Run run = alice("--format", "xml", "-e", "WHOAMI");

    assertThat(run.err).contains("Invalid value for option '--format'", "table, json, csv");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldAskForACommand() {
    Run run = run("", Map.of());

    assertThat(run.err).startsWith("Missing command: start or sql");
    assertThat(run.status).isEqualTo(2);
  }

  @Test
  void shouldDescribeOptionsAndEnvironmentInHelp() {
    Run run = run("", Map.of(), "sql", "--help");

    assertThat(run.out)
        .contains("--url", "TRIBUTARY_URL", "--token", "--format", "table, json, csv", "-e");
    assertThat(run.status).isZero();
  }

  private Run alice(String... args) {
    return aliceWithStdin("", args);
  }

  private Run aliceWithStdin(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("sql", "--url", url, "-u", "alice", "-p", "secret"));
    all.addAll(List.of(args));
    return run(stdin, Map.of(), all.toArray(String[]::new));
  }

  static Run run(String stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext context =
        new CliContext(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env,
            false);
    int status = Main.run(context, args);
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  record Run(int status, String out, String err) {}
}
