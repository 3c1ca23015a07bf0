package io.tributary.benchmarks.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.benchmarks.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's plumbing with tiny stand-in scenarios: the report and its charts from a synthetic
 * contract JSON and from the fan-out benchmark's JSON shape, and child JVMs that succeed, fail,
 * hang past their limit or do not exist. Checks that files and figures are produced, never a time.
 */
class SuiteSmokeTest {
  @TempDir Path dir;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @Test
  void shouldRenderReportAndChartsFromScenarioFiles() throws Exception {
    Files.writeString(dir.resolve("ingest.json"), Json.write(contractJson()));
    Files.writeString(dir.resolve("ingest.md"), "## Ingest\n\nA synthetic section.\n");
    // The fan-out benchmark's own naming and title level, as it writes them today.
    Files.writeString(dir.resolve("2026-11-25-fanout.json"), Json.write(fanOutJson()));
    Files.writeString(
        dir.resolve("2026-11-25-fanout.md"),
        "# Live-query fan-out\n\n## Targets\n\n```\n# not a heading\n```\n");
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(
        dir.resolve("logs/micro.log"), "starting\nException: boom in the micro run\n");

    Path report = SuiteReport.write(dir, suite());

    List<Path> pngs;
    try (var files = Files.list(dir.resolve("charts"))) {
      pngs = files.sorted().toList();
    }
    assertThat(pngs)
        .extracting(p -> p.getFileName().toString())
        .containsExactly(
            "fanout-latency-1k.png",
            "fanout-throughput.png",
            "ingest-latency.png",
            "ingest-rate.png");
    for (Path png : pngs) {
      assertNonTrivialImage(png);
    }
    String md = Files.readString(report, StandardCharsets.UTF_8);
    assertThat(md)
        .contains("# Benchmark suite: ")
        .contains("| Scenario JVM flags | `-Xmx1g` |")
        .contains("| ingest | ran | 12.5 | 180 | 1 of 2 |")
        .contains("| ingest | single-row ack p50 | 1.90 ms | ≤ 3 ms | **met** |")
        .contains("| fanout | deliveries/s vs ceiling, 1k | 0.06× | ≥ 0.50× | **missed** |")
        .contains("## Live-query fan-out")
        .doesNotContain("\n# Live-query fan-out")
        .contains("\n# not a heading\n")
        .contains("![Single-row INSERT acknowledgement](charts/ingest-latency.png)")
        .contains("![Deliveries/s](charts/fanout-throughput.png)")
        .contains("## Startup: not available in this build\n\nNo class x.Startup on the classpath.")
        .contains("## Micro-benchmarks: **failed**")
        .contains("Exception: boom in the micro run");
    Object all = Json.read(Files.readString(dir.resolve("suite.json")));
    assertThat(all).isInstanceOf(Map.class);
    Map<?, ?> scenarios = (Map<?, ?>) ((Map<?, ?>) all).get("scenarios");
    assertThat(new ArrayList<Object>(scenarios.keySet()))
        .containsExactly("ingest", "fanout", "startup", "micro");
    assertThat(((Map<?, ?>) scenarios.get("ingest")).get("scenario")).isEqualTo("ingest");

    // Rendering again from the directory alone gives the same charts.
    SuiteReport.rerender(dir);
    assertThat(Files.readString(report))
        .contains("rendered again")
        .contains("![Deliveries/s](charts/fanout-throughput.png)");
    for (Path png : pngs) {
      assertNonTrivialImage(png);
    }
  }

