package io.tributary.benchmarks.jmh;

import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH micro-benchmarks of the live path's inner loops, each beside its baseline in the
 * same run (predicate evaluation beside a hand-written lambda, subscription matching beside a
 * linear scan, change encoding once per projection beside encoding per subscription), prints each
 * ratio and writes {@code micro.md} and {@code micro.json} (the suite contract, {@code
 * benchmarks/README.md}). The defaults take under 3 minutes; {@code --quick} under one.
 *
 * <p>A main program, not a test. Options: {@code --results-dir=<dir>|none}, {@code --quick}, {@code
 * --forks}, {@code --warmup-iterations}, {@code --warmup-seconds}, {@code --iterations}, {@code
 * --seconds}, {@code --only=predicate,matching,encoding}.
 */
public final class MicroBenchmarks {
  /**
   * One comparison: a benchmark class, the parameter its rows differ by, the method measured and
   * the method it is measured against.
   */
  private record Family(
      String key,
      String title,
      String benchmark,
      String param,
      String paramLabel,
      String subject,
      String subjectLabel,
      String baseline,
      String baselineLabel,
      String unit,
      List<String> values,
      List<String> quickValues,
      Map<String, String> fixedParams) {}

  private static final List<Family> FAMILIES =
      List.of(
          new Family(
              "predicate",
              "Predicate evaluation",
              PredicateBenchmark.class.getName(),
              "where",
              "WHERE",
              "compiled",
              "compiled by the analyzer",
              "lambda",
              "hand-written lambda",
              "ns per row",
              List.of("eq", "and"),
              List.of("eq", "and"),
              Map.of()),
          new Family(
              "matching",
              "Subscription matching",
              SubscriptionMatchingBenchmark.class.getName(),
              "subscriptions",
              "subscriptions",
              "index",
              "SubscriptionIndex",
              "linearScan",
              "linear scan",
              "µs per change",
              List.of("10000", "100000"),
              List.of("1000", "10000"),
              Map.of("matching", "1000", "otherRooms", "1000")),
          new Family(
              "encoding",
              "Change encoding",
              ChangeEncodingBenchmark.class.getName(),
              "receivers",
              "matching subscriptions",
              "shared",
              "encoded once (EncodedChange)",
              "perSubscription",
              "encoded per subscription",
              "µs per change",
              List.of("10", "1000"),
              List.of("10", "100"),
              Map.of()));

  /** The fixed parameters of the quick runs where they differ (fewer filters to compile). */
  private static final Map<String, String> QUICK_PARAMS =
      Map.of("matching", "100", "otherRooms", "100");

