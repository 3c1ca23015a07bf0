package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket per user: a burst, then the rate; users apart; buckets that refilled go. */
class SubscribeRateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(5 * SECOND);
  private final SubscribeRateLimiter limiter = new SubscribeRateLimiter(200, 1_000, now::get);

  @Test
  void shouldAllowABurstThenTheRateAndRefuseWithRateLimited() {
    for (int i = 0; i < 1_000; i++) {
      limiter.acquire("id-a", "alice", "add a subscription");
    }
    assertRefused("id-a");
    limiter.acquire("id-b", "bob", "add a subscription"); // another user has a bucket of its own

    now.addAndGet(SECOND / 2); // 100 operations' worth
    for (int i = 0; i < 100; i++) {
      limiter.acquire("id-a", "alice", "remove a subscription");
    }
    assertRefused("id-a");

    now.addAndGet(3_600 * SECOND); // refills to the burst, not beyond
    for (int i = 0; i < 1_000; i++) {
      limiter.acquire("id-a", "alice", "subscribe");
    }
    assertRefused("id-a");
  }

  @Test
  void shouldForgetTheBucketsOfUsersWhoStoppedOnceTheMapGrows() {
    for (int u = 0; u < 1_023; u++) {
      limiter.acquire("id-" + u, "u" + u, "subscribe");
    }
    assertThat(limiter.buckets()).isEqualTo(1_023);
    now.addAndGet(10 * SECOND); // every bucket refilled
    limiter.acquire("fresh", "fresh", "subscribe");

    assertThat(limiter.buckets()).isEqualTo(1); // only the one that is not full
  }

  private void assertRefused(String userId) {
    assertThatThrownBy(() -> limiter.acquire(userId, "alice", "add a subscription"))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED))
        .hasMessage(
            "Cannot add a subscription: user alice subscribes and unsubscribes faster than 200"
                + " operations per second (bursts of 1000); retry later");
  }
}
