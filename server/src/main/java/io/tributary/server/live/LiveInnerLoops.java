package io.tributary.server.live;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * The live path's two inner loops, opened for the JMH micro-benchmarks in {@code benchmarks/} and
 * for nothing else: which subscriptions one change concerns ({@link Matcher}, the hub's {@link
 * SubscriptionIndex} and each candidate's compiled filter) and a change's events encoded once per
 * projection ({@link #encodeInsertOnce}, {@link EncodedChange}). Not an API: the types behind it
 * stay package-private, and it may change with them.
 */
public final class LiveInnerLoops {
  private LiveInnerLoops() {}

  /**
   * A subscription index as the hub's dispatcher uses it, holding subscriptions without a stream.
   * Used by one thread.
   */
  public static final class Matcher {
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final List<Subscription> candidates = new ArrayList<>();

    /** Adds a subscription to {@code query} (whose table and owner it is indexed under). */
    public void add(String id, LiveQuery query) {
      index.add(new Subscription(id, null, query, query.columns(), "reader", "reader", 0));
    }

    /**
     * How many subscriptions a change of a row of {@code tableId} (of {@code owner}, null for a
     * SHARED table) from {@code oldRow} to {@code newRow} matches, as the dispatcher finds them:
     * the index's candidates, then each candidate's filter on the new row.
     */
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

  /** The field every event of subscription {@code id} starts with. */
  public static byte[] idField(String id) {
    return EventBytes.field(LiveEvent.SUBSCRIPTION_ID_FIELD_NUMBER, id);
  }

  /**
   * An inserted row's events for every subscription whose id field is in {@code idFields}, all with
   * the projection {@code columns}, as the hub builds them: the insert field encoded once, each
   * event that subscription's id field followed by those same bytes, the events written into one
   * {@code LiveEventBatch}.
   *
   * @return the events' serialized bytes (without the batch's framing)
   */
  public static long encodeInsertOnce(
      AppliedChange change, List<Integer> columns, byte[][] idFields) {
    byte[] body = new EncodedChange(change).insert(columns);
    List<EventBytes> events = new ArrayList<>(idFields.length);
    long bytes = 0;
    for (byte[] idField : idFields) {
      EventBytes event = new EventBytes(idField, body);
      events.add(event);
      bytes += event.size();
    }
    return EncodedBatch.of(events).bytes().length > 0 ? bytes : -1;
  }

  /**
   * The wire form of a row, as every event carries it: the values of {@code columns}, then _seq.
   */
  public static Row row(TableDef table, List<Integer> columns, Object[] values) {
    return EncodedChange.row(table, columns, values);
  }
}
