package io.tributary.query.exec;

import java.util.Iterator;

/**
 * A scan of the cold tier, handed out row by row: live row versions (never tombstones) in no
 * particular order. It reads the table's snapshot current when the scan was opened, whatever is
 * committed meanwhile.
 *
 * <p>Ownership: the caller must {@link #close()} it on every path (it holds open files and off-heap
 * buffers). Not thread-safe. A failed read throws {@code io.tributary.query.TributaryException}
 * UNAVAILABLE.
 */
public interface ColdCursor extends Iterator<RowVersion>, AutoCloseable {
  /** Releases the files and buffers; idempotent. */
  @Override
  void close();
}
