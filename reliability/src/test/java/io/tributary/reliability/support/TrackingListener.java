package io.tributary.reliability.support;

import io.tributary.client.Column;
import io.tributary.client.Row;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds a subscription's rows (by the BIGINT primary key {@code id}: its {@code val} and {@code
 * _seq}) from its snapshot and changes, and records every violation of the delivery promise: a
 * change at or below the last {@code _seq} (out of order or repeated), an insert of a row it holds
 * (duplicate), an update or delete of a row it does not hold (gap). The same listener carries over
 * to a new subscription resumed with {@code from_seq = }{@link #lastSeq()}. Thread-safe.
 */
public final class TrackingListener implements SubscriptionListener {
  private final String name;
  private final Map<Long, List<Long>> rows = new TreeMap<>();
  private final List<String> violations = new ArrayList<>();
  private long lastSeq = -1;
  private long changes;
  private boolean ready;

  public TrackingListener(String name) {
    this.name = name;
  }

  /** Starts over for a fresh subscription (with a snapshot). */
  public synchronized void reset() {
    rows.clear();
    lastSeq = -1;
    ready = false;
  }

  @Override
  public synchronized void onSubscribed(List<Column> columns, List<String> primaryKey) {
    // A snapshot follows (a resume with from_seq sends none): a partial one starts over.
    if (!ready) {
      rows.clear();
    }
  }

  @Override
  public synchronized void onSnapshot(List<Row> batch, boolean last) {
    for (Row row : batch) {
      rows.put(row.getLong("id"), List.of(row.getLong("val"), row.getLong("_seq")));
    }
  }

  @Override
  public synchronized void onReady(long seq) {
    ready = true;
    lastSeq = Math.max(lastSeq, seq);
  }

  @Override
  public synchronized void onInsert(Row row, long seq) {
    change(seq);
    if (rows.put(row.getLong("id"), entry(row, seq)) != null) {
      violations.add(name + ": insert of id " + row.getLong("id") + " it holds, at _seq " + seq);
    }
  }

  @Override
  public synchronized void onUpdate(Row oldRow, Row newRow, long seq) {
    change(seq);
    if (rows.put(newRow.getLong("id"), entry(newRow, seq)) == null) {
      violations.add(name + ": update of id " + newRow.getLong("id") + " it lacks, at _seq " + seq);
    }
  }

  @Override
  public synchronized void onDelete(Row row, long seq) {
    change(seq);
    if (rows.remove(row.getLong("id")) == null) {
      violations.add(name + ": delete of id " + row.getLong("id") + " it lacks, at _seq " + seq);
    }
  }

  @Override
  public synchronized void onError(TributaryException e) {
    violations.add(name + ": terminal error " + e.code() + ": " + e.getMessage());
  }

  private void change(long seq) {
    changes++;
    if (!ready) {
      violations.add(name + ": change at _seq " + seq + " before the snapshot was ready");
    }
    if (seq <= lastSeq) {
      violations.add(name + ": change at _seq " + seq + " after _seq " + lastSeq);
    }
    lastSeq = seq;
  }

  private List<Long> entry(Row row, long seq) {
    long rowSeq = row.getLong("_seq");
    if (rowSeq != seq) {
      violations.add(name + ": row _seq " + rowSeq + " in an event of _seq " + seq);
    }
    return List.of(row.getLong("val"), rowSeq);
  }

  /** The rows held: id → [val, _seq]. */
  public synchronized Map<Long, List<Long>> rows() {
    return new TreeMap<>(rows);
  }

  /** The last {@code _seq} received (the snapshot's high-water mark, then each change's). */
  public synchronized long lastSeq() {
    return lastSeq;
  }

  public synchronized boolean ready() {
    return ready;
  }

  /** How many changes (not snapshot rows) arrived. */
  public synchronized long changes() {
    return changes;
  }

  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  public String name() {
    return name;
  }
}
