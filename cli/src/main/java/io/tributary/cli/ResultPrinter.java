package io.tributary.cli;

import io.tributary.client.ResultSet;
import io.tributary.client.StatementResult;
import java.io.PrintStream;

/**
 * Writes statement results: rows and confirmations to {@code out}, errors to {@code err} as {@code
 * ERROR <code>: <message>}. One printer per output format; not thread-safe.
 */
abstract class ResultPrinter {
  protected final PrintStream out;
  protected final PrintStream err;

  ResultPrinter(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Prints one result; returns false when it was an error. */
  final boolean print(StatementResult result) {
    switch (result.kind()) {
      case ROWS:
        rows(result.rows());
        break;
      case ROWS_AFFECTED:
        affected(result.rowsAffected());
        break;
      case ERROR:
        error(Problem.of(result.error().orElseThrow()));
        return false;
      case DONE:
      default:
        // The SDK reads an outcome newer than itself as an empty DONE: the statement ran.
        done(result.done().isEmpty() ? "OK" : result.done());
        break;
    }
    out.flush();
    return true;
  }

  /**
   * {@code ERROR <code>: <message>}, with the position of a syntax error when known; {@code ERROR:
   * <message>} for failures found on this side, which have no code.
   */
  final void error(Problem e) {
    StringBuilder line = new StringBuilder("ERROR");
    String code = e.code();
    if (!code.isEmpty()) {
      line.append(' ').append(code);
    }
    line.append(": ");
    line.append(e.message());
    String position = "line " + e.line() + ", column " + e.column();
    if (e.line() > 0 && !e.message().contains(position)) {
      line.append(" at ").append(position);
    }
    err.println(line);
    err.flush();
  }

  /** A printer of subscription events in the same format, on the same streams. */
  abstract EventPrinter events();

  abstract void rows(ResultSet rows);

  abstract void affected(long rows);

  abstract void done(String tag);
}
