package io.tributary.benchmarks.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the ingest benchmark with tiny sizes against both targets and checks that it produces
 * complete, sane figures, not what they are: nothing here depends on how fast this machine is.
 */
class IngestBenchmarkSmokeTest {

  @Test
  void shouldProduceFiguresForBothTargets() throws Exception {
    IngestOptions options =
        IngestOptions.parse(
            new String[] {
              "--concurrency=1,2",
              "--batch-rows=3",
              "--batch-concurrency=1",
              "--users=2",
              "--warmup-seconds=0.1",
              "--phase-seconds=0.5",
              "--jit-warmup-seconds=0",
              "--results-dir=none"
            });

    IngestReport report = IngestBenchmark.run(options);

    assertThat(report.phases())
        .extracting(p -> p.target() + "/" + p.mode() + "/" + p.inFlight())
        .containsExactly(
            "tributary/single-row/1",
            "kafka/single-row/1",
            "tributary/single-row/2",
            "kafka/single-row/2",
            "tributary/batched/1",
            "kafka/batched/1");
    assertThat(report.sizes().recordsPerInsert()).isEqualTo(1);
    assertThat(report.sizes().singleRowValueBytes()).isGreaterThan(100);
    assertThat(report.sizes().batchedValueBytes())
        .isGreaterThan(report.sizes().singleRowValueBytes());
    for (Phase p : report.phases()) {
      assertThat(p.errors()).as(p.target() + " " + p.mode() + " errors").isZero();
      assertThat(p.acknowledged()).as(p.target() + " " + p.mode() + " acks").isPositive();
      assertThat(p.latencyMicros().getTotalCount()).isEqualTo(p.acknowledged());
      assertThat(p.millis(99)).isGreaterThanOrEqualTo(p.millis(50));
      assertThat(p.percentiles()).isNotEmpty();
    }
    assertThat(report.phases().get(1).bytesPerWrite())
        .isEqualTo(report.sizes().singleRowValueBytes());
    assertThat(report.markdown()).startsWith("## Ingest").contains("### Targets");
    assertThat(report.json())
        .contains("\"scenario\": \"ingest\"")
        .contains("\"latency_distributions\"")
        .contains("\"chart\": \"ingest-latency\"")
        .contains("\"checks\"");
  }
}
