package io.tributary.live.internal;

import io.tributary.query.live.LiveQuery;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.RowPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the subscriptions a change may concern without looking at the others (DESIGN.md section 5):
 * by table, by owner (USER tables), then by the value of one equality term of the filter ({@code
 * conversation_id = 1}). Only the candidates evaluate their compiled filter, so the cost of a
 * change grows with its matches, not with the number of subscriptions. The candidates come out
 * grouped by stream, so that the dispatcher takes each stream's lock once per change. Not
 * thread-safe: the hub guards it.
 *
 * <p>A subscription that a row policy limits (role user on a SHARED table with policies) is indexed
 * by its user instead: a change of a row whose conversation is X is offered only to the members of
 * X (read from {@link Memberships}), so the cost of a change stays O(matching subscribers), with no
 * policy query per subscriber.
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

    List<Subscription> all() {
      List<Subscription> out = new ArrayList<>(size);
      addTo(out);
      return out;
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

  /**
   * The subscriptions of one SHARED table that a row policy limits: by user when every clause of
   * their policy has a membership term (a change is offered to the members of its row's value, and
   * nobody else), otherwise unindexed.
   */
  private static final class Policed {
    final Map<String, Bucket> byUser = new HashMap<>();
    final Bucket unindexed = new Bucket();
    final Map<Membership, Integer> memberships = new LinkedHashMap<>();
    int size;
  }

  private final Map<Long, Policed> policed = new HashMap<>();
  private final Memberships members;
  private final Set<String> users = new HashSet<>();

  /** An index of subscriptions no row policy limits. */
  SubscriptionIndex() {
    this(null);
  }

  /**
   * @param members who is a member of what, for subscriptions limited by a row policy
   */
  SubscriptionIndex(Memberships members) {
    this.members = members;
  }

  int size() {
    return size;
  }

  void add(Subscription s) {
    RowPolicy policy = s.query.policy();
    if (policy != null) {
      Policed p = policed.computeIfAbsent(s.query.table().id(), t -> new Policed());
      if (policy.indexedByMembership()) {
        p.byUser.computeIfAbsent(policy.user(), u -> new Bucket()).add(s);
        for (Membership m : policy.memberships()) {
          p.memberships.merge(m, 1, Integer::sum);
        }
      } else {
        p.unindexed.add(s);
      }
      p.size++;
      size++;
      return;
    }
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
    RowPolicy policy = s.query.policy();
    if (policy != null) {
      removePoliced(s, policy);
      return;
    }
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

  private void removePoliced(Subscription s, RowPolicy policy) {
    Policed p = policed.get(s.query.table().id());
    if (p == null) {
      return;
    }
    boolean removed;
    if (policy.indexedByMembership()) {
      Bucket bucket = p.byUser.get(policy.user());
      removed = bucket != null && bucket.remove(s);
      if (removed) {
        if (bucket.isEmpty()) {
          p.byUser.remove(policy.user());
        }
        for (Membership m : policy.memberships()) {
          p.memberships.computeIfPresent(m, (k, n) -> n == 1 ? null : n - 1);
        }
      }
    } else {
      removed = p.unindexed.remove(s);
    }
    if (removed) {
      p.size--;
      size--;
      if (p.size == 0) {
        policed.remove(s.query.table().id());
      }
    }
  }

  /**
   * Adds to {@code out} the subscriptions of {@code user} that a row policy limits, on every table
   * (for a membership change of that user).
   */
  void policedOf(String user, List<Subscription> out) {
    for (Policed p : policed.values()) {
      addAll(p.byUser.get(user), out);
      for (Subscription s : p.unindexed.all()) {
        if (s.query.policy().user().equals(user)) {
          out.add(s);
        }
      }
    }
  }

  /** Adds to {@code out} every subscription that may match a change of these rows, once each. */
  void candidates(
      long tableId, String owner, Object[] oldRow, Object[] newRow, List<Subscription> out) {
    if (!policed.isEmpty()) {
      policedCandidates(tableId, oldRow, newRow, out);
    }
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

  /**
   * The policed subscriptions a change may concern: the unindexed ones, and the subscriptions of
   * the members of the changed row's value (old and new) under each membership the table's
   * subscribed policies read. A user who is a member through several memberships counts once.
   */
  private void policedCandidates(
      long tableId, Object[] oldRow, Object[] newRow, List<Subscription> out) {
    Policed p = policed.get(tableId);
    if (p == null) {
      return;
    }
    p.unindexed.addTo(out);
    if (p.byUser.isEmpty() || members == null) {
      return;
    }
    users.clear();
    for (Membership m : p.memberships.keySet()) {
      int column = m.rowColumn();
      Object oldValue = oldRow == null ? null : oldRow[column];
      Object newValue = newRow == null ? null : newRow[column];
      members.members(m, oldValue, users);
      if (!Objects.equals(oldValue, newValue)) {
        members.members(m, newValue, users);
      }
    }
    for (String user : users) {
      addAll(p.byUser.get(user), out);
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
