package io.tributary.client;

/**
 * A handle on one subscription opened by {@link TributaryClient#subscribe}. Thread-safe.
 *
 * <p><b>Lifecycle.</b> A subscription is <em>active</em> from the moment {@code subscribe} returns
 * until either {@link #close()} is called or its listener receives a terminal {@link
 * SubscriptionListener#onError}; then it is <em>ended</em> for good. While active it survives lost
 * connections: it resumes by itself (see {@link TributaryClient#subscribe}).
 */
public interface Subscription extends AutoCloseable {

  /**
   * The id the server gave this subscription. A subscription that resumed on a new stream has a new
   * id; this is the latest one (also after the subscription ended).
   */
  String id();

  /**
   * The {@code _seq} of the last event received: the snapshot's high-water mark once {@link
   * SubscriptionListener#onReady} was delivered, then the {@code _seq} of each change. 0 before
   * any. A resume continues right after this position.
   */
  long lastSeq();

  /**
   * Ends the subscription: asks the server to remove it and stops its callbacks. No callback starts
   * after {@code close()} returns (one already running on the listener thread may finish).
   * Idempotent, never blocks on the network, and may be called from a listener callback.
   */
  @Override
  void close();
}
