package io.tributary.server.cli;

import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.StatementResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Runs SQL text on a connection and prints the results with the chosen format. */
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
