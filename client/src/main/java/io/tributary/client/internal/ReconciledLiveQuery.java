package io.tributary.client.internal;

import io.tributary.api.v1.SortKey;
import io.tributary.client.Column;
import io.tributary.client.LiveQuery;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.TributaryException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live query: the rows of one subscription reconciled by primary key and kept in the query's
 * order ({@link RowOrder}). The rows are published once the snapshot is complete and once after
 * each complete change, never between the events of one change. The rows are confined to the
 * listener thread; readers see the last published immutable list.
 */
final class ReconciledLiveQuery implements LiveQuery, ResultListener {

  private static final Logger LOG = LoggerFactory.getLogger(ReconciledLiveQuery.class);

  private static final String SEQ = "_seq";

  private final Consumer<List<Row>> onRows;

  /** Primary key columns, unnamed: a key is the row of its key values. */
  private static final ColumnIndex KEY_COLUMNS = new ColumnIndex(List.of());

  /**
   * Rows by primary key. The key is a {@link DecodedRow} of the key's values, whose equality also
   * compares {@code byte[]} keys by content.
   */
  private final Map<Row, Row> byKey = new HashMap<>();

  private TreeSet<Row> ordered =
      new TreeSet<>(RowOrder.of(new ColumnIndex(List.of()), List.of(), new int[0]));
  private int[] keyPositions = new int[0];
  private boolean ready;

  /** A change was applied since the rows were last published. */
  private boolean changed;

  private volatile List<Row> published = List.of();
  private volatile TributaryException failure;
  private volatile Subscription subscription;

  ReconciledLiveQuery(Consumer<List<Row>> onRows) {
    this.onRows = onRows;
  }

  /** Set once the subscription exists; events may come before. */
  void attach(Subscription subscription) {
    this.subscription = subscription;
    if (failure != null) {
      subscription.close(); // it failed on an event that came first
    }
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
    onSubscribed(columns, primaryKey, List.of());
  }

  @Override
  public void onSubscribed(List<Column> columns, List<String> primaryKey, List<SortKey> orderBy) {
    // A (new) snapshot starts: what came before is replaced once it is complete.
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
    byKey.clear();
    ready = false;
    changed = false;
    try {
      ordered = new TreeSet<>(RowOrder.of(index, orderBy, keyPositions));
    } catch (IllegalArgumentException e) {
      // The server named an ORDER BY column it does not send: no order can be kept.
      ordered = new TreeSet<>(RowOrder.of(index, List.of(), keyPositions));
      onError(
          new TributaryException(
              TributaryException.INTERNAL,
              "Cannot keep the live query in order: " + e.getMessage(),
              e));
      close();
    }
  }

  @Override
  public void onSnapshot(List<Row> batch, boolean last) {
    for (Row row : batch) {
      put(row);
    }
  }

  @Override
  public void onReady(long seq) {
    ready = true;
    changed = false;
    publish();
  }

  @Override
  public void onInsert(Row row, long seq) {
    put(row);
    changed = true;
  }

  @Override
  public void onUpdate(Row oldRow, Row newRow, long seq) {
    remove(key(oldRow));
    put(newRow);
    changed = true;
  }

  @Override
  public void onDelete(Row row, long seq) {
    remove(key(row));
    changed = true;
  }

  @Override
  public void onChangeComplete(long seq) {
    if (changed) {
      changed = false;
      publish();
    }
  }

  @Override
  public void onError(TributaryException e) {
    failure = e;
    LOG.warn("A live query ended: {}", e.toString());
  }

  private void put(Row row) {
    Row previous = byKey.put(key(row), row);
    if (previous != null) {
      ordered.remove(previous);
    }
    ordered.add(row);
  }

  private void remove(Row key) {
    Row previous = byKey.remove(key);
    if (previous != null) {
      ordered.remove(previous);
    }
  }

  private void publish() {
    if (!ready || failure != null) {
      return;
    }
    List<Row> current = List.copyOf(ordered);
    published = current;
    onRows.accept(current);
  }

  private Row key(Row row) {
    Object[] values = new Object[keyPositions.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(keyPositions[i]);
    }
    return new DecodedRow(KEY_COLUMNS, values);
  }
}
