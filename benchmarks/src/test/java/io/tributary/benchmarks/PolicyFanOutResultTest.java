package io.tributary.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.benchmarks.PolicyFanOutBenchmark.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The options in both of their forms, and the report's arithmetic on made-up phases. */
class PolicyFanOutResultTest {

  @Test
  void shouldReadTheFirstFormOfTheOptionsAndTheKeyValueForm() {
    PolicyFanOutOptions o =
        PolicyFanOutOptions.parse(
            new String[] {
              "--conversations",
              "100",
              "--seconds",
              "20",
              "--writers",
              "4",
              "--rate",
              "400",
              "--repetitions",
              "3",
              "--partitioned",
              "--results-dir=none"
            });

    assertThat(o.conversations()).isEqualTo(100);
    assertThat(o.seconds()).isEqualTo(20);
    assertThat(o.writers()).isEqualTo(4);
    assertThat(o.rate()).isEqualTo(400);
    assertThat(o.repetitions()).isEqualTo(3);
    assertThat(o.partitioned()).isTrue();
    assertThat(o.closedLoop()).isFalse();
    assertThat(o.resultsDir()).isNull();
    PolicyFanOutOptions closed =
        PolicyFanOutOptions.parse(new String[] {"--rate=0", "--durability", "pagecache"});
    assertThat(closed.closedLoop()).isTrue();
    assertThat(closed.partitioned()).isFalse();
    assertThat(closed.durability()).isEqualTo("pagecache");
  }

  @Test
  void shouldRefuseBadOptionsWithAClearMessage() {
    assertThatThrownBy(() -> PolicyFanOutOptions.parse(new String[] {"--seconds", "0"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use --seconds=0: must be positive");
    assertThatThrownBy(() -> PolicyFanOutOptions.parse(new String[] {"--durability", "nfs"}))
        .hasMessage("Cannot use --durability=nfs: expected fsync or pagecache");
    assertThatThrownBy(() -> PolicyFanOutOptions.parse(new String[] {"--members", "3"}))
        .hasMessageStartingWith("Cannot read option --members=3");
  }

  @Test
  void shouldReportEveryRepetitionAndCompareTheMedianRatiosWithTheTargets() {
    PolicyFanOutOptions o = PolicyFanOutOptions.parse(new String[] {"--results-dir=none"});
    List<Phase> phases = new ArrayList<>();
    // Deliveries/s ratios 0.9, 0.5, 0.85 (median 0.85); p99 ratios 1.1, 2.0, 1.0 (median 1.1).
    double[][] perRep = {{1000, 10, 900, 11}, {1000, 10, 500, 20}, {1000, 10, 850, 10}};
    for (int r = 0; r < 3; r++) {
      boolean policedFirst = r % 2 == 1;
      phases.add(
          phase(
              PolicyFanOutBenchmark.OPEN,
              r + 1,
              policedFirst ? 2 : 1,
              perRep[r][0],
              perRep[r][1],
              true));
      phases.add(
          phase(
              PolicyFanOutBenchmark.POLICED,
              r + 1,
              policedFirst ? 1 : 2,
              perRep[r][2],
              perRep[r][3],
              r != 2));
    }

    PolicyFanOutResult result = new PolicyFanOutResult(o, Map.of("cpus", 2), 596, phases);

    assertThat(result.repetitions()).containsExactly(1, 2, 3);
    assertThat(PolicyFanOutResult.median(result.throughputRatios())).isEqualTo(0.85, within());
    assertThat(PolicyFanOutResult.median(result.p99Ratios())).isEqualTo(1.1, within());
    List<Map<String, Object>> checks = result.checks();
    // One warm-up hit its limit: the ratios are within their targets but do not count.
    assertThat((String) checks.get(0).get("figure"))
        .contains("0.85×")
        .contains("0.50×")
        .contains("not counted");
    assertThat(checks.get(0).get("met")).isEqualTo(false);
    assertThat(checks.get(1).get("met")).isEqualTo(false);
    assertThat(checks.get(2).get("met")).isEqualTo(true);
    assertThat(checks.get(3).get("met")).isEqualTo(false);
    List<Phase> steady = new ArrayList<>();
    for (Phase p : phases) {
      steady.add(
          new Phase(
              p.name(),
              p.repetition(),
              p.order(),
              new SteadyWarmUp.Result(40, true, List.of(), List.of()),
              p.messages(),
              p.seconds(),
              p.lateSeconds(),
              p.expected(),
              p.deliveries(),
              p.foreign(),
              p.failures(),
              p.firstFailure(),
              p.deliverySeconds(),
              p.latencyMicros(),
              p.serverCores(),
              p.clientCores()));
    }
    List<Map<String, Object>> counted =
        new PolicyFanOutResult(o, Map.of("cpus", 2), 596, steady).checks();
    assertThat(counted.get(0).get("met")).isEqualTo(true);
    assertThat(counted.get(1).get("met")).isEqualTo(true);
    assertThat(counted.get(3).get("met")).isEqualTo(true);
    String md = result.markdown();
    assertThat(md.lines().filter(l -> l.startsWith("| ") && l.contains("membership index")))
        .hasSize(3);
    assertThat(md).contains("**not steady**").contains("### Checks (issue 16's benchmark)");
    assertThat(Json.write(result.toMap())).contains("\"median_deliveries_per_s_ratio\": 0.85");
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(0.01);
  }

  /** A phase of 10 s whose deliveries all arrived within the window, p99 about {@code p99}. */
  private static Phase phase(
      String name, int rep, int order, double perSecond, double p99, boolean steady) {
    Histogram h = new Histogram(600_000_000L, 3);
    h.recordValueWithCount((long) (p99 * 1000), 1000);
    long deliveries = (long) (perSecond * 10);
    return new Phase(
        name,
        rep,
        order,
        new SteadyWarmUp.Result(40, steady, List.of(p99, p99, p99), List.of(0.01)),
        deliveries / 5,
        10,
        0.001,
        deliveries,
        deliveries,
        0,
        0,
        null,
        10,
        h,
        1.2,
        0.6);
  }
}
