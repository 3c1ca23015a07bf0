package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.client.TributaryClient;
import io.tributary.server.ServerConfig;
import io.tributary.server.api.ApiServer;
import io.tributary.server.api.FakeStatementRunner;
import io.tributary.server.auth.TokenService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JLine shell on a dumb terminal fed from a string. (A terminal from {@code TerminalBuilder}
 * with streams gets a pty whose input pump closes before the reader reads.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShellTest {
  @TempDir static Path dir;
  private ApiServer server;

  @BeforeAll
  void start() {
    server =
        ApiServer.start(
            ServerConfig.defaults().withPort(0).withDataDir(dir),
            new FakeStatementRunner(),
            new TokenService(dir, Duration.ofMinutes(5), Clock.systemUTC()),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void shouldRunMultiLineStatementsPrintErrorsAndGoOnUntilQuit() throws Exception {
    Path history = dir.resolve("history-quit");
    String typed =
        String.join(
            "\n",
            "SELECT",
            "NUMBERS;",
            "SELEC x;",
            "CREATE USER bob WITH PASSWORD 'hunter2';",
            "INSERT INTO t",
            "VALUES (1);",
            "\\q",
            "INSERT INTO never;",
            "");

    Session session = runShell(typed, history);

    assertThat(session.status).isZero();
    assertThat(session.out)
        .containsSubsequence("(2 rows)", "CREATE TABLE", "2 rows affected")
        .doesNotContain("never");
    assertThat(session.err)
        .isEqualTo(
            "ERROR SYNTAX_ERROR: Cannot parse statement: unexpected 'SELEC' at line 1, column 1\n");
    // One prompt per statement: the lines of a statement were read as one. (A dumb terminal does
    // not redraw, so the continuation prompt never shows here.)
    assertThat(session.terminal).isEqualTo(Shell.PROMPT.repeat(5));
    assertThat(Files.readString(history))
        .contains("SELECT", "NUMBERS;", "SELEC x;", "INSERT INTO t")
        .doesNotContain("hunter2");
  }

  @Test
  void shouldLeaveOnEndOfInput() throws Exception {
    Session session = runShell("SELECT NUMBERS;\n", dir.resolve("history-eof"));

    assertThat(session.status).isZero();
    assertThat(session.out).contains("(2 rows)");
    assertThat(session.err).isEmpty();
  }

  private Session runShell(String typed, Path history) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status;
    String url = "http://127.0.0.1:" + server.port();
    try (TributaryClient client = TributaryClient.connect(url);
        Terminal terminal =
            new DumbTerminal(
                "test",
                Terminal.TYPE_DUMB,
                new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)),
                screen,
                StandardCharsets.UTF_8)) {
      SqlSession session = new SqlSession(client, url, Format.TABLE.printer(outStream, errStream));
      session.login("alice", "secret");
      status = new Shell(terminal, history, session, errStream).run();
    }
    return new Session(
        status,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        screen.toString(StandardCharsets.UTF_8));
  }

  record Session(int status, String out, String err, String terminal) {}
}
