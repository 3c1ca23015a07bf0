package io.tributary.client.internal;

import io.tributary.client.Column;
import io.tributary.client.LiveQuery;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live query: the rows of one subscription reconciled by primary key, in the order they arrived.
 * The map is confined to the listener thread; readers see the last published immutable list.
 */
final class ReconciledLiveQuery implements LiveQuery, SubscriptionListener {

  private static final Logger LOG = LoggerFactory.getLogger(ReconciledLiveQuery.class);

  private static final String SEQ = "_seq";

  private final Consumer<List<Row>> onRows;
  private final Map<Key, Row> rows = new LinkedHashMap<>();
  private int[] keyPositions = new int[0];
  private boolean ready;
  private volatile List<Row> published = List.of();
  private volatile TributaryException failure;
  private volatile Subscription subscription;

  ReconciledLiveQuery(Consumer<List<Row>> onRows) {
    this.onRows = onRows;
  }

  /** Set once the subscription exists; events may come before. */
  void attach(Subscription subscription) {
    this.subscription = subscription;
  }

  @Override
  public List<Row> rows() {
    return published;
  }

  @Override
  public Optional<TributaryException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void close() {
    Subscription s = subscription;
    if (s != null) {
      s.close();
    }
  }

  @Override
  public void onSubscribed(List<Column> columns, List<String> primaryKey) {
    // A (new) snapshot starts: what came before is replaced once it is complete.
    rows.clear();
    ready = false;
    ColumnIndex index = new ColumnIndex(columns);
    if (!primaryKey.isEmpty()) {
      keyPositions = primaryKey.stream().mapToInt(index::positionOf).toArray();
    } else {
      // No declared key: the whole row but its position identifies it.
      int n = columns.size();
      boolean seqLast = n > 0 && columns.get(n - 1).name().equals(SEQ);
      keyPositions = new int[seqLast ? n - 1 : n];
      Arrays.setAll(keyPositions, i -> i);
    }
  }

  @Override
  public void onSnapshot(List<Row> batch, boolean last) {
    for (Row row : batch) {
      rows.put(key(row), row);
    }
  }

  @Override
  public void onReady(long seq) {
    ready = true;
    publish();
  }

  @Override
  public void onInsert(Row row, long seq) {
    rows.put(key(row), row);
    publish();
  }

  @Override
  public void onUpdate(Row oldRow, Row newRow, long seq) {
    Key oldKey = key(oldRow);
    Key newKey = key(newRow);
    if (!oldKey.equals(newKey)) {
      rows.remove(oldKey);
    }
    rows.put(newKey, newRow);
    publish();
  }

  @Override
  public void onDelete(Row row, long seq) {
    rows.remove(key(row));
    publish();
  }

  @Override
  public void onError(TributaryException e) {
    failure = e;
    LOG.warn("A live query ended: {}", e.toString());
  }

  private void publish() {
    if (!ready) {
      return;
    }
    List<Row> current = List.copyOf(rows.values());
    published = current;
    onRows.accept(current);
  }

  private Key key(Row row) {
    Object[] values = new Object[keyPositions.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(keyPositions[i]);
    }
    return new Key(values);
  }

  /** Primary key values; arrays compare by content ({@code byte[]} keys). */
  private record Key(Object[] values) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && Arrays.deepEquals(values, key.values);
    }

    @Override
    public int hashCode() {
      return Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
      return Arrays.deepToString(values);
    }
  }
}
