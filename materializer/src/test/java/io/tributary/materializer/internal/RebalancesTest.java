package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class RebalancesTest {
  private final Rebalances rebalances = new Rebalances();

  @Test
  void shouldAcceptTheRebalanceOfAStart() {
    rebalances.transition(KafkaStreams.State.REBALANCING, 0);
    rebalances.transition(KafkaStreams.State.RUNNING, 2_000);

    assertThat(rebalances.problem(60_000, 30_000)).isNull();
  }

  @Test
  void shouldReportARebalanceThatLastsLongerThanTheBound() {
    rebalances.transition(KafkaStreams.State.REBALANCING, 0);

    assertThat(rebalances.problem(10_000, 30_000)).isNull();
    assertThat(rebalances.problem(31_000, 30_000))
        .isEqualTo("Kafka Streams has been rebalancing for 31 s");
  }

  @Test
  void shouldReportRebalancesInALoopAndForgetThemAfterTheWindow() {
    for (long t = 0; t < 3 * 25_000; t += 25_000) {
      rebalances.transition(KafkaStreams.State.REBALANCING, t);
      rebalances.transition(KafkaStreams.State.RUNNING, t + 1_000);
    }

    assertThat(rebalances.problem(60_000, 30_000))
        .isEqualTo(
            "Kafka Streams rebalanced 3 times in the last 120 s (a fenced or failing stream"
                + " thread)");
    assertThat(rebalances.problem(60_000 + 120_000, 30_000)).isNull();
  }
}
