package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * Runs the fan-out benchmark with tiny sizes against its three targets and checks that it produces
 * complete, sane figures, not what they are: nothing here depends on how fast this machine is. The
 * heap probe (a child JVM) is left to the real runs. The traditional stack needs PostgreSQL
 * binaries (bundled as a dependency, or the machine's); without any, its part is skipped.
 */
class FanOutBenchmarkSmokeTest {

  @Test
  void shouldProduceFiguresForEveryTarget() throws Exception {
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
              "--pg-writers=2",
              "--results-dir=none"
            });

    Report report = FanOutBenchmark.run(options);

    String skipped = report.skipped().get("postgres");
    if (skipped != null) {
      assertThat(skipped).startsWith("Cannot find PostgreSQL binaries");
    }
    assertThat(report.phases())
        .extracting(p -> p.target() + "/" + p.mode())
        .containsSubsequence(
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
        .contains("### Latency at the fixed rate (ms)");
    assertThat(report.json())
        .contains("\"scenario\": \"fanout\"")
        .contains("\"deliveries_per_s\"")
        .contains("\"latency_from_ack_ms\"")
        .contains("\"latency_distributions\"")
        .contains("\"series\"");

    assumeTrue(skipped == null, "no PostgreSQL binaries here: " + skipped);
    assertThat(report.phases())
        .extracting(p -> p.target() + "/" + p.mode())
        .containsExactly(
            "tributary/rate",
            "tributary/saturation",
            "ceiling/rate",
            "ceiling/saturation",
            "postgres/rate",
            "postgres/saturation");
    assertThat(report.markdown()).contains("deliveries/s vs traditional stack, 8-4");
    assertThat(report.latencyDistributions())
        .extracting(d -> d.get("series"))
        .contains("Traditional (PostgreSQL + pg_notify + relay)");
  }

  /**
   * PostgreSQL as Tributary's source beside the traditional stack, on the same PostgreSQL in the
   * same run (issue 18): every committed INSERT reaches every matching subscriber.
   */
  @Test
  void shouldMeasureThePostgresSourceBesideTheTraditionalStack() throws Exception {
    FanOutOptions options =
        FanOutOptions.parse(
            new String[] {
              "--targets=tributary,postgres,pgsource",
              "--scenarios=8-4",
              "--connections=2",
              "--users=2",
              "--rates=0.08",
              "--window=4",
              "--warmup-seconds=0.1",
              "--phase-seconds=0.3",
              "--jit-warmup-seconds=0",
              "--heap-subscriptions=0",
              "--pg-writers=2",
              "--results-dir=none"
            });

    Report report = FanOutBenchmark.run(options);

    String skipped = report.skipped().get("postgres");
    assumeTrue(skipped == null, "no PostgreSQL binaries here: " + skipped);
    assertThat(report.skipped()).doesNotContainKey("pgsource");
    assertThat(report.phases())
        .extracting(p -> p.target() + "/" + p.mode())
        .contains("pgsource/rate", "pgsource/saturation");
    for (PhaseResult p : report.phases()) {
      assertThat(p.errors() + p.failures()).as(p.target() + " errors").isZero();
      if (p.target().equals("pgsource") && p.mode().equals("rate")) {
        assertThat(p.deliveries()).isEqualTo(p.expectedDeliveries());
        assertThat(p.latencyFromAck().p99()).isGreaterThanOrEqualTo(p.latencyFromAck().p50());
      }
    }
    assertThat(report.markdown()).contains("PostgreSQL source");
  }
}
