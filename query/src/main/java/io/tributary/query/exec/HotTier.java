package io.tributary.query.exec;

import io.tributary.query.catalog.TableDef;
import java.util.List;

/**
 * The hot tier as the query layer sees it: the current rows of a table, read from the
 * materializer's state stores at a consistent point. Implemented by the materializer. Thread-safe.
 */
public interface HotTier {
  /**
   * The current rows of one owner of a USER table ({@code owner} is the user id), or of a whole
   * SHARED table ({@code owner} is ignored and may be null). One USER-table owner's rows are read
   * by a prefix scan of that owner's key range, never by filtering other users' rows. Each row
   * holds canonical values in column order followed by its {@code _seq} as a {@link Long}.
   *
   * @throws io.tributary.query.TributaryException UNAVAILABLE when the stores cannot be read within
   *     a bounded wait (for example during a rebalance)
   */
  List<Object[]> scan(TableDef table, String owner);

  /**
   * Like {@link #scan}, with the range's high-water mark read from the same point-in-time view (the
   * watermark entry of DESIGN.md section 4, written in the same atomic batch as the rows).
   */
  HotSnapshot snapshot(TableDef table, String owner);
}
