package io.tributary.cli;

import io.tributary.client.TributaryException;

/**
 * An error as the command line prints it.
 *
 * @param code the error code, empty for a failure found on this side
 * @param line the 1-based line of a syntax error, or 0
 * @param column the 1-based column of a syntax error, or 0
 */
record Problem(String code, String message, int line, int column) {

  /** A failure found on this side (bad URL, missing credentials): it has no error code. */
  static Problem local(String message) {
    return new Problem("", message, 0, 0);
  }

  /** The error of a statement, a subscription or a call, with its code and position. */
  static Problem of(TributaryException e) {
    return new Problem(e.code(), e.getMessage(), e.line(), e.column());
  }
}
