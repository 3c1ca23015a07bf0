package io.tributary.server.internal;

import io.tributary.query.exec.HotSnapshot;
import io.tributary.query.exec.HotTier;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.MembershipView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Membership as statements see it: read from the hot tier's members tables, so a statement sees
 * every membership change acknowledged before it (read your writes). Each members table is read
 * whole once per change of its high-water mark and kept as a map from user to values, so a chat
 * whose memberships do not change costs one high-water read per statement. Thread-safe.
 */
final class HotMemberships implements MembershipView {
  private record Loaded(long highWater, Map<String, Set<Object>> byUser) {}

  private final HotTier hot;
  private final Map<Membership.Key, Loaded> loaded = new ConcurrentHashMap<>();

  HotMemberships(HotTier hot) {
    this.hot = hot;
  }

  @Override
  public Set<Object> values(Membership m, String user) {
    Loaded current = loaded.get(m.key());
    long highWater = hot.highWater(m.members(), null);
    if (current == null || current.highWater() != highWater) {
      current = load(m);
      loaded.put(m.key(), current);
    }
    return current.byUser().getOrDefault(user, Set.of());
  }

  private Loaded load(Membership m) {
    HotSnapshot snapshot = hot.snapshot(m.members(), null);
    Map<String, Set<Object>> byUser = new HashMap<>();
    for (Object[] row : snapshot.rows()) {
      Object user = row[m.userColumn()];
      Object value = row[m.valueColumn()];
      if (user != null && value != null) {
        byUser.computeIfAbsent((String) user, u -> new HashSet<>()).add(value);
      }
    }
    return new Loaded(snapshot.highWater(), byUser);
  }
}
