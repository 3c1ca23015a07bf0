package io.tributary.live;

import io.tributary.live.internal.IndexProbe;
import io.tributary.query.live.LiveQuery;

/**
 * The live path's matching loop, opened for the JMH micro-benchmarks in {@code benchmarks/} and for
 * nothing else: which subscriptions one change concerns ({@link Matcher}: the hub's subscription
 * index and each candidate's compiled filter). A change's encoding once per projection is the
 * protocol layer's (the server's {@code LiveEncodingLoops}). Not an API: it may change with the
 * types behind it.
 */
public final class LiveInnerLoops {
  private LiveInnerLoops() {}

  /**
   * A subscription index as the hub's dispatcher uses it, holding subscriptions without a stream.
   * Used by one thread.
   */
  public static final class Matcher {
    private final IndexProbe probe = new IndexProbe();

    /** Adds a subscription to {@code query} (whose table and owner it is indexed under). */
    public void add(String id, LiveQuery query) {
      probe.add(id, query);
    }

    /**
     * How many subscriptions a change of a row of {@code tableId} (of {@code owner}, null for a
     * SHARED table) from {@code oldRow} to {@code newRow} matches, as the dispatcher finds them:
     * the index's candidates, then each candidate's filter on the new row.
     */
    public int matches(long tableId, String owner, Object[] oldRow, Object[] newRow) {
      return probe.matches(tableId, owner, oldRow, newRow);
    }
  }
}
