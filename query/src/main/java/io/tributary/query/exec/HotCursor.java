package io.tributary.query.exec;

import java.util.Iterator;

/**
 * A point-in-time read of one key range of the hot tier (a user's rows of a USER or STREAM table,
 * or a SHARED table), handed out row by row: the rows come from one consistent view of the store
 * taken when the cursor was opened, however long it stays open and whatever is written meanwhile.
 * So a caller holds only the rows it has not yet passed on, never the whole range.
 *
 * <p>Each row holds canonical values in column order followed by its {@code _seq} as a {@link
 * Long}, in primary key order (the store's key order).
 *
 * <p>Ownership: the caller must {@link #close()} it, on every path (an open cursor pins the store's
 * memory and files). Not thread-safe: one thread at a time. A cursor whose store goes away (a
 * rebalance, a shutdown) fails its next read with {@code TributaryException(UNAVAILABLE)}.
 */
public interface HotCursor extends Iterator<Object[]>, AutoCloseable {
  /**
   * The range's high-water mark H, read from the same view as the rows: every change with {@code
   * _seq} ≤ H is in the view, none after it; -1 for a range that never changed. It is final once
   * {@link #hasNext()} has returned false. (For a range written by this release it is known as soon
   * as the cursor is open, from the range's watermark entry; for a range last written before
   * watermark entries existed it is the largest {@code _seq} of the rows read so far.)
   */
  long highWater();

  /** Releases the view; idempotent. */
  @Override
  void close();
}
