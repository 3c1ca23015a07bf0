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
 */
public record LiveConfig(
    int maxSubscriptionsPerStream,
    int maxSubscriptionsPerUser,
    int streamQueueCapacity,
    Duration heartbeatInterval,
    Duration resumeTimeout,
    Duration snapshotStallTimeout,
    Duration snapshotMaxDuration,
    int handoffCapacity) {

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
        handoffCapacity);
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
        handoffCapacity);
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
        handoffCapacity);
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
        capacity);
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
        handoffCapacity);
  }
}
