package io.tributary.query;

/**
 * Stable error codes. A code is part of the public protocol: clients branch on it, so a code is
 * never renamed or reused for another meaning.
 */
public enum ErrorCode {
  SYNTAX_ERROR,
  UNSUPPORTED_STATEMENT,
  /** A statement, or the write it makes, is larger than the server accepts. */
  STATEMENT_TOO_LARGE,
  INVALID_ARGUMENT,
  INVALID_DEFINITION,
  NAMESPACE_NOT_FOUND,
  NAMESPACE_EXISTS,
  NAMESPACE_NOT_EMPTY,
  TABLE_NOT_FOUND,
  TABLE_EXISTS,
  COLUMN_NOT_FOUND,
  /** A function name that no function has, or no form of it accepts the arguments given. */
  FUNCTION_NOT_FOUND,
  TYPE_MISMATCH,
  NOT_NULL_VIOLATION,
  DUPLICATE_KEY,
  TOO_MANY_ROWS,
  USER_NOT_FOUND,
  USER_EXISTS,
  PERMISSION_DENIED,
  AUTHENTICATION_FAILED,
  UNAUTHENTICATED,
  LIVE_QUERY_NOT_FOUND,
  LIVE_QUERY_KILLED,
  LIMIT_EXCEEDED,
  SUBSCRIBER_TOO_SLOW,
  RESUME_POSITION_LOST,
  UNAVAILABLE,
  TIMEOUT,
  INTERNAL,
  /** A row-level policy named by DROP POLICY does not exist on its table. */
  POLICY_NOT_FOUND,
  /** CREATE POLICY of a name the table already has a policy under. */
  POLICY_EXISTS,
  /** No source (CREATE SOURCE) has the name. */
  SOURCE_NOT_FOUND,
  SOURCE_EXISTS,
  /** The source database cannot be reached or refuses the login (host, port, credentials). */
  SOURCE_UNAVAILABLE,
  /**
   * The source database does not have what the statement needs: the publication, the table, its
   * primary key, replication permission.
   */
  SOURCE_INVALID,
  /** A source column has a type that Tributary cannot represent. */
  UNSUPPORTED_TYPE,
  TOPIC_NOT_FOUND,
  TOPIC_EXISTS,
  /** A consumer group that has never committed a position on the topic or table named. */
  CONSUMER_GROUP_NOT_FOUND,
  /** An offset beyond the end of a topic's partition (ACK, RESET CONSUMER GROUP, FROM). */
  OFFSET_OUT_OF_RANGE,
  /** A client subscribes and unsubscribes faster than the server allows one user (retry later). */
  RATE_LIMITED,
  /**
   * A row the write touches is reserved by a statement that spans partitions and is not decided yet
   * (two-phase commit, docs/sql.md "Atomicity"); nothing changed, retry shortly.
   */
  WRITE_CONFLICT,
  /**
   * ALTER TABLE changed the columns of the table a live subscription reads: it ends with its last
   * delivered {@code _seq}; subscribing again with {@code from_seq} resumes under the new columns.
   */
  SCHEMA_CHANGED
}
