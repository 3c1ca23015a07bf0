package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.benchmarks.chat.ChatBenchmark.TargetRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The report's arithmetic on made-up runs: medians over repetitions, and met or missed. */
class ChatResultTest {
  private static final ChatOptions OPTIONS =
      ChatOptions.parse(
          new String[] {
            "--steps=500,1000,2000", "--step-seconds=10", "--results-dir=none", "--modes=fsync"
          });

  @Test
  void shouldCompareMediansOfEveryRepetitionAndStateMetOrMissed() {
    List<TargetRun> runs = new ArrayList<>();
    int[][] walls = {{2000, 2000, 1000}, {500, 500, 1000}, {2000, 2000, 2000}};
    String[] names = {"tributary", "postgres", "ceiling"};
    for (int rep = 0; rep < 3; rep++) {
      for (int t = 0; t < 3; t++) {
        String mode = names[t].equals("ceiling") ? "none" : "fsync";
        runs.add(run(names[t], mode, rep + 1, false, walls[t][rep], 1.0, 5.0));
        runs.add(run(names[t], mode, rep + 1, true, 1000, 1.5, rep == 2 ? 20.0 : 6.0));
      }
    }

    ChatResult result = new ChatResult(OPTIONS, Map.of(), 12_000, 1_000, runs);

    assertThat(ChatResult.wall(runs.get(0))).isEqualTo(2000);
    assertThat(result.walls("tributary", "fsync").median()).isEqualTo(2000);
    assertThat(result.walls("tributary", "fsync").min()).isEqualTo(1000);
    assertThat(result.walls("postgres", "fsync").median()).isEqualTo(500);
    Map<String, Object> wall = check(result, "chat insert wall (fsync mode)");
    assertThat((String) wall.get("figure"))
        .contains("median 2000 (spread 1000–2000; runs: 2000, 2000, 1000)")
        .contains("4.00×");
    assertThat(wall.get("met")).isEqualTo(true);
    Map<String, Object> p50 = check(result, "p50 send → subscriber at 1,000 inserts/s, fsync");
    assertThat((String) p50.get("check")).contains("1000 subscriptions, 10 matches");
    assertThat((String) p50.get("figure")).contains("server median 1.00");
    assertThat(p50.get("met")).isEqualTo(true);
    // p99 6, 6, 20 ms: the median 6 meets ≤ 8 ms although one run missed it
    Map<String, Object> p99 = check(result, "p99 send → subscriber at 1,000 inserts/s, fsync");
    assertThat((String) p99.get("figure")).contains("runs: 6.00, 6.00, 20.0");
    assertThat(p99.get("met")).isEqualTo(true);
    // deliveries/s at the wall: 2000 inserts/s × 5 deliveries vs the same on the ceiling: 1.00×
    Map<String, Object> ceiling = check(result, "deliveries/s at saturation");
    assertThat((String) ceiling.get("figure")).contains("1.00×").contains("lower bound");
    assertThat(ceiling.get("met")).isEqualTo(true);
    assertThat(result.markdown())
        .contains("| Tributary | fsync | median 2000")
        .contains("Raw gRPC ceiling, no durability, run 3")
        .doesNotContain("**missed**");
  }

  @Test
  void shouldSayMissedWhenTheBaselineHasNoWall() {
    List<TargetRun> runs =
        List.of(
            run("tributary", "fsync", 1, false, 500, 1.0, 5.0),
            run("postgres", "fsync", 1, false, 0, 1.0, 5.0));

    ChatResult result = new ChatResult(OPTIONS, Map.of(), 12_000, 1_000, runs);

    Map<String, Object> wall = check(result, "chat insert wall (fsync mode)");
    assertThat((String) wall.get("figure")).contains("no PostgreSQL wall");
    assertThat(wall.get("met")).isEqualTo(false);
    assertThat(check(result, "deliveries/s at saturation").get("met")).isEqualTo(false);
    assertThat(result.markdown()).contains("**missed**");
  }

  private static Map<String, Object> check(ChatResult result, String prefix) {
    return result.checks().stream()
        .filter(c -> ((String) c.get("check")).startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no check " + prefix + " in " + result.checks()));
  }

  /** A run whose steps up to {@code wall} are within the wall and the others are not. */
  private static TargetRun run(
      String name, String mode, int rep, boolean compass, int wall, double p50, double p99) {
    List<StepResult> steps = new ArrayList<>();
    for (int rate : compass ? List.of(1000) : OPTIONS.steps()) {
      boolean within = rate <= wall;
      steps.add(step(rate, p50, within ? p99 : 500));
    }
    String title =
        switch (name) {
          case "tributary" -> "Tributary";
          case "postgres" -> "PostgreSQL + pg_notify + relay";
          default -> "Raw gRPC ceiling";
        };
    return new TargetRun(name, mode, rep, compass, title, "", 1, steps, List.of(), null);
  }

  private static StepResult step(int rate, double p50, double p99) {
    Histogram latency = new Histogram(600_000_000L, 3);
    latency.recordValueWithCount((long) (p50 * 1000), 98);
    latency.recordValueWithCount((long) (p99 * 1000), 2);
    Histogram ack = new Histogram(600_000_000L, 3);
    ack.recordValue(1000);
    long inserts = rate * 10L;
    return new StepResult(
        "step",
        rate,
        inserts,
        rate,
        0,
        inserts * 5,
        inserts * 5,
        0,
        0,
        0,
        0,
        null,
        inserts,
        latency,
        ack,
        1,
        0.5);
  }
}
