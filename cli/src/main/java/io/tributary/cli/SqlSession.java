package io.tributary.cli;

import io.tributary.client.ErrorCode;
import io.tributary.client.EventStream;
import io.tributary.client.Session;
import io.tributary.client.StatementResult;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Runs SQL text on a client of the SDK and prints the results with the chosen format; runs live
 * statements (SUBSCRIBE, and SELECTs the caller wants kept live) as event streams and prints their
 * events. With {@link #actAs} set, every statement runs as {@code EXECUTE AS USER '<user>' (...)},
 * except those that already say as whom they run.
 *
 * <p>It holds the credentials of its login: a token that expires is renewed by logging in again,
 * and the call that it made fail is made again. Not thread-safe.
 */
final class SqlSession {
  /** How a run went. */
  enum Result {
    OK,
    /** A statement failed; the session can go on. */
    FAILED,
    /** The server cannot be reached or refused our credentials. */
    FATAL
  }

  private final TributaryClient client;
  private final String url;
  private final ResultPrinter printer;
  private String actingUser;
  private String user;
  private String password;
  private Session login;

  /**
   * A session on {@code client}, which is connected to {@code url} (for messages) and not yet
   * authenticated: call {@link #login} or {@link #useToken} first.
   */
  SqlSession(TributaryClient client, String url, ResultPrinter printer) {
    this.client = client;
    this.url = url;
    this.printer = printer;
  }

  String url() {
    return url;
  }

  /**
   * {@code \consume}: consumes {@code name} in {@code group} through the SDK's consumer and prints
   * each record as one JSON line (acknowledged once printed) until {@code limit} records or {@code
   * stop} is counted down.
   */
  Result consume(String name, String group, long limit, java.util.concurrent.CountDownLatch stop) {
    java.util.concurrent.atomic.AtomicLong printed = new java.util.concurrent.atomic.AtomicLong();
    io.tributary.client.TopicConsumer.Running running;
    try {
      running =
          client
              .consumer(name)
              .group(group)
              .run(
                  r -> {
                    if (printed.get() >= limit) {
                      throw new IllegalStateException("limit reached");
                    }
                    synchronized (printer.out) {
                      printer.out.println(ConsumedJson.of(r));
                      printer.out.flush();
                    }
                    if (printed.incrementAndGet() >= limit) {
                      stop.countDown();
                    }
                  });
    } catch (IllegalArgumentException | TributaryException e) {
      printer.err.println(e.getMessage());
      return Result.FAILED;
    }
    try {
      while (running.isRunning() && !stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        // until Ctrl-C, the limit, or a failure
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running.close();
    }
    if (running.failure().isPresent() && printed.get() < limit) {
      printer.err.println(running.failure().get().getMessage());
      return Result.FAILED;
    }
    return Result.OK;
  }

  /**
   * Logs in and keeps the credentials to renew the token when it expires.
   *
   * @throws CallFailure (fatal) when the login fails
   */
  Session login(String user, String password) {
    this.user = user;
    this.password = password;
    return renewToken();
  }

  /** The last login's session, or null when a token was given. */
  Session lastLogin() {
    return login;
  }

  void useToken(String token) {
    client.withToken(token);
  }

  /** True when the token came from a login, so an expired one can be renewed. */
  boolean canRenew() {
    return user != null;
  }

  /**
   * Logs in again with the credentials of the last login.
   *
   * @throws CallFailure (fatal) when the login fails
   */
  Session renewToken() {
    try {
      login = client.login(user, password);
    } catch (TributaryException e) {
      CallFailure failure = CallFailure.of(e, url);
      throw new CallFailure(failure.problem(), true);
    }
    return login;
  }

  /**
   * Runs one request (its statements separated by {@code ;}); renews an expired token once.
   *
   * @throws CallFailure when the call failed as a whole
   */
  List<StatementResult> execute(String sql) {
    try {
      return client.execute(sql);
    } catch (TributaryException e) {
      // A rejected token never reached the runner, so running the request again is safe.
      if (e.errorCode() == ErrorCode.UNAUTHENTICATED && canRenew()) {
        renewToken();
        try {
          return client.execute(sql);
        } catch (TributaryException again) {
          throw CallFailure.of(again, url);
        }
      }
      throw CallFailure.of(e, url);
    }
  }

  /** Opens the event stream of one live statement (see {@link LiveRunner}). */
  EventStream stream(String sql) {
    return client.stream(sql);
  }

  /** The user statements run as ({@link #actAs}), or null when they run as the logged-in user. */
  String actingUser() {
    return actingUser;
  }

  /**
   * Makes the following statements run as {@code user}, or as the logged-in user again when {@code
   * user} is null. The server is asked first whether we may act as that user ({@code EXECUTE AS
   * USER '<user>' (SELECT 1)}); when it refuses, its error is printed and nothing changes.
   */
  Result actAs(String user) {
    if (user == null) {
      actingUser = null;
      return Result.OK;
    }
    List<StatementResult> results;
    try {
      results = execute(Statements.executeAs(user, "SELECT 1"));
    } catch (CallFailure f) {
      printer.error(f.problem());
      return f.fatal() ? Result.FATAL : Result.FAILED;
    }
    for (StatementResult r : results) {
      if (r.error().isPresent()) {
        printer.error(Problem.of(r.error().get()));
        return Result.FAILED;
      }
    }
    actingUser = user;
    return Result.OK;
  }

  /**
   * Runs the statements of {@code sql} (one Execute call) and prints each result. A SUBSCRIBE among
   * them is refused before anything runs: it runs alone, with {@link #subscribe}.
   */
  Result run(String sql) {
    List<String> statements = Statements.split(sql);
    if (statements.stream().anyMatch(Statements::isSubscribe)) {
      return oneLiveStatement(statements.size());
    }
    String request = sql;
    if (actingUser != null) {
      StringBuilder wrapped = new StringBuilder();
      for (String statement : statements) {
        wrapped.append(wrapped.length() > 0 ? ";\n" : "").append(asActingUser(statement));
      }
      request = wrapped.toString();
    }
    List<StatementResult> results;
    try {
      results = execute(request);
    } catch (CallFailure f) {
      printer.error(f.problem());
      return f.fatal() ? Result.FATAL : Result.FAILED;
    }
    Result result = Result.OK;
    for (StatementResult r : results) {
      if (!printer.print(r)) {
        result = Result.FAILED;
      }
    }
    return result;
  }

  /** A runner for one live statement, printing its events in this session's format. */
  LiveRunner subscriber() {
    return new LiveRunner(this, printer.events(), printer);
  }

  /**
   * Opens the one live statement of {@code sql} (a SUBSCRIBE, or a SELECT kept live) and prints its
   * events until {@code limit} rows and changes arrived (see {@link LiveRunner}).
   */
  Result subscribe(String sql, long limit) {
    return subscribe(subscriber(), sql, limit);
  }

  /** As {@link #subscribe(String, long)}, on a runner the caller can stop. */
  Result subscribe(LiveRunner runner, String sql, long limit) {
    List<String> statements = Statements.split(sql);
    if (statements.size() != 1) {
      return oneLiveStatement(statements.size());
    }
    return runner.run(asActingUser(statements.get(0)), limit);
  }

  private Result oneLiveStatement(int statements) {
    printer.error(
        Problem.local(
            "Cannot subscribe: give exactly one SUBSCRIBE or live SELECT statement, got "
                + statements
                + " statements"));
    return Result.FAILED;
  }

  /** The statement as the acting user runs it; as it is when there is none or it names one. */
  private String asActingUser(String statement) {
    if (actingUser == null || Statements.isExecuteAs(statement)) {
      return statement;
    }
    return Statements.executeAs(actingUser, statement);
  }

  /**
   * Reads statements from a non-interactive input, running each as soon as a line ends it (see
   * {@link Statements}), and what is left at the end of input. A SUBSCRIBE that comes alone prints
   * its events until {@code limit} rows and changes arrived or the server ends it. Statement errors
   * are printed and reading goes on; {@code \q}, {@code quit} or {@code exit} stop early.
   *
   * @return 0 when everything ran, 1 when a statement failed, 2 when the server could not be
   *     reached or refused the credentials (reading stops there)
   */
  int runScript(BufferedReader input, long limit) {
    boolean failed = false;
    StringBuilder buffer = new StringBuilder();
    try {
      String line;
      while ((line = input.readLine()) != null) {
        if (Statements.isBlank(buffer.toString()) && Statements.isQuit(line)) {
          buffer.setLength(0);
          break;
        }
        buffer.append(line).append('\n');
        String text = buffer.toString();
        if (Statements.isComplete(text)) {
          buffer.setLength(0);
          Result r = Statements.isBlank(text) ? Result.OK : runOrSubscribe(text.strip(), limit);
          if (r == Result.FATAL) {
            return 2;
          }
          failed |= r == Result.FAILED;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read statements: " + e.getMessage(), e);
    }
    String rest = buffer.toString();
    if (!Statements.isBlank(rest)) {
      Result r = runOrSubscribe(rest.strip(), limit);
      if (r == Result.FATAL) {
        return 2;
      }
      failed |= r == Result.FAILED;
    }
    return failed ? 1 : 0;
  }

  private Result runOrSubscribe(String text, long limit) {
    return Statements.containsSubscribe(text) ? subscribe(text, limit) : run(text);
  }
}