  private MicroBenchmarks() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> o = BenchmarkMain.optionsOrExit(args, MicroBenchmarks::options);
    boolean quick = o.containsKey("quick");
    Map<String, Object> machine = Machine.describe();
    List<String> only = List.of(o.get("only").split(","));
    List<Map<String, Object>> rows = new ArrayList<>();
    long begin = System.nanoTime();
    try {
      for (Family f : FAMILIES) {
        if (!only.contains(f.key())) {
          continue;
        }
        System.out.printf(Locale.ROOT, "%n=== %s (%s)%n", f.title(), f.benchmark());
        rows.addAll(run(f, o, quick));
      }
    } catch (RunnerException e) {
      System.err.println("Cannot run the micro-benchmarks: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
      return;
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    Map<String, Object> opts = new LinkedHashMap<>(o);
    opts.put("quick", quick);
    opts.put("elapsed_seconds", (System.nanoTime() - begin) / 1e9);
    BenchmarkMain.printAndWrite(
        markdown(rows, opts),
        () -> json(machine, opts, rows),
        Options.resultsDir(o.get("results-dir")),
        "micro");
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("results-dir", "benchmarks/results");
    v.put("forks", "1");
    v.put("warmup-iterations", "2");
    v.put("warmup-seconds", "1");
    v.put("iterations", "5");
    v.put("seconds", "1");
    v.put("only", "predicate,matching,encoding");
    Map<String, String> given =
        Options.keyValues(
            args,
            v.keySet(),
            "Usage: MicroBenchmarks [--quick] [--results-dir=benchmarks/results|none]"
                + " [--forks=1] [--warmup-iterations=2] [--warmup-seconds=1] [--iterations=5]"
                + " [--seconds=1] [--only=predicate,matching,encoding]");
    if (Options.quick(args)) {
      v.put("warmup-iterations", "2");
      v.put("warmup-seconds", "0.3");
      v.put("iterations", "2");
      v.put("seconds", "0.3");
      v.put("quick", "true");
    }
    v.putAll(given); // explicit options win over --quick's
    return v;
  }

  private static TimeValue seconds(String s) {
    return TimeValue.milliseconds(Math.max(1, Math.round(Double.parseDouble(s) * 1000)));
  }

  /** Runs one family and returns a row per parameter value, subject beside baseline. */
  private static List<Map<String, Object>> run(Family f, Map<String, String> o, boolean quick)
      throws RunnerException {
    List<String> values = quick ? f.quickValues() : f.values();
    ChainedOptionsBuilder b =
        new OptionsBuilder()
            .include(
                Pattern.quote(f.benchmark()) + "\\.(" + f.subject() + "|" + f.baseline() + ")$")
            .forks(Integer.parseInt(o.get("forks")))
            .warmupIterations(Integer.parseInt(o.get("warmup-iterations")))
            .warmupTime(seconds(o.get("warmup-seconds")))
            .measurementIterations(Integer.parseInt(o.get("iterations")))
            .measurementTime(seconds(o.get("seconds")))
            .shouldFailOnError(true)
            .param(f.param(), values.toArray(String[]::new));
    for (Map.Entry<String, String> p : f.fixedParams().entrySet()) {
      b.param(
          p.getKey(), quick ? QUICK_PARAMS.getOrDefault(p.getKey(), p.getValue()) : p.getValue());
    }
    Collection<RunResult> results = new Runner(b.build()).run();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String value : values) {
      RunResult subject = find(results, f, f.subject(), value);
      RunResult baseline = find(results, f, f.baseline(), value);
      if (subject == null || baseline == null) {
        throw new RunnerException(
            "Cannot find the results of " + f.benchmark() + " with " + f.param() + "=" + value);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("family", f.key());
      row.put("benchmark", f.benchmark());
      row.put(f.param(), value);
      for (Map.Entry<String, String> p : f.fixedParams().entrySet()) {
        row.put(p.getKey(), subject.getParams().getParam(p.getKey()));
      }
      if (f.key().equals("predicate")) {
        row.put("where_sql", PredicateBenchmark.sql(value));
      }
      row.put("unit", f.unit());
      row.put(f.subject(), score(subject));
      row.put(f.baseline(), score(baseline));
      double ratio = subject.getPrimaryResult().getScore() / baseline.getPrimaryResult().getScore();
      row.put("time_ratio_to_baseline", ratio);
      row.put("jvm_args", String.join(" ", subject.getParams().getJvmArgs()));
      rows.add(row);
      System.out.printf(
          Locale.ROOT, "%s, %s = %s: %s%n", f.title(), f.paramLabel(), value, words(f, row));
    }
    return rows;
  }

  private static RunResult find(
      Collection<RunResult> results, Family f, String method, String value) {
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().equals(f.benchmark() + "." + method)
          && value.equals(r.getParams().getParam(f.param()))) {
        return r;
      }
    }
    return null;
  }

  private static Map<String, Object> score(RunResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("score", r.getPrimaryResult().getScore());
    double error = r.getPrimaryResult().getScoreError();
    m.put("error", Double.isNaN(error) ? null : error);
    m.put("jmh_unit", r.getPrimaryResult().getScoreUnit());
    m.put("samples", r.getPrimaryResult().getSampleCount());
    return m;
  }

  private static double value(Map<String, Object> row, String method) {
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) row.get(method);
    return (Double) s.get("score");
  }

  private static Family family(String key) {
    return FAMILIES.stream().filter(f -> f.key().equals(key)).findFirst().orElseThrow();
  }

  /** The ratio to the baseline in words. */
  private static String words(Family f, Map<String, Object> row) {
    double ratio = (Double) row.get("time_ratio_to_baseline");
    String figures =
        String.format(
            Locale.ROOT,
            " (%s vs %s %s)",
            num(value(row, f.subject())),
            num(value(row, f.baseline())),
            f.unit());
    if (f.key().equals("predicate")) {
      return String.format(
              Locale.ROOT, "the compiled WHERE takes %.2f× the hand-written lambda's time", ratio)
          + figures;
    }
    String what =
        f.key().equals("matching")
            ? "the index is %s than the linear scan"
            : "encoding once is %s than encoding per subscription";
    return String.format(Locale.ROOT, what, faster(ratio)) + figures;
  }

  /** "12× faster" or "1.3× slower" for a time ratio to the baseline. */
  private static String faster(double timeRatio) {
    return timeRatio <= 1 ? num(1 / timeRatio) + "× faster" : num(timeRatio) + "× slower";
  }

  private static String num(double v) {
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (Math.abs(v) >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String withError(Map<String, Object> row, String method) {
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) row.get(method);
    Object error = s.get("error");
    return num((Double) s.get("score")) + (error == null ? "" : " ± " + num((Double) error));
  }

  static String markdown(List<Map<String, Object>> rows, Map<String, Object> opts) {
    StringBuilder b = new StringBuilder("## Micro-benchmarks (JMH)\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "JMH, %s fork(s), %s warm-up iteration(s) of %s s, %s measured iteration(s) of %s s%s."
                + " Each figure is the mean ± its 99.9%% confidence half-width; the baseline ran"
                + " in the same run.\n\n",
            opts.get("forks"),
            opts.get("warmup-iterations"),
            opts.get("warmup-seconds"),
            opts.get("iterations"),
            opts.get("seconds"),
            Boolean.TRUE.equals(opts.get("quick")) ? " (--quick: smaller sizes)" : ""));
    for (Family f : FAMILIES) {
      List<Map<String, Object>> fr =
          rows.stream().filter(r -> r.get("family").equals(f.key())).toList();
      if (fr.isEmpty()) {
        continue;
      }
      b.append("### ").append(f.title()).append(" (").append(f.unit()).append(")\n\n");
      b.append("| ")
          .append(f.paramLabel())
          .append(f.fixedParams().containsKey("matching") ? " | matching" : "")
          .append(" | ")
          .append(f.subjectLabel())
          .append(" | ")
          .append(f.baselineLabel())
          .append(" | ratio |\n|---|")
          .append(f.fixedParams().containsKey("matching") ? "---|" : "")
          .append("---|---|---|\n");
      for (Map<String, Object> r : fr) {
        String label =
            f.key().equals("predicate")
                ? "`" + r.get("where_sql") + "`"
                : String.format(Locale.ROOT, "%,d", Long.parseLong((String) r.get(f.param())));
        b.append("| ").append(label);
        if (f.fixedParams().containsKey("matching")) {
          b.append(" | ").append(r.get("matching"));
        }
        b.append(" | ")
            .append(withError(r, f.subject()))
            .append(" | ")
            .append(withError(r, f.baseline()))
            .append(" | ")
            .append(ratioCell(f, r))
            .append(" |\n");
      }
      b.append('\n');
      for (Map<String, Object> r : fr) {
        b.append("- ")
            .append(
                f.key().equals("predicate")
                    ? "`" + r.get("where_sql") + "`"
                    : String.format(
                        Locale.ROOT,
                        "%,d %s",
                        Long.parseLong((String) r.get(f.param())),
                        f.paramLabel()))
            .append(": ")
            .append(words(f, r))
            .append(".\n");
      }
      b.append('\n');
    }
    String flags = rows.stream().map(r -> (String) r.get("jvm_args")).findFirst().orElse("");
    b.append(
        flags.isBlank()
            ? "The JMH forks ran with the JVM's default flags.\n"
            : "The JMH forks ran with `" + flags + "`.\n");
    return b.toString();
  }

  private static String ratioCell(Family f, Map<String, Object> r) {
    double ratio = (Double) r.get("time_ratio_to_baseline");
    return f.key().equals("predicate")
        ? String.format(Locale.ROOT, "%.2f× the lambda's time", ratio)
        : faster(ratio);
  }

  static String json(
      Map<String, Object> machine, Map<String, Object> opts, List<Map<String, Object>> rows) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "micro");
    m.put("machine", machine);
    m.put("options", opts);
    m.put("checks", checks(rows));
    m.put("latency_distributions", List.of());
    List<Object> series = new ArrayList<>();
    for (Family f : FAMILIES) {
      if (f.key().equals("predicate")) {
        continue; // categories, not a line
      }
      List<Map<String, Object>> fr =
          rows.stream().filter(r -> r.get("family").equals(f.key())).toList();
      if (fr.isEmpty()) {
        continue;
      }
      for (String method : List.of(f.subject(), f.baseline())) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("chart", "micro-" + f.key());
        s.put("title", f.title() + ": time per change");
        s.put("x_label", f.paramLabel());
        s.put("y_label", f.unit());
        s.put("series", method.equals(f.subject()) ? f.subjectLabel() : f.baselineLabel());
        List<Object> points = new ArrayList<>();
        for (Map<String, Object> r : fr) {
          points.add(List.of(Double.parseDouble((String) r.get(f.param())), value(r, method)));
        }
        s.put("points", points);
        series.add(s);
      }
    }
    m.put("series", series);
    m.put("results", rows);
    return Json.write(m);
  }

  /** No micro-benchmark is an issue target; the one check is that indexing pays. */
  private static List<Map<String, Object>> checks(List<Map<String, Object>> rows) {
    List<Map<String, Object>> checks = new ArrayList<>();
    Family f = family("matching");
    rows.stream()
        .filter(r -> r.get("family").equals("matching"))
        .max((a, b) -> Long.compare(subscriptions(a), subscriptions(b)))
        .ifPresent(
            r -> {
              double speedup = 1 / (Double) r.get("time_ratio_to_baseline");
              Map<String, Object> c = new LinkedHashMap<>();
              c.put(
                  "check",
                  String.format(
                      Locale.ROOT,
                      "subscription index vs linear scan, %,d subscriptions (%s matching)",
                      subscriptions(r),
                      r.get("matching")));
              c.put("value", speedup);
              c.put(
                  "figure",
                  String.format(
                      Locale.ROOT,
                      "%s (%s vs %s %s)",
                      faster((Double) r.get("time_ratio_to_baseline")),
                      num(value(r, f.subject())),
                      num(value(r, f.baseline())),
                      f.unit()));
              c.put("goal", "faster than the scan (not an issue target)");
              c.put("met", speedup > 1);
              checks.add(c);
            });
    return checks;
  }

  private static long subscriptions(Map<String, Object> r) {
    return Long.parseLong((String) r.get("subscriptions"));
  }
}
