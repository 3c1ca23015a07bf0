package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tributary sql -e "CONSUME ..." --format json} and the shell's {@code \consume}. */
class ConsumeCommandEndToEndTest {
  @TempDir static Path dir;

  @BeforeAll
  static void setUp() {
    try (TributaryClient root = TributaryClient.connect(SharedServer.url())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE clicons;"
              + "CREATE TABLE clicons.notes (id INT PRIMARY KEY, body TEXT);"
              + "CREATE TOPIC clicons.feed PARTITIONS 1;"
              + "ALTER TOPIC clicons.feed ADD SOURCE clicons.notes ON INSERT;"
              + "CREATE USER 'clicons_writer' WITH PASSWORD 'writer-password';"
              + "CREATE USER 'clicons_agent' WITH PASSWORD 'agent-password' ROLE service");
    }
    try (TributaryClient writer = TributaryClient.connect(SharedServer.url())) {
      writer.login("clicons_writer", "writer-password");
      writer.update("INSERT INTO clicons.notes VALUES (1, 'first'), (2, 'second')");
    }
  }

  @Test
  void shouldPrintOneJsonLinePerRecord() {
    SqlCommandTest.Run run =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    SqlCommandTest.run(
                        "",
                        Map.of(),
                        "sql",
                        "--url",
                        SharedServer.url(),
                        "-u",
                        "clicons_agent",
                        "-p",
                        "agent-password",
                        "--format",
                        "json",
                        "-e",
                        "CONSUME FROM clicons.feed"),
                r -> r.out().split("\n").length == 2);
    assertThat(run.err()).isEmpty();
    assertThat(run.out().split("\n")[0])
        .startsWith("{\"partition\":0,\"offset\":0,\"owner\":\"clicons_writer\"")
        .contains(
            "\"operation\":\"INSERT\"",
            "\"table\":\"clicons.notes\"",
            "\"row\":{\"id\":1,\"body\":\"first\"}",
            "\"_seq\":",
            "\"timestamp\":");
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldConsumeInAGroupFromTheShell() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    try (TributaryClient client = TributaryClient.connect(SharedServer.url());
        Terminal terminal =
            new DumbTerminal(
                "test",
                Terminal.TYPE_DUMB,
                new ByteArrayInputStream(
                    "\\consume 2 clicons.feed shell\n\\q\n".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(),
                StandardCharsets.UTF_8)) {
      SqlSession session =
          new SqlSession(client, SharedServer.url(), Format.TABLE.printer(outStream, errStream));
      session.login("clicons_agent", "agent-password");
      new Shell(terminal, dir.resolve("history"), session, errStream).run();
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(printed.split("\n")).hasSize(2);
    assertThat(printed)
        .contains("{\"topic\":\"clicons.feed\",\"partition\":0,\"offset\":0")
        .contains("\"row\":{\"id\":2,\"body\":\"second\"}");
  }
}
