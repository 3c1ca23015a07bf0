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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tributary sql} against the real server (embedded broker, materializer, API on a local
 * port): live statements run as another user, live SELECTs, and the shell's {@code \as}.
 */
class LiveCommandEndToEndTest {
  @TempDir static Path dir;
  private static TributaryClient owner;

  @BeforeAll
  static void setUp() {
    try (TributaryClient root = TributaryClient.connect(SharedServer.url())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE clicli;"
              + "CREATE TABLE clicli.fruit (id INT PRIMARY KEY, name TEXT, score INT);"
              + "CREATE TABLE clicli.board (id INT PRIMARY KEY, name TEXT, score INT);"
              + "CREATE USER 'cli_owner' WITH PASSWORD 'owner-password';"
              + "CREATE USER 'cli_other' WITH PASSWORD 'other-password';"
              + "CREATE USER 'cli_agent' WITH PASSWORD 'agent-password' ROLE service");
    }
    owner = TributaryClient.connect(SharedServer.url());
    owner.login("cli_owner", "owner-password");
    owner.update(
        "INSERT INTO clicli.fruit VALUES (1, 'apple', 3);"
            + "INSERT INTO clicli.fruit VALUES (2, 'pear', 7);"
            + "INSERT INTO clicli.fruit VALUES (3, 'fig', 5);"
            + "INSERT INTO clicli.board VALUES (1, 'a', 1);"
            + "INSERT INTO clicli.board VALUES (2, 'b', 2);"
            + "INSERT INTO clicli.board VALUES (3, 'c', 3)");
  }

  @AfterAll
  static void tearDown() {
    owner.close();
  }

  @Test
  void shouldSubscribeAsAnotherUserWithExecuteAs() {
    SqlCommandTest.Run run =
        sql(
            "cli_agent",
            "agent-password",
            "-f",
            "json",
            "--limit",
            "3",
            "-e",
            "EXECUTE AS USER 'cli_owner' (SUBSCRIBE TO clicli.fruit)");

    assertThat(run.err()).isEmpty();
    assertThat(run.out().split("\n")).hasSize(4);
    assertThat(run.out()).contains("\"name\":\"apple\"", "\"name\":\"pear\"", "\"name\":\"fig\"");
    assertThat(run.status()).isZero();
  }

  @Test
  void shouldKeepALiveWindowOpenedAsAnotherUser() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext context =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(),
            false);
    CompletableFuture<Integer> status =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    context,
                    "sql",
                    "--url",
                    SharedServer.url(),
                    "-u",
                    "cli_agent",
                    "-p",
                    "agent-password",
                    "-f",
                    "csv",
                    "--live",
                    "--limit",
                    "4",
                    "-e",
                    "EXECUTE AS USER 'cli_owner' (SELECT name FROM clicli.board ORDER BY score DESC"
                        + " LIMIT 2)"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> out.toString(StandardCharsets.UTF_8).contains("\nready,"));

    // Above the cut: b leaves the window, d enters it, as one change.
    owner.update("INSERT INTO clicli.board VALUES (4, 'd', 9)");

    assertThat(status.get(20, TimeUnit.SECONDS)).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).isEqualTo("event,seq,name,id,score,_seq");
    assertThat(lines.get(1)).startsWith("snapshot,,c,3,3,");
    assertThat(lines.get(2)).startsWith("snapshot,,b,2,2,");
    assertThat(lines.get(3)).startsWith("ready,");
    assertThat(lines.get(4)).matches("delete,\\d+,b,2,2,\\d+");
    assertThat(lines.get(5)).matches("insert,\\d+,d,4,9,\\d+");
    assertThat(lines.get(4).split(",")[1]).isEqualTo(lines.get(5).split(",")[1]);
  }

  @Test
  void shouldReportTheServersRefusalWithoutRecommendingTheCommandThatFailed() {
    SqlCommandTest.Run denied =
        sql(
            "cli_other",
            "other-password",
            "-e",
            "EXECUTE AS USER 'cli_owner' (SUBSCRIBE TO clicli.fruit)");
    SqlCommandTest.Run notLive =
        sql(
            "cli_owner",
            "owner-password",
            "--live",
            "-e",
            "SELECT name, COUNT(*) FROM clicli.fruit GROUP BY name");
    SqlCommandTest.Run notASelect =
        sql("cli_owner", "owner-password", "--live", "-e", "DELETE FROM clicli.fruit");

    assertThat(denied.err())
        .startsWith("ERROR PERMISSION_DENIED: Cannot execute as user cli_owner")
        .doesNotContain("tributary sql");
    assertThat(denied.status()).isEqualTo(1);
    assertThat(notLive.err())
        .startsWith("ERROR UNSUPPORTED_STATEMENT: Cannot subscribe: a live SELECT supports only")
        .doesNotContain("tributary sql");
    assertThat(notLive.status()).isEqualTo(1);
    assertThat(notASelect.err())
        .startsWith("ERROR UNSUPPORTED_STATEMENT: Cannot subscribe")
        .doesNotContain("tributary sql");
    assertThat(notASelect.status()).isEqualTo(1);
    assertThat(owner.query("SELECT COUNT(*) AS n FROM clicli.fruit").rows().get(0).getLong("n"))
        .isEqualTo(3L);
  }

  @Test
  void shouldRunStatementsAsAnotherUserAfterBackslashAsUntilReset() throws Exception {
    String typed =
        String.join(
            "\n",
            "\\?",
            "SELECT COUNT(*) AS mine FROM clicli.fruit;",
            "\\as cli_owner",
            "SELECT name FROM clicli.fruit ORDER BY id;",
            "\\live 3 SELECT name FROM clicli.fruit ORDER BY score DESC",
            "\\as",
            "SELECT COUNT(*) AS mine FROM clicli.fruit;",
            "\\q",
            "");

    Session session = runShell("cli_agent", "agent-password", typed);

    assertThat(session.err).isEmpty();
    assertThat(session.out)
        .startsWith(" mine\n------\n    0\n(1 row)\n\n")
        .contains(" name\n-------\n apple\n pear\n fig\n(3 rows)\n\n")
        .contains(
            "subscribed: name TEXT, id INT, score INT, _seq BIGINT; primary key (id);"
                + " order by score DESC NULLS FIRST")
        .containsSubsequence("snapshot: name=pear", "snapshot: name=fig", "snapshot: name=apple")
        .endsWith(" mine\n------\n    0\n(1 row)\n\n");
    assertThat(session.terminal)
        .contains(Shell.HELP)
        .containsSubsequence(
            Shell.PROMPT,
            Shell.PROMPT,
            "Statements now run as cli_owner (\\as alone to stop).",
            "tributary (as cli_owner)> ",
            "tributary (as cli_owner)> ",
            "Statements run as the logged-in user again.",
            Shell.PROMPT);
  }

  @Test
  void shouldKeepTheUserWhenTheServerRefusesBackslashAs() throws Exception {
    Session user = runShell("cli_other", "other-password", "\\as cli_owner\nSELECT 1 AS n;\n");
    Session agent = runShell("cli_agent", "agent-password", "\\as nobody\n\\as a b\n\\as 'it's'\n");

    assertThat(user.err)
        .startsWith("ERROR PERMISSION_DENIED: Cannot execute as user cli_owner: ")
        .hasLineCount(1);
    assertThat(user.out).contains("(1 row)");
    assertThat(user.terminal).isEqualTo(Shell.PROMPT.repeat(3));
    assertThat(agent.err)
        .isEqualTo(
            "ERROR USER_NOT_FOUND: Cannot execute as user nobody: the user does not exist\n"
                + "Cannot act as a b: expected one user name (quote a name with spaces: 'a b')\n"
                + "Cannot act as 'it's': expected a user name, or one in single quotes\n");
    assertThat(agent.terminal).isEqualTo(Shell.PROMPT.repeat(4));
  }

  // ---------------------------------------------------------------- helpers

  private static SqlCommandTest.Run sql(String user, String password, String... args) {
    String[] all = new String[args.length + 7];
    System.arraycopy(
        new String[] {"sql", "--url", SharedServer.url(), "-u", user, "-p", password},
        0,
        all,
        0,
        7);
    System.arraycopy(args, 0, all, 7, args.length);
    return SqlCommandTest.run("", Map.of(), all);
  }

  /** Runs the shell, logged in, on a dumb terminal fed with {@code typed}. */
  private static Session runShell(String user, String password, String typed) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    try (TributaryClient client = TributaryClient.connect(SharedServer.url());
        Terminal terminal =
            new DumbTerminal(
                "test",
                Terminal.TYPE_DUMB,
                new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)),
                screen,
                StandardCharsets.UTF_8)) {
      SqlSession session =
          new SqlSession(client, SharedServer.url(), Format.TABLE.printer(outStream, errStream));
      session.login(user, password);
      new Shell(terminal, dir.resolve("history-" + user), session, errStream).run();
    }
    return new Session(
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        screen.toString(StandardCharsets.UTF_8));
  }

  private record Session(String out, String err, String terminal) {}
}
