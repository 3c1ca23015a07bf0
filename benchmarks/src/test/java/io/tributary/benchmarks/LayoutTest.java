package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayoutTest {

  @Test
  void shouldMakeExactlyTheRequestedMatchesEvenWhenFewerThanConnections() {
    for (int[] shape :
        new int[][] {
          {100, 1_000, 10},
          {100, 1_000, 1_000},
          {100, 100_000, 1_000},
          {7, 50, 3},
          {4, 8, 4},
          {100, 10_000, 10_000},
          {10, 30, 25}
        }) {
      Layout layout = new Layout("l", shape[0], shape[1], shape[2]);
      int matches = 0;
      Map<Integer, Integer> perConnection = new HashMap<>();
      for (int i = 0; i < layout.subscriptions(); i++) {
        if (layout.room(i) == Layout.HOT_ROOM) {
          matches++;
          perConnection.merge(layout.connection(i), 1, Integer::sum);
        }
      }
      assertThat(matches).as("matches of %s", layout).isEqualTo(shape[2]);
      int least = perConnection.size() < shape[0] ? 0 : min(perConnection);
      int most = perConnection.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
      assertThat(most - least).as("spread over connections of %s", layout).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void shouldRefuseMoreMatchesThanSubscriptions() {
    assertThatThrownBy(() -> new Layout("l", 2, 4, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot lay out 5 matches among 4 subscriptions");
  }

  private static int min(Map<Integer, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
  }
}
