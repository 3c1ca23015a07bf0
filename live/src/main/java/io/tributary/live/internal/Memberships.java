package io.tributary.live.internal;

import io.tributary.materializer.AppliedChange;
import io.tributary.query.exec.HotSnapshot;
import io.tributary.query.exec.HotTier;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.MembershipView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Membership as live subscriptions see it: for each members table that a subscribed row policy
 * reads, who is a member of which value, in both directions (user → values for a subscription's
 * policy, value → users for the index). Kept up to date by the dispatcher in the order it matches
 * changes ({@link #apply}), so a membership change takes effect for every change matched after it.
 *
 * <p>A membership is loaded when the first subscription whose policy reads it registers: from a
 * point-in-time view of the members table with high-water mark H; from then on the dispatcher
 * applies that table's changes with {@code _seq} > H (a change of the table reaches the dispatcher
 * only after the store holds it, and one table's changes arrive in {@code _seq} order, so the view
 * and the changes applied after it cover every change exactly once). A loaded membership stays
 * loaded for the hub's lifetime (one map entry per member, per members table); {@link #reload}
 * reads it again after changes were lost. Thread-safe: one lock, never held while calling out
 * except to read the hot tier during a load.
 */
final class Memberships implements MembershipView {
  /** A user gained ({@code added}) or lost a value of a membership. */
  record Transition(Membership.Key key, String user, Object value, boolean added) {}

  private static final class Loaded {
    final Membership membership;
    long highWater;
    final Map<String, Set<Object>> byUser = new HashMap<>();
    final Map<Object, Set<String>> byValue = new HashMap<>();

    Loaded(Membership membership) {
      this.membership = membership;
    }

    boolean add(String user, Object value) {
      byValue.computeIfAbsent(value, v -> new HashSet<>()).add(user);
      return byUser.computeIfAbsent(user, u -> new HashSet<>()).add(value);
    }

    boolean remove(String user, Object value) {
      Set<String> users = byValue.get(value);
      if (users != null && users.remove(user) && users.isEmpty()) {
        byValue.remove(value);
      }
      Set<Object> values = byUser.get(user);
      boolean removed = values != null && values.remove(value);
      if (values != null && values.isEmpty()) {
        byUser.remove(user);
      }
      return removed;
    }
  }

  private final Supplier<HotTier> hot;
  private final Map<Membership.Key, Loaded> loaded = new HashMap<>();

  /** Members tables with at least one loaded membership, by table id: the dispatcher's filter. */
  private final Map<Long, List<Loaded>> byTable = new HashMap<>();

  Memberships(Supplier<HotTier> hot) {
    this.hot = hot;
  }

  /** Loads a membership unless it is loaded. */
  synchronized void ensureLoaded(Membership m) {
    if (!loaded.containsKey(m.key())) {
      Loaded l = new Loaded(m);
      read(l);
      loaded.put(m.key(), l);
      byTable.computeIfAbsent(m.members().id(), t -> new ArrayList<>()).add(l);
    }
  }

  /** Reads the members tables with this id again (after some of their changes were lost). */
  synchronized boolean reload(long membersTableId) {
    List<Loaded> ls = byTable.get(membersTableId);
    if (ls == null) {
      return false;
    }
    for (Loaded l : ls) {
      l.byUser.clear();
      l.byValue.clear();
      read(l);
    }
    return true;
  }

  private void read(Loaded l) {
    Membership m = l.membership;
    HotSnapshot snapshot = hot.get().snapshot(m.members(), null);
    for (Object[] row : snapshot.rows()) {
      if (row[m.userColumn()] instanceof String user && row[m.valueColumn()] != null) {
        l.add(user, row[m.valueColumn()]);
      }
    }
    l.highWater = snapshot.highWater();
  }

  /**
   * Dispatcher: applies a change if it is one of a loaded members table after its view; returns the
   * memberships it grants and revokes (none for any other change).
   */
  synchronized List<Transition> apply(AppliedChange change) {
    List<Loaded> ls = byTable.get(change.table().id());
    if (ls == null) {
      return List.of();
    }
    List<Transition> out = new ArrayList<>(2);
    for (Loaded l : ls) {
      if (change.seq() <= l.highWater) {
        continue;
      }
      Membership m = l.membership;
      Object[] before = change.oldRow();
      Object[] after = change.newRow();
      String oldUser = before == null ? null : (String) before[m.userColumn()];
      Object oldValue = before == null ? null : before[m.valueColumn()];
      String newUser = after == null ? null : (String) after[m.userColumn()];
      Object newValue = after == null ? null : after[m.valueColumn()];
      if (Objects.equals(oldUser, newUser) && Objects.equals(oldValue, newValue)) {
        continue;
      }
      if (oldUser != null && oldValue != null && l.remove(oldUser, oldValue)) {
        out.add(new Transition(m.key(), oldUser, oldValue, false));
      }
      if (newUser != null && newValue != null && l.add(newUser, newValue)) {
        out.add(new Transition(m.key(), newUser, newValue, true));
      }
    }
    return out;
  }

  @Override
  public synchronized Set<Object> values(Membership m, String user) {
    Loaded l = loaded.get(m.key());
    Set<Object> values = l == null ? null : l.byUser.get(user);
    return values == null ? Set.of() : values;
  }

  @Override
  public synchronized boolean contains(Membership m, String user, Object value) {
    Loaded l = loaded.get(m.key());
    Set<Object> values = l == null ? null : l.byUser.get(user);
    return values != null && value != null && values.contains(value);
  }

  /** Adds to {@code out} the users who are members of {@code value}. */
  synchronized void members(Membership m, Object value, Set<String> out) {
    Loaded l = value == null ? null : loaded.get(m.key());
    Set<String> users = l == null ? null : l.byValue.get(value);
    if (users != null) {
      out.addAll(users);
    }
  }
}
