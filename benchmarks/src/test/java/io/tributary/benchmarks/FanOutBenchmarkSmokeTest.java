package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the fan-out benchmark with tiny sizes against both targets and checks that it produces
 * complete, sane figures, not what they are: nothing here depends on how fast this machine is. The
 * heap probe (a child JVM) is left to the real runs.
 */
class FanOutBenchmarkSmokeTest {

  @Test
  void shouldProduceFiguresForBothTargets() throws Exception {
    FanOutOptions options =
        FanOutOptions.parse(
            new String[] {
              "--scenarios=8-4",
              "--connections=2",
              "--users=2",
              "--rates=0.08", // per 1,000 matches: 20 changes/s for 4 matches
              "--window=4",
              "--warmup-seconds=0.1",
              "--phase-seconds=0.3",
              "--jit-warmup-seconds=0",
              "--heap-subscriptions=0", // its child JVM and full GCs would double the time
              "--results-dir=none"
            });

    Report report = FanOutBenchmark.run(options);

    assertThat(report.phases())
        .extracting(p -> p.target() + "/" + p.mode())
        .containsExactly(
            "tributary/rate", "tributary/saturation", "ceiling/rate", "ceiling/saturation");
    for (PhaseResult p : report.phases()) {
      assertThat(p.errors() + p.failures()).as(p.target() + " errors").isZero();
      assertThat(p.changes()).as(p.target() + " changes").isPositive();
      assertThat(p.deliveriesPerSecond()).as(p.target() + " deliveries/s").isPositive();
      if (p.mode().equals("rate")) {
        assertThat(p.deliveries()).isEqualTo(p.expectedDeliveries());
        assertThat(p.latencyFromAck().count()).isEqualTo(p.deliveries());
        assertThat(p.latencyFromAck().p99()).isGreaterThanOrEqualTo(p.latencyFromAck().p50());
      }
    }
    assertThat(report.markdown())
        .contains("## Targets")
        .contains("deliveries/s vs ceiling, 8-4")
        .contains("## Latency at fixed rates (ms)");
    assertThat(report.json()).contains("\"deliveries_per_s\"").contains("\"latency_from_ack_ms\"");
  }
}
