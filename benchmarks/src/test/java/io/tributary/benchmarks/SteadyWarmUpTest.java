package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SteadyWarmUpTest {

  @Test
  void shouldCallARateSteadyOnlyWhenTheLastWindowsAgree() {
    assertThat(SteadyWarmUp.steady(List.of())).isFalse();
    assertThat(SteadyWarmUp.steady(List.of(100.0, 101.0))).isFalse(); // too few windows
    assertThat(SteadyWarmUp.steady(List.of(10.0, 50.0, 100.0, 102.0, 104.0))).isTrue();
    assertThat(SteadyWarmUp.steady(List.of(100.0, 102.0, 110.0))).isFalse(); // still rising
    assertThat(SteadyWarmUp.steady(List.of(0.0, 0.0, 0.0))).isFalse(); // nothing flowed
  }

  @Test
  void shouldCallTheCompilerQuietOnlyWhenItsLastWindowWasQuiet() {
    assertThat(SteadyWarmUp.quiet(List.of())).isFalse();
    assertThat(SteadyWarmUp.quiet(List.of(0.5, 0.2, 0.04))).isTrue();
    assertThat(SteadyWarmUp.quiet(List.of(0.01, 0.3))).isFalse();
  }

  @Test
  void shouldStopAtItsLimitWhenTheRateNeverSettles() {
    double[] next = {1};
    SteadyWarmUp.Result r =
        SteadyWarmUp.run(
            0.0, // no time at all: one look, then the limit
            seconds -> next[0] *= 2);
    assertThat(r.steady()).isFalse();
    assertThat(r.windowRates()).isEmpty();
    assertThat(r.describe()).contains("NOT steady at its limit");
  }
}
