package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void shouldDoubleUpToTheCap() {
    Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(1), () -> 0.5);

    assertThat(backoff.delay(0)).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(1_000)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shouldSpreadByUpToTwentyPercent() {
    assertThat(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), () -> 0).delay(0))
        .isEqualTo(Duration.ofMillis(800));
    assertThat(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), () -> 0.999).delay(0))
        .isBetween(Duration.ofMillis(1199), Duration.ofMillis(1200));
  }

  @Test
  void shouldRejectAnEmptyRange() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot back off from PT0S up to PT1S: need 0 < initial <= max");
  }
}
