package io.tributary.server.cli;

import io.tributary.api.v1.Error;
import io.tributary.api.v1.ResultSet;
import io.tributary.api.v1.StatementResult;
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
    switch (result.getOutcomeCase()) {
      case ROWS:
        rows(result.getRows());
        break;
      case ROWS_AFFECTED:
        affected(result.getRowsAffected());
        break;
      case DONE:
        done(result.getDone());
        break;
      case ERROR:
        error(result.getError());
        return false;
      default:
        done("OK");
        break;
    }
    out.flush();
    return true;
  }

  /**
   * {@code ERROR <code>: <message>}, with the position of a syntax error when known; {@code ERROR:
   * <message>} for failures found on this side, which have no code.
   */
  final void error(Error e) {
    StringBuilder line = new StringBuilder("ERROR");
    String code = ErrorCodes.code(e);
    if (!code.isEmpty()) {
      line.append(' ').append(code);
    }
    line.append(": ");
    line.append(e.getMessage());
    String position = "line " + e.getLine() + ", column " + e.getColumn();
    if (e.getLine() > 0 && !e.getMessage().contains(position)) {
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
