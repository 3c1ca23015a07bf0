package io.tributary.iceberg;

import io.tributary.iceberg.internal.IcebergColdStore;
import io.tributary.query.exec.ColdTier;
import java.nio.file.Path;

/**
 * Opens the cold tier: Iceberg tables in an embedded catalog under a directory of the server's data
 * directory (DESIGN.md section 7). See {@link ColdTier} for the contract.
 */
public final class IcebergColdTier {
  /**
   * The number of owner buckets of a new table's partition spec ({@code bucket(_owner, 16)}). A
   * flush writes at most one file per bucket, so 16 bounds the files of a flush of any number of
   * users, while a user's read opens 1/16 of the table's files; inside a file, rows are sorted by
   * owner, so Parquet's row-group statistics narrow the read to the user's rows. Measured on 1M
   * rows of 1,000 users, {@code identity(owner)} made 7,000 tiny files and 10x slower writes.
   */
  public static final int DEFAULT_OWNER_BUCKETS = 16;

  private IcebergColdTier() {}

  /** Opens (creating on first use) the cold tier under {@code directory}. */
  public static ColdTier open(Path directory) {
    return open(directory, DEFAULT_OWNER_BUCKETS);
  }

  /** As {@link #open(Path)}, with the number of owner buckets of tables created from now on. */
  public static ColdTier open(Path directory, int ownerBuckets) {
    return IcebergColdStore.open(directory, ownerBuckets);
  }
}