  @Test
  void shouldRunEachScenarioInItsOwnJvmAndGoOnAfterFailures() throws Exception {
    List<Suite.Scenario> scenarios =
        List.of(
            new Suite.Scenario("hang", "Hang", Hanging.class.getName(), 0.03), // 1.8 s limit
            new Suite.Scenario("missing", "Missing", "io.tributary.NoSuchScenario", 1),
            new Suite.Scenario("fail", "Fail", Failing.class.getName(), 0.5),
            new Suite.Scenario("ok", "Ok", Writing.class.getName(), 0.5));
    Suite.Options options =
        new Suite.Options(
            true,
            List.of("hang", "missing", "fail", "ok"),
            1.03,
            Map.of(),
            List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"),
            dir,
            Map.of("ok", List.of("--label=passed-through")),
            null);
    Path runDir = dir.resolve("run");

    Path report = Suite.run(options, runDir, scenarios, "--quick");

    Map<?, ?> suite = (Map<?, ?>) SuiteReport.readJson(runDir.resolve("suite.json")).get("suite");
    List<String> statuses = new ArrayList<>();
    for (Object o : (List<?>) suite.get("scenarios")) {
      statuses.add(((Map<?, ?>) o).get("name") + "=" + ((Map<?, ?>) o).get("status"));
    }
    assertThat(statuses)
        .containsExactly("hang=timed out", "missing=not available", "fail=failed", "ok=ok");
    String md = Files.readString(report);
    assertThat(md)
        .contains("Killed after its time limit")
        .contains("failing on purpose")
        .contains("## Ok")
        .contains("label passed-through, quick true")
        .contains("![ok](charts/ok-series.png)");
    assertNonTrivialImage(runDir.resolve("charts/ok-series.png"));
  }

