package io.tributary.live;

import java.time.Duration;

/**
 * Limits and timings of live subscriptions.
 *
 * @param maxSubscriptionsPerStream subscriptions one event stream (one client connection) may carry
 * @param maxSubscriptionsPerUser subscriptions one user may hold over all their streams
 * @param streamQueueCapacity events buffered per stream; a subscriber whose events do not fit is
 *     closed with SUBSCRIBER_TOO_SLOW (its last {@code _seq} lets it resume), so heap stays bounded
 * @param heartbeatInterval how often an idle stream gets a heartbeat
 * @param resumeTimeout how long a resume may wait for the change log to catch up
 * @param snapshotStallTimeout how long a snapshot waits for its client to take the previous batch
 *     before it fails with SUBSCRIBER_TOO_SLOW
 * @param snapshotMaxDuration how long a snapshot may keep its point-in-time view of the store open
 *     (it pins the store's memtables and files) before it fails with SUBSCRIBER_TOO_SLOW
 * @param handoffCapacity commands' changes the materializer may hand over before the dispatcher
 *     matched them; when it is full the materializer does not wait: see {@link
 *     LiveHub#changeListener()}
 * @param subscribeRate subscribe and unsubscribe operations one user may make per second, on
 *     average over all their connections (a token bucket refilled at this rate); past it the
 *     operation fails with RATE_LIMITED and changes nothing
 * @param subscribeBurst how many such operations a user may make at once (the bucket's size)
 */
public record LiveConfig(
    int maxSubscriptionsPerStream,
    int maxSubscriptionsPerUser,
    int streamQueueCapacity,
    Duration heartbeatInterval,
    Duration resumeTimeout,
    Duration snapshotStallTimeout,
    Duration snapshotMaxDuration,
    int handoffCapacity,
    double subscribeRate,
    int subscribeBurst) {

  /** Default {@link #subscribeRate()}: far above what an app's screens and reconnects need. */
  public static final double DEFAULT_SUBSCRIBE_RATE = 200;

  /** Default {@link #subscribeBurst()}: a full stream's subscriptions, resubscribed at once. */
  public static final int DEFAULT_SUBSCRIBE_BURST = 1_000;

  public LiveConfig {
    if (!(subscribeRate > 0) || subscribeBurst < 1) {
      throw new IllegalArgumentException(
          "Cannot configure live subscriptions: the subscribe rate must be positive and the burst"
              + " at least 1, not "
              + subscribeRate
              + " and "
              + subscribeBurst);
    }
  }

  /** The same limits and timings without the subscribe rate (the default rate and burst). */
  public LiveConfig(
      int maxSubscriptionsPerStream,
      int maxSubscriptionsPerUser,
      int streamQueueCapacity,
      Duration heartbeatInterval,
      Duration resumeTimeout,
      Duration snapshotStallTimeout,
      Duration snapshotMaxDuration,
      int handoffCapacity) {
    this(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        streamQueueCapacity,
        heartbeatInterval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        handoffCapacity,
        DEFAULT_SUBSCRIBE_RATE,
        DEFAULT_SUBSCRIBE_BURST);
  }

  public static LiveConfig defaults() {
    return new LiveConfig(
        1_000,
        10_000,
        10_000,
        Duration.ofSeconds(15),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Duration.ofMinutes(5),
        65_536);
  }

  public LiveConfig withStreamQueueCapacity(int capacity) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        capacity,
        heartbeatInterval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        handoffCapacity,
        subscribeRate,
        subscribeBurst);
  }

  public LiveConfig withLimits(int perStream, int perUser) {
    return new LiveConfig(
        perStream,
        perUser,
        streamQueueCapacity,
        heartbeatInterval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        handoffCapacity,
        subscribeRate,
        subscribeBurst);
  }

  public LiveConfig withSnapshotTimeouts(Duration stall, Duration maxDuration) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        streamQueueCapacity,
        heartbeatInterval,
        resumeTimeout,
        stall,
        maxDuration,
        handoffCapacity,
        subscribeRate,
        subscribeBurst);
  }

  public LiveConfig withHandoffCapacity(int capacity) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        streamQueueCapacity,
        heartbeatInterval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        capacity,
        subscribeRate,
        subscribeBurst);
  }

  public LiveConfig withHeartbeatInterval(Duration interval) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        streamQueueCapacity,
        interval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        handoffCapacity,
        subscribeRate,
        subscribeBurst);
  }

  /** The same, with {@code rate} subscribe and unsubscribe operations per second and user. */
  public LiveConfig withSubscribeRate(double rate, int burst) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        streamQueueCapacity,
        heartbeatInterval,
        resumeTimeout,
        snapshotStallTimeout,
        snapshotMaxDuration,
        handoffCapacity,
        rate,
        burst);
  }
}
