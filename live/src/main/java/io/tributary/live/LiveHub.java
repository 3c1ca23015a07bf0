package io.tributary.live;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.live.internal.Hub;
import io.tributary.log.Log;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.Action;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.HotTier;
import java.util.List;

/**
 * Live subscriptions (DESIGN.md section 5): the streams of connected clients, their subscriptions,
 * and the dispatcher that turns the materializer's applied changes into events.
 *
 * <p>Opening a subscription: register it (changes from now on are buffered), open a point-in-time
 * view of its key range, send the matching rows batch by batch as the client takes them, then the
 * buffered changes with {@code _seq} greater than the view's high-water mark H, and go live.
 * Resuming from {@code from_seq = F} replaces the rows by the changes F < {@code _seq} ≤ H read
 * back from the log. Either way nothing is missed and nothing is sent twice.
 *
 * <p>Every error a client sees carries an {@link io.tributary.query.ErrorCode}; a subscription that
 * is closed with one also carries the {@code _seq} to resume from (or -1: subscribe again).
 */
public interface LiveHub extends AutoCloseable {

  /**
   * Creates a hub; it does not start it.
   *
   * @param log where replays read changes back from
   * @param encoder the protocol's encoding of every event
   * @param time the clocks heartbeats, deadlines and lags read
   */
  static LiveHub create(
      Log log, LiveConfig config, MeterRegistry registry, EventEncoder encoder, TimeSource time) {
    return new Hub(log, config, registry, encoder, time);
  }

  /**
   * Starts dispatching and heartbeats. The hub reads snapshots from {@code hotTier}; it is created
   * before the materializer (which needs {@link #changeListener()}) and started after it.
   */
  void start(HotTier hotTier);

  /**
   * The hook the materializer calls with each command's applied changes. It never blocks the
   * caller: the changes are queued for the dispatcher, up to {@link LiveConfig#handoffCapacity}
   * commands. When that queue is full the changes (and every later one until the dispatcher has
   * emptied it) are not queued; instead the hub notes their key ranges, and once the dispatcher has
   * delivered everything queued before them it closes every subscription of those ranges with
   * SUBSCRIBER_TOO_SLOW and the {@code _seq} of the last change it delivered, from which the client
   * resumes. No subscription that stays open misses a change.
   */
  ChangeListener changeListener();

  /**
   * Registers a client's multiplexed event stream, which first receives its id and then carries the
   * subscriptions {@link #subscribe} adds to it.
   *
   * @return the stream's id
   */
  String openStream(StreamOwner owner, Sink sink);

  /**
   * Registers a client's one-shot event stream: it carries the one subscription {@link
   * #subscribeOneShot} adds and ends with it.
   *
   * @return the stream's id
   */
  String openOneShotStream(StreamOwner owner, Sink sink);

  /**
   * Adds an analyzed subscription to a stream of {@code caller} and sends its snapshot (or its
   * replay); returns once it is live.
   *
   * @return the subscription's id
   */
  String subscribe(StreamOwner caller, String streamId, Action.Subscribe action);

  /**
   * Adds the only subscription of a one-shot stream and sends its snapshot from the hub's own
   * thread; a failure ends the stream with a coded error event.
   */
  void subscribeOneShot(String streamId, Action.Subscribe action);

  /** Ends a one-shot stream whose statement could not be analyzed (the caller reports why). */
  void failOneShot(String streamId);

  /** Removes a subscription at its client's request. */
  void unsubscribe(StreamOwner caller, String streamId, String subscriptionId);

  /** KILL LIVE QUERY: closes any subscription with a coded error. */
  void kill(String subscriptionId);

  /**
   * Rows of system.live visible to an account: its own subscriptions, or all for dba and system.
   */
  List<Object[]> systemLiveRows(String userId, Role role);

  /**
   * Follows an account change this node applied to its catalog: a dropped account loses its streams
   * and every subscription acting as it; a changed password ends the streams opened with tokens
   * issued before. Never blocks on a client.
   *
   * @param before the account that held the name before the change, or null
   * @param after the account that holds it now, or null when the name was dropped
   */
  void accountChanged(UserDef before, UserDef after);

  /**
   * Told when a row policy of a table was created or dropped (also with its table): closes the open
   * subscriptions to it that row policies limit (role {@code user}, EXECUTE AS USER included) with
   * UNAVAILABLE, to subscribe again under the policies as they are now. Never blocks on a client.
   *
   * <p>A subscription analyzed before the change but registered after it (its {@link
   * io.tributary.query.Action.Subscribe#catalogVersion} ≤ {@code catalogOffset}) is refused with
   * the same error: whichever of the two comes first, no subscription stays under the policies
   * before the change.
   *
   * @param qualifiedTable the table's {@code namespace.name}
   * @param catalogOffset the offset of the policy record in the catalog topic
   */
  void policiesChanged(String qualifiedTable, long catalogOffset);

  @Override
  void close();
}
