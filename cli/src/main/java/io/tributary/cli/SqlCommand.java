package io.tributary.cli;

import io.tributary.client.Session;
import io.tributary.client.TributaryClient;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tributary sql}: runs statements given with {@code -e}, read from stdin, or typed into an
 * interactive shell.
 *
 * <p>A single {@code SUBSCRIBE} statement given with {@code -e} (also inside {@code EXECUTE AS
 * USER}), or a single SELECT with {@code --live}, runs on the live service: one line per event (see
 * {@link EventPrinter}) until Ctrl-C, or until {@code --limit N} rows and changes arrived.
 *
 * <p>Exit status: 0 when every statement ran (or the limit was reached); 1 when a statement or the
 * subscription failed; 2 when the server cannot be reached or the credentials are refused (and for
 * usage errors).
 */
@Command(
    name = "sql",
    description = {
      "Runs SQL on a Tributary server: the statements of -e, statements read from stdin, or an"
          + " interactive shell when stdin is a terminal.",
      "A SUBSCRIBE statement given with -e, or a SELECT given with -e and --live, prints one line"
          + " per event until Ctrl-C or --limit.",
      "Exit status: 0 ok (or --limit reached), 1 a statement or subscription failed, 2 cannot"
          + " connect or log in."
    },
    mixinStandardHelpOptions = true)
final class SqlCommand implements Callable<Integer> {
  static final String HISTORY_FILE = ".tributary_history";

  /**
   * How long one statement call may take: long enough for any statement a person waits for (the
   * shell had no limit before it ran on the SDK, whose calls all have one).
   */
  static final Duration CALL_TIMEOUT = Duration.ofHours(24);

  @Option(
      names = "--url",
      defaultValue = "http://127.0.0.1:7070",
      description = "Server URL (env TRIBUTARY_URL). Default: ${DEFAULT-VALUE}")
  String url;

  @Option(
      names = {"-u", "--user"},
      description = "User to log in as (env TRIBUTARY_USER)")
  String user;

  @Option(
      names = {"-p", "--password"},
      description = "Password (env TRIBUTARY_PASSWORD; prompted for on a terminal when missing)")
  String password;

  @Option(
      names = "--token",
      description =
          "A token from an earlier login, used when no user is given" + " (env TRIBUTARY_TOKEN)")
  String token;

  @Option(
      names = {"-e", "--execute"},
      paramLabel = "SQL",
      description = "Statements to run, separated by ';'")
  String execute;

  @Option(
      names = "--live",
      description =
          "Keep the one statement of -e live: a SELECT (one table; WHERE, ORDER BY, LIMIT) or"
              + " SUBSCRIBE, also inside EXECUTE AS USER. Prints its current rows, then every"
              + " change, until Ctrl-C or --limit")
  boolean live;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description =
          "With a SUBSCRIBE statement or --live: stop after N rows and changes (snapshot rows,"
              + " inserts, updates, deletes). Default: until Ctrl-C")
  Long limit;

  @Option(
      names = {"-f", "--format"},
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}")
  Format format;

  private final CliContext context;

  SqlCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    ResultPrinter printer = format.printer(context.out(), context.err());
    if (limit != null && limit <= 0) {
      printer.error(Problem.local("Cannot subscribe: --limit must be positive, got " + limit));
      return 2;
    }
    if (live && execute == null) {
      printer.error(
          Problem.local("Cannot subscribe: --live keeps the statement of -e live; give -e"));
      return 2;
    }
    long rows = limit == null ? Long.MAX_VALUE : limit;
    try (TributaryClient client = connect(url)) {
      SqlSession session = new SqlSession(client, url, printer);
      authenticate(session);
      if (execute != null && (live || Statements.containsSubscribe(execute))) {
        SqlSession.Result result = session.subscribe(execute, rows);
        return result == SqlSession.Result.OK ? 0 : result == SqlSession.Result.FAILED ? 1 : 2;
      }
      if (execute != null) {
        SqlSession.Result result = session.run(execute);
        return result == SqlSession.Result.OK ? 0 : result == SqlSession.Result.FAILED ? 1 : 2;
      }
      if (context.interactive()) {
        return shell(session);
      }
      return session.runScript(
          new BufferedReader(new InputStreamReader(context.in(), StandardCharsets.UTF_8)), rows);
    } catch (CallFailure f) {
      printer.error(f.problem());
      return 2;
    }
  }

  /**
   * A client of {@code http://host:port} (plaintext) or {@code https://host:port} (TLS); a URL
   * without a scheme is http. No connection is made until the first call.
   *
   * @throws CallFailure when the URL is not an http(s) URL with a host
   */
  private static TributaryClient connect(String url) {
    try {
      return TributaryClient.connect(url.contains("://") ? url : "http://" + url, CALL_TIMEOUT);
    } catch (IllegalArgumentException e) {
      throw CallFailure.local(
          "Cannot connect to " + url + ": expected http://host:port or https://host:port");
    }
  }

  /** Logs in when a user is given, else uses the token. */
  private void authenticate(SqlSession session) {
    if (user != null) {
      String secret = password;
      if (secret == null) {
        secret = promptPassword();
      }
      session.login(user, secret);
    } else if (token != null) {
      session.useToken(token);
    } else {
      throw CallFailure.local(
          "Cannot log in: give --user and --password (or TRIBUTARY_USER and TRIBUTARY_PASSWORD),"
              + " or --token");
    }
  }

  private String promptPassword() {
    Console console = System.console();
    if (!context.interactive() || console == null) {
      throw CallFailure.local(
          "Cannot log in as " + user + ": no password (use --password or TRIBUTARY_PASSWORD)");
    }
    char[] typed = console.readPassword("Password for %s: ", user);
    if (typed == null) {
      throw CallFailure.local("Cannot log in as " + user + ": no password");
    }
    return new String(typed);
  }

  private int shell(SqlSession session) {
    Session login = session.lastLogin();
    context
        .out()
        .println(
            "Connected to "
                + session.url()
                + (login == null ? "" : " as " + login.user() + " (" + login.role() + ")")
                + ". End statements with ';', \\? for help, \\q to quit.");
    Path history = Path.of(System.getProperty("user.home"), HISTORY_FILE);
    try (Terminal terminal = TerminalBuilder.builder().system(true).name("tributary").build()) {
      return new Shell(terminal, history, session, context.err()).run();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the terminal: " + e.getMessage(), e);
    }
  }
}
