package io.tributary.client;

import java.util.Optional;

/**
 * The outcome of one statement run by {@link TributaryClient#execute}. It is immutable and
 * thread-safe.
 *
 * <p>Exactly one outcome is present, named by {@link #kind()}. Each accessor of an outcome is valid
 * only for its own kind: on a result of kind {@link Kind#ERROR} it throws the statement's {@link
 * TributaryException}, on any other kind it throws {@link IllegalStateException} naming both kinds.
 */
public interface StatementResult {

  /** The kinds of outcome of a statement. */
  enum Kind {
    /** The statement returned rows: a SELECT, or a SHOW or a system-table read. */
    ROWS,
    /** The statement changed rows: INSERT, UPDATE, DELETE. */
    ROWS_AFFECTED,
    /** The statement succeeded and returns a short confirmation: DDL, user management. */
    DONE,
    /** The statement failed. */
    ERROR
  }

  /** The statement's text, as the server split it from the request. */
  String statement();

  /** Which outcome the statement had. */
  Kind kind();

  /** The rows of a {@link Kind#ROWS} result. */
  ResultSet rows();

  /** The number of rows a {@link Kind#ROWS_AFFECTED} result changed. */
  long rowsAffected();

  /** The confirmation of a {@link Kind#DONE} result, such as {@code "CREATE TABLE"}. */
  String done();

  /**
   * The failure of a {@link Kind#ERROR} result, with its code, message and, for syntax errors, the
   * 1-based line and column; empty for any other kind.
   */
  Optional<TributaryException> error();
}
