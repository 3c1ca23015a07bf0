package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the chat scenario with tiny sizes (its server in its own JVM, as in a real run) and checks
 * what it delivered, not how fast: every change reached every member of its conversation exactly
 * once and nobody else, in every step.
 */
class ChatBenchmarkSmokeTest {

  @Test
  void shouldDeliverEveryChangeToEveryMemberExactlyOnce() throws Exception {
    ChatOptions options =
        ChatOptions.parse(
            new String[] {
              "--users=12",
              "--conversations=8",
              "--writers=2",
              "--steps=20,40",
              "--step-seconds=1",
              "--warmup-seconds=0.5",
              "--stop-after-miss=false",
              "--server-jvm-flags=-Xmx512m",
              "--results-dir=none"
            });

    ChatResult result = ChatBenchmark.run(options);

    assertThat(result.streamErrors()).isEmpty();
    assertThat(result.steps()).hasSize(2);
    for (StepResult s : result.steps()) {
      assertThat(s.inserts()).as("inserts at %d/s", s.offeredPerSecond()).isPositive();
      assertThat(s.failures()).as("failed inserts: %s", s.firstFailure()).isZero();
      assertThat(s.expectedDeliveries()).isGreaterThanOrEqualTo(2 * s.inserts());
      assertThat(s.deliveries()).isEqualTo(s.expectedDeliveries());
      assertThat(s.missing()).isZero();
      assertThat(s.duplicates()).isZero();
      assertThat(s.foreign()).isZero();
      assertThat(s.latencyMicros().getTotalCount()).isEqualTo(s.deliveries());
      assertThat(s.exact()).isTrue();
    }
    assertThat(result.markdown()).contains("## Chat").contains("baseline not run");
    assertThat(result.toMap()).containsKeys("checks", "latency_distributions", "series");
  }
}
