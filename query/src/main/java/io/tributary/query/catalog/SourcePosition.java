package io.tributary.query.catalog;

/**
 * How far a source's changes are durable in the log: the end position (LSN) of the last source
 * transaction whose commands were all appended, written after those commands. A restarted source
 * skips every transaction that ends at or before it, so a change is never written twice.
 *
 * @param lsn the end LSN of the last applied transaction, 0 before the first
 */
public record SourcePosition(long lsn) {}
