package io.tributary.server.live;

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
 */
public record LiveConfig(
    int maxSubscriptionsPerStream,
    int maxSubscriptionsPerUser,
    int streamQueueCapacity,
    Duration heartbeatInterval,
    Duration resumeTimeout) {

  public static LiveConfig defaults() {
    return new LiveConfig(1_000, 10_000, 10_000, Duration.ofSeconds(15), Duration.ofSeconds(15));
  }

  public LiveConfig withStreamQueueCapacity(int capacity) {
    return new LiveConfig(
        maxSubscriptionsPerStream,
        maxSubscriptionsPerUser,
        capacity,
        heartbeatInterval,
        resumeTimeout);
  }

  public LiveConfig withLimits(int perStream, int perUser) {
    return new LiveConfig(
        perStream, perUser, streamQueueCapacity, heartbeatInterval, resumeTimeout);
  }
}