  private static void assertNonTrivialImage(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as(png.toString()).isNotNull();
    assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
    assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
    Set<Integer> colors = new HashSet<>();
    int notWhite = 0;
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colors.add(rgb);
        if (rgb != 0xffffff) {
          notWhite++;
        }
      }
    }
    assertThat(colors.size()).as(png + " colors").isGreaterThan(20);
    assertThat(notWhite).as(png + " drawn pixels").isGreaterThan(2_000);
  }

  private static Map<String, Object> suite() {
    Map<String, Object> suite = new LinkedHashMap<>();
    suite.put("date", "2026-11-26T10:00:00Z");
    suite.put("host", "smoke");
    suite.put("quick", true);
    suite.put("budget_minutes", 15);
    suite.put("elapsed_seconds", 42.0);
    suite.put("scenario_jvm_flags", "-Xmx1g");
    suite.put("machine", Map.of("cpus", 2, "git_commit", "abc1234"));
    suite.put(
        "scenarios",
        List.of(
            outcome("ingest", "Ingest", "ok", 12.5, 180),
            outcome("fanout", "Fan-out", "ok", 30.0, 420),
            Map.of(
                "name",
                "startup",
                "title",
                "Startup",
                "status",
                "not available",
                "message",
                "no class x.Startup on the classpath"),
            Map.of(
                "name",
                "micro",
                "title",
                "Micro-benchmarks",
                "status",
                "failed",
                "message",
                "exited with status 1",
                "log",
                "logs/micro.log")));
    return suite;
  }

  private static Map<String, Object> outcome(
      String name, String title, String status, double seconds, long limit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("title", title);
    m.put("status", status);
    m.put("seconds", seconds);
    m.put("time_limit_seconds", limit);
    return m;
  }

  /** A contract JSON with dense percentile curves from HdrHistogram and a log-x series. */
  private static Map<String, Object> contractJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "ingest");
    m.put("machine", Map.of("cpus", 2));
    m.put("options", Map.of("quick", true));
    m.put(
        "checks",
        List.of(
            check("single-row ack p50", "1.90 ms", "≤ 3 ms", true),
            check("rate vs raw producer", "0.31×", "≥ 0.50×", false)));
    m.put(
        "latency_distributions",
        List.of(
            distribution("Tributary single-row INSERT", 1_900, 1),
            distribution("Raw Kafka producer", 700, 2)));
    m.put(
        "series",
        List.of(
            series("ingest-rate", "Rate", "batch size", "rows/s", "Tributary", 1, 5_000, 0.5),
            series("ingest-rate", "Rate", "batch size", "rows/s", "Raw producer", 1, 12_000, 0.6)));
    return m;
  }

  /** The fan-out benchmark's JSON: its own keys, plus the contract's chart entries. */
  private static Map<String, Object> fanOutJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "fanout");
    m.put("machine", Map.of("cpus", 2));
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("check", "deliveries/s vs ceiling, 1k");
    c.put("value", 0.0611);
    c.put("shown", "0.06×");
    c.put("goal", "≥ 0.50×");
    c.put("met", false);
    m.put("checks", List.of(c));
    m.put(
        "phases",
        List.of(Map.of("target", "tributary", "latency_from_ack_ms", Map.of("p50", 7.5))));
    Map<String, Object> d = distribution("Tributary at 5 changes/s", 7_000, 3);
    d.put("chart", "fanout-latency-1k");
    Map<String, Object> e = distribution("raw gRPC ceiling at 5 changes/s", 900, 4);
    e.put("chart", "fanout-latency-1k");
    m.put("latency_distributions", List.of(d, e));
    m.put(
        "series",
        List.of(
            series(
                "fanout-throughput",
                "Deliveries/s",
                "subscriptions",
                "/s",
                "Tributary",
                1_000,
                50_000,
                0.1),
            series(
                "fanout-throughput",
                "Deliveries/s",
                "subscriptions",
                "/s",
                "ceiling",
                1_000,
                800_000,
                -0.2)));
    return m;
  }

  private static Map<String, Object> check(String name, String figure, String goal, boolean met) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("check", name);
    c.put("figure", figure);
    c.put("goal", goal);
    c.put("met", met);
    return c;
  }

  /** HdrHistogram's percentile iteration (5 ticks per half distance) of a skewed distribution. */
  private static Map<String, Object> distribution(String name, long medianMicros, long seed) {
    Histogram h = new Histogram(600_000_000L, 3);
    Random random = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      h.recordValue(Math.max(1, (long) (medianMicros * Math.exp(random.nextGaussian() * 0.6))));
    }
    List<Object> points = new ArrayList<>();
    for (HistogramIterationValue v : h.percentiles(5)) {
      points.add(List.of(v.getPercentileLevelIteratedTo(), v.getValueIteratedTo() / 1000.0));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", "ingest-latency");
    m.put("title", "Single-row INSERT acknowledgement");
    m.put("series", name);
    m.put("percentiles", points);
    return m;
  }

  private static Map<String, Object> series(
      String chart,
      String title,
      String x,
      String y,
      String name,
      double from,
      double base,
      double slope) {
    List<Object> points = new ArrayList<>();
    for (double v = from; v <= from * 100; v *= 10) {
      points.add(List.of(v, base * Math.pow(v / from, slope)));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("x_label", x);
    m.put("y_label", y);
    m.put("series", name);
    m.put("points", points);
    return m;
  }

  /** A scenario that waits forever, as a stuck benchmark would. */
  static final class Hanging {
    public static void main(String[] args) throws InterruptedException {
      System.out.println("waiting forever");
      new CountDownLatch(1).await();
    }
  }

  /** A scenario that fails. */
  static final class Failing {
    public static void main(String[] args) {
      System.err.println("failing on purpose");
      System.exit(3);
    }
  }

  /** A scenario that follows the contract with what it was given. */
  static final class Writing {
    public static void main(String[] args) throws IOException {
      Map<String, String> o = new LinkedHashMap<>();
      for (String a : args) {
        int eq = a.indexOf('=');
        o.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
      }
      Path out = Path.of(o.get("results-dir"));
      Files.writeString(
          out.resolve("ok.md"),
          "## Ok\n\nlabel " + o.get("label") + ", quick " + o.get("quick") + "\n");
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("scenario", "ok");
      json.put("checks", List.of(check("works", "yes", "yes", true)));
      json.put("latency_distributions", List.of());
      json.put("series", List.of(series("ok-series", "ok", "n", "v", "line", 1, 10, 1)));
      Files.writeString(out.resolve("ok.json"), Json.write(json));
    }
  }
}
