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
 * @param jitWarmupSeconds the longest JIT warm-up per target before the first scenario: discarded
 *     saturation windows until the target's rate is steady ({@link Driver#warmUp})
 * @param heapSubscriptions idle subscriptions of the heap measurement, or 0 to skip it
 * @param heapMatching how many of them follow the hot room (the rest spread over other rooms)
 * @param targets which targets to run: {@code tributary}, {@code ceiling}, {@code postgres}, {@code
 *     pgsource} (PostgreSQL as Tributary's source; needs tributary and postgres)
 * @param resultsDir where to write the report, or null for none
 * @param minChanges the fewest changes a fixed-rate phase measures (it lasts longer if the rate is
 *     low)
 * @param pgWriters writer connections of the PostgreSQL target
 * @param quick whether {@code --quick} set tiny defaults
 * @param budgetSeconds once the run has taken this long, the scenarios and targets not started yet
 *     (and the heap measurement) are left out, and the report says so; 0 for no limit
 * @param suiteNaming whether to write {@code fanout.md}/{@code .json} (the suite's names, when
 *     {@code --results-dir} is given) rather than {@code <date>-fanout.md}/{@code .json}
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
    Path resultsDir,
    int minChanges,
    int pgWriters,
    boolean quick,
    boolean suiteNaming,
    double budgetSeconds) {

  static final String USAGE =
      """
      Usage: FanOutBenchmark [--quick] [--name=value ...]
        --scenarios=1k,10k,100k,100k-1k  N: N subscriptions all matching; N-M: N subscriptions,
                                   M matching
        --connections=100          client connections (one Tributary event stream each)
        --users=10                 reader users the connections are spread over
        --rates=20                 fixed-rate phases: changes/s when 1,000 subscriptions match
                                   (scaled so every scenario offers the same deliveries/s)
        --min-changes=2            the fewest changes a fixed-rate phase measures
        --window=0                 saturation phase: changes in flight (0: from the queue size)
        --warmup-seconds=1         discarded at the start of each phase
        --phase-seconds=5          measured per phase
        --jit-warmup-seconds=150   the longest JIT warm-up per target before the first scenario
                                   (discarded saturation windows until the rate is steady)
        --heap-subscriptions=100000 idle subscriptions for heap per subscription (0: skip)
        --heap-matching=1000       how many of them follow the hot room
        --targets=tributary,ceiling,postgres
        --pg-writers=10            PostgreSQL writer connections (a pool's usual size)
        --results-dir=DIR          write fanout.md/.json into DIR (none: write nothing); without
                                   it, benchmarks/results/<date>-fanout.md/.json
        --budget-seconds=390       past this, what has not started is left out (0: no limit)
        --quick                    tiny sizes for a fast look: scenarios 1k,2k-1k, 2 s phases,
                                   2,000 idle subscriptions (options given beside it still win)
      """;

  static FanOutOptions parse(String[] args) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("scenarios", "1k,10k,100k,100k-1k");
    v.put("connections", "100");
    v.put("users", "10");
    v.put("rates", "20");
    v.put("min-changes", "2");
    v.put("window", "0");
    v.put("warmup-seconds", "1");
    v.put("phase-seconds", "5");
    v.put("jit-warmup-seconds", "150");
    v.put("heap-subscriptions", "100000");
    v.put("heap-matching", "1000");
    v.put("targets", "tributary,ceiling,postgres");
    v.put("pg-writers", "10");
    v.put("results-dir", "benchmarks/results");
    v.put("budget-seconds", "390");
    boolean quick = Options.quick(args);
    if (quick) {
      v.put("scenarios", "1k,2k-1k");
      v.put("min-changes", "2");
      v.put("warmup-seconds", "0.5");
      v.put("phase-seconds", "2");
      v.put("jit-warmup-seconds", "0.5");
      v.put("heap-subscriptions", "2000");
      v.put("heap-matching", "200");
    }
    Map<String, String> given = Options.keyValues(args, v.keySet(), USAGE);
    v.putAll(given);
    boolean suiteNaming = given.containsKey("results-dir");
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
        Options.resultsDir(v.get("results-dir")),
        Integer.parseInt(v.get("min-changes")),
        Integer.parseInt(v.get("pg-writers")),
        quick,
        suiteNaming,
        Double.parseDouble(v.get("budget-seconds")));
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
    m.put("min_changes", minChanges);
    m.put("pg_writers", pgWriters);
    m.put("quick", quick);
    m.put("budget_seconds", budgetSeconds);
    return m;
  }
}
