package io.tributary.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff between attempts to reopen the live stream: {@code initial * 2^failures},
 * capped at {@code max}, each spread by up to ±20% so that clients cut off together do not come
 * back together.
 *
 * @param random values in [0, 1) that choose the spread; tests pass a constant
 */
record Backoff(Duration initial, Duration max, DoubleSupplier random) {

  static final Backoff DEFAULT =
      new Backoff(
          Duration.ofMillis(250),
          Duration.ofSeconds(30),
          () -> ThreadLocalRandom.current().nextDouble());

  private static final double SPREAD = 0.2;

  Backoff {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "Cannot back off from " + initial + " up to " + max + ": need 0 < initial <= max");
    }
  }

  /** The wait before the attempt that follows {@code failures} failed attempts in a row. */
  Duration delay(int failures) {
    long maxNanos = max.toNanos();
    long nanos = initial.toNanos();
    for (int i = 0; i < failures && nanos < maxNanos; i++) {
      nanos = Math.min(maxNanos, nanos * 2);
    }
    double factor = 1 - SPREAD + 2 * SPREAD * random.getAsDouble();
    return Duration.ofNanos((long) (nanos * factor));
  }
}
