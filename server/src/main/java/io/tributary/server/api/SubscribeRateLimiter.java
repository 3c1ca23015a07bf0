package io.tributary.server.api;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Limits how fast one user subscribes and unsubscribes: a token bucket per user account, over all
 * their connections (so opening more connections does not raise it), refilled at {@code rate}
 * operations per second up to {@code burst}. An operation past it fails with RATE_LIMITED before
 * anything is analyzed or set up, so a flood costs the server almost nothing; the connection and
 * the user's other subscriptions carry on. Thread-safe.
 *
 * <p>Memory: one bucket per user that subscribed recently. A bucket that has refilled is the same
 * as none, so those are dropped whenever the map has doubled since the last sweep.
 */
final class SubscribeRateLimiter {
  private static final int MIN_SWEEP_SIZE = 1_024;

  private final double ratePerNano;
  private final double burst;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile int sweepAt = MIN_SWEEP_SIZE;

  SubscribeRateLimiter(double ratePerSecond, int burst, LongSupplier nanos) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.nanos = nanos;
  }

  /**
   * Takes one operation from the user's bucket.
   *
   * @throws TributaryException RATE_LIMITED when the bucket is empty
   */
  void acquire(String userId, String user, String action) {
    long now = nanos.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(userId, id -> new Bucket(burst, now));
    if (!bucket.take(now, ratePerNano, burst)) {
      throw TributaryException.of(
          ErrorCode.RATE_LIMITED,
          "Cannot %s: user %s subscribes and unsubscribes faster than %s operations per second"
              + " (bursts of %d); retry later",
          action,
          user,
          formatRate(ratePerNano * 1e9),
          (long) burst);
    }
    if (buckets.size() >= sweepAt) {
      sweep(now);
    }
  }

  /** How many users hold a bucket (for tests). */
  int buckets() {
    return buckets.size();
  }

  private synchronized void sweep(long now) {
    if (buckets.size() < sweepAt) {
      return;
    }
    buckets.values().removeIf(b -> b.full(now, ratePerNano, burst));
    sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * buckets.size());
  }

  private static String formatRate(double rate) {
    return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
  }

  private static final class Bucket {
    private double tokens;
    private long refilledAt;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAt = now;
    }

    synchronized boolean take(long now, double ratePerNano, double burst) {
      refill(now, ratePerNano, burst);
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }

    synchronized boolean full(long now, double ratePerNano, double burst) {
      refill(now, ratePerNano, burst);
      return tokens >= burst;
    }

    private void refill(long now, double ratePerNano, double burst) {
      long elapsed = now - refilledAt;
      if (elapsed > 0) {
        tokens = Math.min(burst, tokens + elapsed * ratePerNano);
        refilledAt = now;
      }
    }
  }
}
