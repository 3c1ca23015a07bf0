package io.tributary.query.catalog;

import java.util.Map;

/**
 * How far a source's changes are durable in the log: the end position (LSN) of the last source
 * transaction whose commands were all appended, written after those commands. A restarted source
 * skips every transaction that ends at or before it, so a change is never written twice.
 *
 * <p>Commands appended after {@code lsn} may be durable too (the node stopped before it recorded
 * them): {@code scanFrom} says where they can be, so a restart finds them (their request ids name
 * the source and the LSN) instead of writing them again.
 *
 * @param lsn the end LSN of the last applied transaction, 0 before the first
 * @param scanFrom for each write partition ({@code topic/partition}) the source has written to, an
 *     offset at or before any of its commands later than {@code lsn}; empty in records written
 *     before it existed
 */
public record SourcePosition(long lsn, Map<String, Long> scanFrom) {
  public SourcePosition {
    scanFrom = scanFrom == null ? Map.of() : Map.copyOf(scanFrom);
  }

  public SourcePosition(long lsn) {
    this(lsn, Map.of());
  }
}
