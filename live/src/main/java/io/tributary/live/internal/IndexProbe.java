package io.tributary.live.internal;

import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * The dispatcher's matching loop over subscriptions without a stream, for {@link
 * io.tributary.live.LiveInnerLoops}: the hub's {@link SubscriptionIndex}, then each candidate's
 * compiled filter. Used by one thread.
 */
public final class IndexProbe {
  private static final byte[] NO_HEAD = new byte[0];
  private final SubscriptionIndex index = new SubscriptionIndex();
  private final List<Subscription> candidates = new ArrayList<>();

  /** Adds a subscription to {@code query} (whose table and owner it is indexed under). */
  public void add(String id, LiveQuery query) {
    index.add(
        new Subscription(id, null, query, query.columns(), "reader", "reader", 0, null, NO_HEAD));
  }

  /** How many subscriptions a change of these rows matches, as the dispatcher finds them. */
  public int matches(long tableId, String owner, Object[] oldRow, Object[] newRow) {
    candidates.clear();
    index.candidates(tableId, owner, oldRow, newRow, candidates);
    int n = 0;
    for (Subscription s : candidates) {
      if (s.query.predicate().test(newRow)) {
        n++;
      }
    }
    return n;
  }
}
