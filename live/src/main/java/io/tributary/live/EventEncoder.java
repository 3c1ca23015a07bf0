package io.tributary.live;

import io.tributary.materializer.AppliedChange;
import io.tributary.query.TributaryException;
import io.tributary.query.live.LiveQuery;
import java.util.List;

/**
 * Encodes the events of live streams; the protocol layer implements it and is the only place that
 * knows their format. Every method returns bytes the live module queues as they are and hands to a
 * {@link Sink}: an event is a head ({@link #subscriptionHead}, or empty for a stream's own events)
 * followed by one of the bodies below.
 *
 * <p>A change is encoded once per change and projection, however many subscriptions receive it:
 * {@link #change} returns a per-change cache the dispatcher shares across every matching
 * subscription (DESIGN.md section 5).
 */
public interface EventEncoder {
  /** The head every event of subscription {@code subscriptionId} starts with. */
  byte[] subscriptionHead(String subscriptionId);

  /** The first event of a multiplexed stream: its id. */
  byte[] opened(String streamId);

  /** An idle stream's heartbeat. */
  byte[] heartbeat(long serverTimeMillis);

  /** A subscription's first event: its columns (then {@code _seq}), primary key and ORDER BY. */
  byte[] subscribed(LiveQuery query);

  /** One batch of a subscription's snapshot rows, in order; {@code hasMore} unless the last. */
  byte[] initialRows(LiveQuery query, List<Object[]> rows, boolean hasMore);

  /** The end of a subscription's snapshot (or replay): it is live from {@code seq} on. */
  byte[] ready(long seq);

  /**
   * A coded error that ends a subscription (with a subscription's head) or a stream (alone).
   *
   * @param lastSeq the {@code _seq} to resume from, or -1 when the client must subscribe again
   */
  byte[] error(TributaryException error, long lastSeq);

  /** The bytes an event of {@code eventSize} bytes takes in a message (the sink's framing). */
  int framedSize(int eventSize);

  /** A change's encodings, built on first use and shared; used by one thread. */
  ChangeEncoding change(AppliedChange change);

  /**
   * One change's event bodies. A row that is the change's own old or new row (the same array) is
   * encoded once per projection, and so is each body made only of them; {@code columns} are
   * compared by identity (the hub shares one list per distinct projection).
   */
  interface ChangeEncoding {
    /** A row entered the subscription's view. */
    byte[] insert(List<Integer> columns, Object[] row);

    /** A row of the subscription's view changed. */
    byte[] update(List<Integer> columns, Object[] oldRow, Object[] newRow);

    /** A row left the subscription's view. */
    byte[] delete(List<Integer> columns, Object[] row);
  }
}
