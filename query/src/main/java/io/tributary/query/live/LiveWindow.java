package io.tributary.query.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The state of a live {@code SELECT ... ORDER BY ... LIMIT n}: which rows its subscriber holds, and
 * which rows enter or leave that window when a row of the subscription's range changes.
 *
 * <p>It keeps <em>every</em> matching row of the range, ordered by {@link LiveQuery#rowOrder()}
 * (the ORDER BY, then the primary key), split into the window (the first n) and the rest: when a
 * row leaves the window, the next one must come from somewhere, and reading the store again on
 * every change would cost more than the rows do. Memory is therefore bounded by the matching rows
 * of one range (one user's rows of a USER or STREAM table, or the rows of a SHARED table), not by
 * n; each change costs O(log rows).
 *
 * <p>{@link #apply} reports the difference between the window before and after one change, so a
 * subscriber that applies the transitions in order holds exactly the first n rows of the query
 * after every change. The owner applies the changes of the range in {@code _seq} order, each once,
 * starting after the snapshot it loaded (a row is replaced by primary key, so re-applying the last
 * change moves nothing, but re-applying an older one would bring an old version back).
 *
 * <p>Not thread-safe: its owner serializes {@link #load} and {@link #apply}.
 */
public final class LiveWindow {
  /**
   * A row entering the window ({@code before} null), leaving it ({@code after} null), or changing
   * inside it (both set). Rows hold canonical values followed by {@code _seq}.
   */
  public record Transition(Object[] before, Object[] after) {}

  private final LiveQuery query;
  private final int limit;
  private final int[] primaryKey;
  private final Comparator<Object[]> order;
  private final TreeSet<Object[]> window;
  private final TreeSet<Object[]> rest;
  private final Map<Key, Object[]> rows = new HashMap<>();

  /**
   * @throws IllegalArgumentException when the query has no LIMIT
   */
  public LiveWindow(LiveQuery query) {
    if (!query.windowed()) {
      throw new IllegalArgumentException(
          "Cannot keep a live window: the query on "
              + query.table().qualifiedName()
              + " has no LIMIT");
    }
    this.query = query;
    this.limit = (int) query.limit();
    this.primaryKey = query.table().primaryKeyIndexes();
    this.order = query.rowOrder();
    this.window = new TreeSet<>(order);
    this.rest = new TreeSet<>(order);
  }

  /** Adds the rows of a snapshot; those the filter rejects are skipped. */
  public void load(Iterable<Object[]> snapshot) {
    if (limit == 0) {
      return;
    }
    Map<Key, Object> ignored = new LinkedHashMap<>();
    for (Object[] row : snapshot) {
      if (query.predicate().test(row)) {
        put(row, ignored);
      }
    }
  }

  /** The rows of the window, in order. */
  public List<Object[]> rows() {
    return new ArrayList<>(window);
  }

  /** How many matching rows it holds, in the window and out of it. */
  public int size() {
    return rows.size();
  }

  /**
   * Applies one change of a row of the range and returns how the window changed: leaving rows
   * first, then the changed row if it stays, then entering rows.
   *
   * @param oldRow the row before the change, or null (an insert)
   * @param newRow the row after the change, or null (a delete)
   */
  public List<Transition> apply(Object[] oldRow, Object[] newRow) {
    Object[] any = newRow != null ? newRow : oldRow;
    if (any == null || limit == 0) {
      return List.of();
    }
    Key key = key(any);
    Map<Key, Object> touched = new LinkedHashMap<>();
    Object[] current = rows.get(key);
    if (current != null) {
      remove(key, current, touched);
    }
    if (newRow != null && query.predicate().test(newRow)) {
      put(newRow, touched);
    }
    List<Transition> left = new ArrayList<>();
    List<Transition> changed = new ArrayList<>();
    List<Transition> entered = new ArrayList<>();
    for (Map.Entry<Key, Object> e : touched.entrySet()) {
      Object[] before = e.getValue() == NOT_IN_WINDOW ? null : (Object[]) e.getValue();
      Object[] now = rows.get(e.getKey());
      Object[] after = now != null && window.contains(now) ? now : null;
      if (before != null && after == null) {
        left.add(new Transition(before, null));
      } else if (before == null && after != null) {
        entered.add(new Transition(null, after));
      } else if (before != null && before != after && !Arrays.deepEquals(before, after)) {
        changed.add(new Transition(before, after));
      }
    }
    left.addAll(changed);
    left.addAll(entered);
    return left;
  }

  private static final Object NOT_IN_WINDOW = new Object();

  /** Remembers whether a row was in the window before the change, the first time it moves. */
  private static void touch(Map<Key, Object> touched, Key key, Object[] inWindow) {
    touched.putIfAbsent(key, inWindow == null ? NOT_IN_WINDOW : inWindow);
  }

  private void remove(Key key, Object[] row, Map<Key, Object> touched) {
    rows.remove(key);
    if (window.remove(row)) {
      touch(touched, key, row);
      Object[] next = rest.pollFirst();
      if (next != null) {
        touch(touched, key(next), null);
        window.add(next);
      }
    } else {
      touch(touched, key, null);
      rest.remove(row);
    }
  }

  private void put(Object[] row, Map<Key, Object> touched) {
    Key key = key(row);
    Object[] current = rows.get(key);
    if (current != null) {
      remove(key, current, touched);
    }
    touch(touched, key, null);
    rows.put(key, row);
    if (window.size() < limit) {
      window.add(row); // the rest is empty while the window is not full
    } else if (order.compare(row, window.last()) < 0) {
      window.add(row);
      Object[] out = window.pollLast();
      touch(touched, key(out), out);
      rest.add(out);
    } else {
      rest.add(row);
    }
  }

  private Key key(Object[] row) {
    Object[] values = new Object[primaryKey.length];
    for (int i = 0; i < primaryKey.length; i++) {
      values[i] = row[primaryKey[i]];
    }
    return new Key(values);
  }

  /** A primary key, with value equality also for BYTES columns. */
  private record Key(Object[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.deepEquals(values, k.values);
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
