package io.tributary.query.exec;

import java.util.Objects;

/**
 * One version of one row as the tiers exchange it: the row's owner and its values, or a tombstone
 * saying the row with this primary key was deleted at {@code seq}.
 *
 * <p>The row has the shape every tier uses (see {@link HotTier}): canonical values in column order
 * followed by {@code _seq} as a {@link Long}. A tombstone holds the primary key values at their
 * columns, null elsewhere, and the deleting change's position as {@code _seq}.
 *
 * @param owner the user who owns the row of a USER table; null for a SHARED table
 * @param row canonical values followed by {@code _seq} (not copied: callers do not modify it)
 * @param deleted whether this version is a tombstone
 */
public record RowVersion(String owner, Object[] row, boolean deleted) {
  public RowVersion {
    Objects.requireNonNull(row, "row");
    if (row.length == 0 || !(row[row.length - 1] instanceof Long)) {
      throw new IllegalArgumentException("Cannot make a row version: the last value is not _seq");
    }
  }

  /** A live row version. */
  public static RowVersion of(String owner, Object[] row) {
    return new RowVersion(owner, row, false);
  }

  /** A tombstone: the row with the key in {@code row} was deleted at the {@code _seq} in it. */
  public static RowVersion tombstone(String owner, Object[] row) {
    return new RowVersion(owner, row, true);
  }

  /** The version's {@code _seq}. */
  public long seq() {
    return (Long) row[row.length - 1];
  }
}
