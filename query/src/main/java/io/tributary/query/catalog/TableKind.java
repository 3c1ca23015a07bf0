package io.tributary.query.catalog;

/** The three kinds of table of DESIGN.md section 1. */
public enum TableKind {
  /** Rows owned by one user; a user sees only their own rows. */
  USER,
  /** Rows everyone with access sees. */
  SHARED,
  /** Ephemeral events that expire after TTL_SECONDS and never reach cold storage. */
  STREAM;

  /**
   * Whether rows of this kind ever move to the cold tier (the flush of FLUSH_POLICY): USER and
   * SHARED rows do; STREAM events never do, they expire in the hot tier (TTL_SECONDS).
   */
  public boolean reachesColdStorage() {
    return this != STREAM;
  }

  /** Whether rows of this kind expire (TTL_SECONDS): STREAM events only. */
  public boolean expires() {
    return this == STREAM;
  }
}
