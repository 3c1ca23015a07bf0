package io.tributary.benchmarks.startup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Starts the server once as a child process and checks that the startup benchmark produces sane
 * figures, not what they are: nothing here depends on how fast this machine is.
 */
class StartupBenchmarkSmokeTest {

  @Test
  void shouldTimeAColdStartToReady() throws Exception {
    StartupOptions options =
        StartupOptions.parse(
            new String[] {
              "--cold-runs=1",
              "--warm-runs=0",
              "--launcher=no",
              "--repo-dir=..", // Maven runs the tests in the benchmarks module's directory
              "--results-dir=none"
            });

    StartupReport report = StartupBenchmark.run(options);

    assertThat(report.starts()).hasSize(1);
    ServerProcess.Start start = report.starts().get(0);
    assertThat(start.kind()).isEqualTo("cold");
    assertThat(start.readySeconds()).isPositive();
    assertThat(start.killed()).isFalse();
    assertThat(start.serverMillis()).isPositive();
    assertThat(report.markdown()).startsWith("## Startup").contains("### Targets");
    assertThat(report.json()).contains("\"scenario\": \"startup\"").contains("\"checks\"");
  }
}
