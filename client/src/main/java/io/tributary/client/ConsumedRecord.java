package io.tributary.client;

import java.time.Instant;

/**
 * One record of a topic or a table's change feed, as a consumer receives it.
 *
 * @param topic the topic or table consumed (ns.name)
 * @param owner the name of the user whose row changed, or null (SHARED tables)
 * @param operation INSERT, UPDATE or DELETE
 * @param table the table that changed
 * @param row the row per the topic's payload mode, as JSON, or null
 * @param oldRow the row before the change, as JSON (payload 'diff', change feeds), or null
 * @param seq the change's {@code _seq}
 * @param timestamp when the change was written, or null when unknown
 */
public record ConsumedRecord(
    String topic,
    int partition,
    long offset,
    String owner,
    String operation,
    String table,
    String row,
    String oldRow,
    long seq,
    Instant timestamp) {}
