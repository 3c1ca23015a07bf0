package io.tributary.client;

/**
 * The stable code of a {@link TributaryException}, one constant per code of the protocol's {@code
 * tributary.v1.ErrorCode} with the same name (docs/sql.md, "Errors", gives each code's meaning).
 * Programs branch on it; a code is never renamed or reused for another meaning.
 *
 * <p>Most codes come from the server. {@link #DEADLINE_EXCEEDED} and {@link #NOT_A_QUERY} are made
 * by this SDK for failures that never reached a server, as are {@link #UNAVAILABLE}, {@link
 * #UNAUTHENTICATED}, {@link #AUTHENTICATION_FAILED} and {@link #INTERNAL} when the server gave no
 * code. {@link #UNRECOGNIZED} stands for a code this SDK does not know (one added to a newer
 * server); {@link TributaryException#code()} still names it.
 */
public enum ErrorCode {
  SYNTAX_ERROR,
  UNSUPPORTED_STATEMENT,
  STATEMENT_TOO_LARGE,
  INVALID_ARGUMENT,
  INVALID_DEFINITION,
  NAMESPACE_NOT_FOUND,
  NAMESPACE_EXISTS,
  NAMESPACE_NOT_EMPTY,
  TABLE_NOT_FOUND,
  TABLE_EXISTS,
  COLUMN_NOT_FOUND,
  FUNCTION_NOT_FOUND,
  TYPE_MISMATCH,
  NOT_NULL_VIOLATION,
  DUPLICATE_KEY,
  TOO_MANY_ROWS,
  USER_NOT_FOUND,
  USER_EXISTS,
  PERMISSION_DENIED,
  /** Login was refused: the user does not exist or the password is wrong. */
  AUTHENTICATION_FAILED,
  /** A call carried no token, or a token the server does not accept (for example expired). */
  UNAUTHENTICATED,
  LIVE_QUERY_NOT_FOUND,
  LIVE_QUERY_KILLED,
  LIMIT_EXCEEDED,
  SUBSCRIBER_TOO_SLOW,
  RESUME_POSITION_LOST,
  /** The server, or the log behind it, cannot be reached, or the connection was lost. */
  UNAVAILABLE,
  /** The server's log or state stores did not answer in time. */
  TIMEOUT,
  /** A failure the server did not expect, or a call-level failure without a code. */
  INTERNAL,
  POLICY_NOT_FOUND,
  POLICY_EXISTS,
  /** No source (CREATE SOURCE) has the name. */
  SOURCE_NOT_FOUND,
  SOURCE_EXISTS,
  /** The source database cannot be reached or refuses the login. */
  SOURCE_UNAVAILABLE,
  /** The source database lacks what the statement needs (publication, table, primary key). */
  SOURCE_INVALID,
  /** A source column has a type Tributary cannot represent. */
  UNSUPPORTED_TYPE,
  TOPIC_NOT_FOUND,
  TOPIC_EXISTS,
  /** A consumer group that has never committed a position on the topic or table named. */
  CONSUMER_GROUP_NOT_FOUND,
  /** An offset beyond the end of a topic's partition. */
  OFFSET_OUT_OF_RANGE,
  /** The user subscribed and unsubscribed faster than the server allows; retry later. */
  RATE_LIMITED,
  /**
   * A row the write touches is reserved by a statement spanning partitions that is not decided yet;
   * nothing changed, retry shortly.
   */
  WRITE_CONFLICT,
  /**
   * ALTER TABLE changed the columns of a subscribed table; a subscription resumes by itself with
   * the new columns (from its last delivered {@code _seq}).
   */
  SCHEMA_CHANGED,
  /** The call did not complete within the client's call timeout. */
  DEADLINE_EXCEEDED,
  /**
   * {@link TributaryClient#query} was given other than one statement, or a statement that returns
   * no rows.
   */
  NOT_A_QUERY,
  /** A code this SDK does not know; {@link TributaryException#code()} names it. */
  UNRECOGNIZED;

  /** The constant named {@code code}, or {@link #UNRECOGNIZED} when there is none. */
  public static ErrorCode of(String code) {
    if (code == null || code.equals(UNRECOGNIZED.name())) {
      return UNRECOGNIZED;
    }
    try {
      return valueOf(code);
    } catch (IllegalArgumentException e) {
      return UNRECOGNIZED;
    }
  }
}
