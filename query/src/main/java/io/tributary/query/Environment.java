package io.tributary.query;

/**
 * The non-deterministic inputs of statement analysis, supplied by the node that accepts a statement
 * (DESIGN.md section 3): their results are written into commands, never re-evaluated.
 * Implementations are thread-safe.
 */
public interface Environment {
  long nowMillis();

  /** A new unique 64-bit id (SNOWFLAKE_ID(); also table ids). */
  long nextId();

  /** A new time-ordered UUID (version 7) in canonical form. */
  String uuidV7();

  /** A new unique request id correlating a command with its outcome. */
  String requestId();

  /** A bcrypt hash of a password. */
  String hashPassword(String password);
}
