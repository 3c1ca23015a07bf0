package io.tributary.query.catalog;

/** The three kinds of table of DESIGN.md section 1. */
public enum TableKind {
  /** Rows owned by one user; a user sees only their own rows. */
  USER,
  /** Rows everyone with access sees. */
  SHARED,
  /** Ephemeral events that expire after TTL_SECONDS and never reach cold storage. */
  STREAM
}
