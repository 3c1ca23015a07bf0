package io.tributary.live.internal;

import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the subscriptions a change may concern without looking at the others (DESIGN.md section 5):
 * by table, by owner (USER tables), then by the value of one equality term of the filter ({@code
 * conversation_id = 1}). Only the candidates evaluate their compiled filter, so the cost of a
 * change grows with its matches, not with the number of subscriptions. The candidates come out
 * grouped by stream, so that the dispatcher takes each stream's lock once per change. Not
 * thread-safe: the hub guards it.
 */
final class SubscriptionIndex {
  private record RangeKey(long tableId, String owner) {}

  private static final class Range {
    final Bucket unindexed = new Bucket();
    final Map<Integer, Map<Object, Bucket>> byColumn = new HashMap<>();
    int size;
  }

  /**
   * The subscriptions of one index entry, grouped by stream. Candidates are read from a flat array
   * rebuilt after a change of membership, so reading costs one copy.
   */
  private static final class Bucket {
    private static final Subscription[] NONE = new Subscription[0];
    private final Map<LiveStream, List<Subscription>> byStream = new LinkedHashMap<>();
    private Subscription[] flat = NONE;
    private boolean stale;
    private int size;

    void add(Subscription s) {
      byStream.computeIfAbsent(s.stream, k -> new ArrayList<>(2)).add(s);
      size++;
      stale = true;
    }

    boolean remove(Subscription s) {
      List<Subscription> group = byStream.get(s.stream);
      if (group == null || !group.remove(s)) {
        return false;
      }
      if (group.isEmpty()) {
        byStream.remove(s.stream);
      }
      size--;
      stale = true;
      return true;
    }

    boolean isEmpty() {
      return size == 0;
    }

    void addTo(List<Subscription> out) {
      if (stale) {
        Subscription[] all = new Subscription[size];
        int i = 0;
        for (List<Subscription> group : byStream.values()) {
          for (Subscription s : group) {
            all[i++] = s;
          }
        }
        flat = all;
        stale = false;
      }
      out.addAll(Arrays.asList(flat));
    }
  }

  private final Map<RangeKey, Range> ranges = new HashMap<>();
  private int size;

  int size() {
    return size;
  }

  void add(Subscription s) {
    Range range = ranges.computeIfAbsent(key(s), k -> new Range());
    LiveQuery.Equality eq = indexable(s.query);
    if (eq == null) {
      range.unindexed.add(s);
    } else {
      range
          .byColumn
          .computeIfAbsent(eq.column(), c -> new HashMap<>())
          .computeIfAbsent(eq.value(), v -> new Bucket())
          .add(s);
    }
    range.size++;
    size++;
  }

  void remove(Subscription s) {
    RangeKey key = key(s);
    Range range = ranges.get(key);
    if (range == null) {
      return;
    }
    LiveQuery.Equality eq = indexable(s.query);
    boolean removed;
    if (eq == null) {
      removed = range.unindexed.remove(s);
    } else {
      Map<Object, Bucket> byValue = range.byColumn.get(eq.column());
      Bucket bucket = byValue == null ? null : byValue.get(eq.value());
      removed = bucket != null && bucket.remove(s);
      if (bucket != null && bucket.isEmpty()) {
        byValue.remove(eq.value());
        if (byValue.isEmpty()) {
          range.byColumn.remove(eq.column());
        }
      }
    }
    if (removed) {
      range.size--;
      size--;
      if (range.size == 0) {
        ranges.remove(key);
      }
    }
  }

  /** Adds to {@code out} every subscription that may match a change of these rows, once each. */
  void candidates(
      long tableId, String owner, Object[] oldRow, Object[] newRow, List<Subscription> out) {
    Range range = ranges.get(new RangeKey(tableId, owner));
    if (range == null) {
      return;
    }
    // Each subscription sits in exactly one bucket (unindexed, or under one column and value), and
    // the buckets below are distinct, so nothing is added twice.
    range.unindexed.addTo(out);
    for (Map.Entry<Integer, Map<Object, Bucket>> e : range.byColumn.entrySet()) {
      int column = e.getKey();
      Object oldValue = oldRow == null ? null : oldRow[column];
      Object newValue = newRow == null ? null : newRow[column];
      addAll(e.getValue().get(oldValue), out);
      if (!Objects.equals(oldValue, newValue)) {
        addAll(e.getValue().get(newValue), out);
      }
    }
  }

  private static void addAll(Bucket bucket, List<Subscription> out) {
    if (bucket != null) {
      bucket.addTo(out);
    }
  }

  private static RangeKey key(Subscription s) {
    return new RangeKey(s.query.table().id(), s.query.owner());
  }

  /** The equality term to index by, or null (none, or a value without value equality). */
  private static LiveQuery.Equality indexable(LiveQuery query) {
    for (LiveQuery.Equality eq : query.equalities()) {
      if (eq.value() != null && !(eq.value() instanceof byte[])) {
        return eq;
      }
    }
    return null;
  }
}
