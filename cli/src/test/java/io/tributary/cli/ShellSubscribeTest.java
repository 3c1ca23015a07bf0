package io.tributary.cli;

import static io.tributary.client.testing.FakeTributaryServer.insert;
import static io.tributary.client.testing.FakeTributaryServer.ready;
import static io.tributary.client.testing.FakeTributaryServer.row;
import static io.tributary.client.testing.FakeTributaryServer.sending;
import static io.tributary.client.testing.FakeTributaryServer.snapshot;
import static io.tributary.client.testing.FakeTributaryServer.subscribed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.TributaryClient;
import io.tributary.client.testing.FakeTributaryServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code \subscribe} in the shell, against a fake LiveService on a local port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShellSubscribeTest {
  @TempDir static Path dir;
  private FakeTributaryServer server;

  @BeforeAll
  void start() throws Exception {
    server = new FakeTributaryServer().startOnLocalPort().acceptAnyLogin();
  }

  @AfterAll
  void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.subscribeRequests.clear();
    server.cancelled.set(0);
    server.subscribeScript =
        sending(
            subscribed(),
            snapshot(false, row(1, "apple", 3)),
            ready(9),
            insert(2, "kiwi", 10),
            insert(3, "fig", 11));
  }

  @Test
  void shouldPrintEventsUpToTheLimitThenPromptAgain() throws Exception {
    Session session =
        runShell(
            "\\subscribe 2 SUBSCRIBE TO shop.fruit WHERE id > 0;\n\\q\n", (terminal, out) -> {});

    assertThat(session.out)
        .isEqualTo(
            String.join(
                "\n",
                "subscribed: id BIGINT, name TEXT, _seq BIGINT; primary key (id)",
                "snapshot: id=1, name=apple, _seq=3",
                "ready: seq=9",
                "insert seq=10: id=2, name=kiwi, _seq=10",
                ""));
    assertThat(session.err).isEmpty();
    assertThat(session.status).isZero();
    assertThat(server.subscribeRequests.get(0).getSql())
        .isEqualTo("SUBSCRIBE TO shop.fruit WHERE id > 0");
    assertThat(session.terminal).isEqualTo(Shell.PROMPT.repeat(2));
    await().untilAsserted(() -> assertThat(server.cancelled).hasValue(1));
  }

  @Test
  void shouldStopOnCtrlCAndGoOn() throws Exception {
    Session session =
        runShell(
            "SUBSCRIBE TO shop.fruit;\n\\q\n",
            (terminal, out) -> {
              await().until(() -> out.toString(StandardCharsets.UTF_8).contains("fig"));
              terminal.raise(Terminal.Signal.INT);
            });

    assertThat(session.out).endsWith("insert seq=11: id=3, name=fig, _seq=11\n");
    assertThat(session.status).isZero();
    assertThat(session.terminal).isEqualTo(Shell.PROMPT.repeat(2));
    await().untilAsserted(() -> assertThat(server.cancelled).hasValue(1));
  }

  @Test
  void shouldExplainCommandsItDoesNotKnow() throws Exception {
    Session session =
        runShell(
            "\\subscribe\n\\subscribe 0 SUBSCRIBE TO t\n\\frobnicate now\n\\q\n",
            (terminal, out) -> {});

    assertThat(session.err)
        .isEqualTo(
            "Cannot subscribe: no statement. "
                + Shell.COMMANDS
                + "\n"
                + "Cannot subscribe: the limit must be a positive number, got 0\n"
                + "Unknown command: \\frobnicate. "
                + Shell.COMMANDS
                + "\n");
    assertThat(server.subscribeRequests).isEmpty();
  }

  /**
   * Runs the shell on a dumb terminal fed with {@code typed}, while {@code meanwhile} runs on
   * another thread with the terminal and the output (to press Ctrl-C).
   */
  private Session runShell(String typed, BiConsumer<Terminal, ByteArrayOutputStream> meanwhile)
      throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status;
    try (TributaryClient client = TributaryClient.connect(server.url());
        Terminal terminal =
            new DumbTerminal(
                "test",
                Terminal.TYPE_DUMB,
                new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)),
                screen,
                StandardCharsets.UTF_8)) {
      SqlSession session =
          new SqlSession(client, server.url(), Format.TABLE.printer(outStream, errStream));
      session.useToken("tok");
      CompletableFuture<Void> background =
          CompletableFuture.runAsync(() -> meanwhile.accept(terminal, out));
      status = new Shell(terminal, dir.resolve("history"), session, errStream).run();
      background.join();
    }
    return new Session(
        status,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        screen.toString(StandardCharsets.UTF_8));
  }

  record Session(int status, String out, String err, String terminal) {}
}
