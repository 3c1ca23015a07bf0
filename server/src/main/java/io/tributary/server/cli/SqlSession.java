package io.tributary.server.cli;

import io.tributary.api.v1.Error;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.StatementResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Runs SQL text on a connection and prints the results with the chosen format; runs SUBSCRIBE
 * statements on the live service and prints their events.
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

  SqlSession(ServerConnection connection, ResultPrinter printer) {
    this.connection = connection;
    this.printer = printer;
  }

  /** Runs the statements of {@code sql} (one Execute call) and prints each result. */
  Result run(String sql) {
    ExecuteResponse response;
    try {
      response = connection.execute(sql);
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

  /** A runner for one SUBSCRIBE statement, printing its events in this session's format. */
  LiveRunner subscriber() {
    return new LiveRunner(connection, printer.events(), printer);
  }

  /**
   * Subscribes with the one statement of {@code sql} and prints its events until {@code limit} rows
   * and changes arrived (see {@link LiveRunner}).
   */
  Result subscribe(String sql, long limit) {
    return subscribe(subscriber(), sql, limit);
  }

  /** As {@link #subscribe(String, long)}, on a runner the caller can stop. */
  Result subscribe(LiveRunner runner, String sql, long limit) {
    List<String> statements = Statements.split(sql);
    if (statements.size() != 1) {
      printer.error(
          Error.newBuilder()
              .setMessage(
                  "Cannot subscribe: give exactly one SUBSCRIBE statement, got "
                      + statements.size()
                      + " statements")
              .build());
      return Result.FAILED;
    }
    return runner.run(statements.get(0), limit);
  }

  /**
   * Reads statements from a non-interactive input, running each as soon as a line ends it (see
   * {@link Statements}), and what is left at the end of input. Statement errors are printed and
   * reading goes on; {@code \q}, {@code quit} or {@code exit} stop early.
   *
   * @return 0 when everything ran, 1 when a statement failed, 2 when the server could not be
   *     reached or refused the credentials (reading stops there)
   */
  int runScript(BufferedReader input) {
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
          Result r = Statements.isBlank(text) ? Result.OK : run(text.strip());
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
      Result r = run(rest.strip());
      if (r == Result.FATAL) {
        return 2;
      }
      failed |= r == Result.FAILED;
    }
    return failed ? 1 : 0;
  }
}
