package io.tributary.reliability.isolation;

import io.tributary.client.Column;
import io.tributary.client.Row;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A live subscription to the USER table as the model expects it: it holds the rows it was sent by
 * key, and records every row whose {@code owner} is not the account it subscribed for (a leak).
 * Callbacks run on the client's listener thread; the getters may be called from any thread.
 */
final class Subscriber implements SubscriptionListener {
  final String label;
  final String expectedOwner;
  final Model.Session opener;
  final Model.Account target;
  final int targetGeneration;
  private final Map<Integer, String> rows = new ConcurrentHashMap<>();
  private final List<String> leaks = new ArrayList<>();
  private volatile TributaryException error;

  Subscriber(String label, Model.Session opener, Model.Account target) {
    this.label = label;
    this.opener = opener;
    this.target = target;
    this.targetGeneration = target.generation;
    this.expectedOwner = target.tag();
  }

  @Override
  public void onSubscribed(List<Column> columns, List<String> primaryKey) {
    rows.clear();
  }

  @Override
  public void onSnapshot(List<Row> batch, boolean last) {
    batch.forEach(this::put);
  }

  @Override
  public void onInsert(Row row, long seq) {
    put(row);
  }

  @Override
  public void onUpdate(Row oldRow, Row newRow, long seq) {
    check(oldRow);
    put(newRow);
  }

  @Override
  public void onDelete(Row row, long seq) {
    check(row);
    rows.remove(row.getInteger("id"));
  }

  @Override
  public void onError(TributaryException e) {
    error = e;
  }

  private void put(Row row) {
    check(row);
    rows.put(row.getInteger("id"), row.getString("body"));
  }

  private void check(Row row) {
    String owner = row.getString("owner");
    if (!expectedOwner.equals(owner)) {
      synchronized (leaks) {
        leaks.add(label + " received a row of " + owner + ": " + row.values());
      }
    }
  }

  Map<Integer, String> rows() {
    return Map.copyOf(rows);
  }

  List<String> leaks() {
    synchronized (leaks) {
      return List.copyOf(leaks);
    }
  }

  TributaryException error() {
    return error;
  }
}
