package io.tributary.query.exec;

/**
 * What one flush to the cold tier committed.
 *
 * @param flushId the flush's id, as the caller gave it
 * @param flushedSeq the table's flushed position after the flush: every settled change with a
 *     {@code _seq} at or below it is in the cold tier
 * @param rows the row versions the flush wrote (tombstones included), 0 when it was already
 *     committed
 * @param files the data files it added
 * @param snapshotId the Iceberg snapshot that holds the flush (-1 when none)
 * @param alreadyCommitted true when an earlier attempt of the same flush had committed, so this one
 *     changed nothing
 */
public record FlushCommit(
    String flushId,
    long flushedSeq,
    long rows,
    int files,
    long snapshotId,
    boolean alreadyCommitted) {}
