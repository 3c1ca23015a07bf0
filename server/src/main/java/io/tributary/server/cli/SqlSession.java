package io.tributary.server.cli;

import io.tributary.api.v1.Error;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.StatementResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Runs SQL text on a connection and prints the results with the chosen format; runs live statements
 * (SUBSCRIBE, and SELECTs the caller wants kept live) on the live service and prints their events.
 * With {@link #actAs} set, every statement runs as {@code EXECUTE AS USER '<user>' (...)}, except
 * those that already say as whom they run.
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

  private final ServerConnection connection;
  private final ResultPrinter printer;
  private String actingUser;

  SqlSession(ServerConnection connection, ResultPrinter printer) {
    this.connection = connection;
    this.printer = printer;
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
    ExecuteResponse response;
    try {
      response = connection.execute(Statements.executeAs(user, "SELECT 1"));
    } catch (CallFailure f) {
      printer.error(f.error());
      return f.fatal() ? Result.FATAL : Result.FAILED;
    }
    for (StatementResult r : response.getResultsList()) {
      if (r.hasError()) {
        printer.error(r.getError());
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
    ExecuteResponse response;
    try {
      response = connection.execute(request);
    } catch (CallFailure f) {
      printer.error(f.error());
      return f.fatal() ? Result.FATAL : Result.FAILED;
    }
    Result result = Result.OK;
    for (StatementResult r : response.getResultsList()) {
      if (!printer.print(r)) {
        result = Result.FAILED;
      }
    }
    return result;
  }

  /** A runner for one live statement, printing its events in this session's format. */
  LiveRunner subscriber() {
    return new LiveRunner(connection, printer.events(), printer);
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
        Error.newBuilder()
            .setMessage(
                "Cannot subscribe: give exactly one SUBSCRIBE or live SELECT statement, got "
                    + statements
                    + " statements")
            .build());
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
