package io.tributary.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Options of {@link FanOutBenchmark}, given as {@code --name=value}.
 *
 * @param scenarios layouts to run, e.g. {@code 1k,10k,10k-1k}: {@code N} is N subscriptions that
 *     all match every change, {@code N-M} is N subscriptions of which M match
 * @param connections client connections (Tributary: one multiplexed stream each)
 * @param users reader users the connections are spread over
 * @param rates changes/s of each fixed-rate phase when 1,000 subscriptions match; scaled by
 *     1,000/matches so every scenario offers the same deliveries/s
 * @param window changes in flight in the saturation phase, or 0 to derive it from the stream queue
 *     capacity
 * @param warmupSeconds discarded at the start of each phase
 * @param phaseSeconds measured per phase
 * @param jitWarmupSeconds an extra, discarded saturation run per target before the first scenario
 * @param heapSubscriptions idle subscriptions of the heap measurement, or 0 to skip it
 * @param heapMatching how many of them follow the hot room (the rest spread over other rooms)
 * @param targets which targets to run: {@code tributary}, {@code ceiling} or both
 * @param resultsDir where to write {@code <date>-fanout.md} and {@code .json}, or null for none
 */
record FanOutOptions(
    List<String> scenarios,
    int connections,
    int users,
    List<Double> rates,
    int window,
    double warmupSeconds,
    double phaseSeconds,
    double jitWarmupSeconds,
    int heapSubscriptions,
    int heapMatching,
    List<String> targets,
    Path resultsDir) {

  static final String USAGE =
      """
      Usage: FanOutBenchmark [--name=value ...]
        --scenarios=1k,10k,10k-1k  N: N subscriptions all matching; N-M: N subscriptions, M match
        --connections=100          client connections (one Tributary event stream each)
        --users=10                 reader users the connections are spread over
        --rates=5,20               fixed-rate phases: changes/s when 1,000 subscriptions match
                                   (scaled so every scenario offers the same deliveries/s)
        --window=0                 saturation phase: changes in flight (0: from the queue size)
        --warmup-seconds=3         discarded at the start of each phase
        --phase-seconds=10         measured per phase
        --jit-warmup-seconds=5     discarded saturation run per target before the first scenario
        --heap-subscriptions=10000 idle subscriptions for heap per subscription (0: skip)
        --heap-matching=1000       how many of them follow the hot room
        --targets=tributary,ceiling
        --results-dir=benchmarks/results   where to write <date>-fanout.md/.json (none: don't)
      """;

  static FanOutOptions parse(String[] args) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("scenarios", "1k,10k,10k-1k");
    v.put("connections", "100");
    v.put("users", "10");
    v.put("rates", "5,20");
    v.put("window", "0");
    v.put("warmup-seconds", "3");
    v.put("phase-seconds", "10");
    v.put("jit-warmup-seconds", "5");
    v.put("heap-subscriptions", "10000");
    v.put("heap-matching", "1000");
    v.put("targets", "tributary,ceiling");
    v.put("results-dir", "benchmarks/results");
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0 || !v.containsKey(a.substring(2, eq))) {
        throw new IllegalArgumentException("Cannot read option " + a + "\n" + USAGE);
      }
      v.put(a.substring(2, eq), a.substring(eq + 1));
    }
    String dir = v.get("results-dir");
    return new FanOutOptions(
        List.of(v.get("scenarios").split(",")),
        Integer.parseInt(v.get("connections")),
        Integer.parseInt(v.get("users")),
        Stream.of(v.get("rates").split(",")).map(r -> Double.parseDouble(r.trim())).toList(),
        Integer.parseInt(v.get("window")),
        Double.parseDouble(v.get("warmup-seconds")),
        Double.parseDouble(v.get("phase-seconds")),
        Double.parseDouble(v.get("jit-warmup-seconds")),
        Integer.parseInt(v.get("heap-subscriptions")),
        Integer.parseInt(v.get("heap-matching")),
        List.of(v.get("targets").split(",")),
        dir.equals("none") ? null : Path.of(dir));
  }

  /** The layouts of {@link #scenarios()}. */
  List<Layout> layouts() {
    List<Layout> layouts = new ArrayList<>();
    for (String s : scenarios) {
      String[] parts = s.trim().split("-");
      int subscriptions = count(parts[0]);
      int matching = parts.length > 1 ? count(parts[1]) : subscriptions;
      layouts.add(new Layout(s.trim(), connections, subscriptions, matching));
    }
    return layouts;
  }

  /**
   * A fixed-rate phase's changes/s for a layout: {@code rate} per 1,000 matches, so that every
   * layout is offered the same deliveries/s.
   */
  static double rateFor(Layout layout, double rate) {
    return rate * 1_000.0 / layout.matching();
  }

  private static int count(String s) {
    s = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.endsWith("k")) {
      return (int) Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1_000);
    }
    return Integer.parseInt(s);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenarios", String.join(",", scenarios));
    m.put("connections", connections);
    m.put("users", users);
    m.put("rates_changes_per_s_per_1k_matches", rates);
    m.put("window", window);
    m.put("warmup_seconds", warmupSeconds);
    m.put("phase_seconds", phaseSeconds);
    m.put("jit_warmup_seconds", jitWarmupSeconds);
    m.put("heap_subscriptions", heapSubscriptions);
    m.put("heap_matching", heapMatching);
    m.put("targets", String.join(",", targets));
    return m;
  }
}
