package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one run as Markdown (a section of the suite's report, starting with {@code ## })
 * and as JSON (the raw figures plus the suite's {@code checks}, {@code latency_distributions} and
 * {@code series}), with the targets checked.
 */
final class Report {
  /** Deliveries/s of Tributary over the ceiling's that the issue asks for. */
  static final double TARGET_RATIO = 0.5;

  /** Deliveries/s of Tributary over the traditional stack's that the issue asks for. */
  static final double TARGET_TRADITIONAL_RATIO = 10;

  static final double TARGET_P50_MS = 10;
  static final double TARGET_P99_MS = 30;
  static final double TARGET_HEAP_BYTES = 1024;

  /** Other processes' cores busy above which a phase counts as disturbed. */
  static final double QUIET_CORES = 0.2;

  /** How much per-change cost may grow from N to 10N subscriptions (same matches) and be "flat". */
  static final double TARGET_GROWTH = 1.25;

  /** The targets in the order they are shown, with their names in the report. */
  private static final Map<String, String> LABELS =
      Map.of(
          "tributary", "Tributary",
          "postgres", "Traditional (PostgreSQL + pg_notify + relay)",
          "pgsource", "PostgreSQL source (commit → pgoutput → Tributary)",
          "ceiling", "Raw gRPC ceiling");

  private static final List<String> ORDER = List.of("tributary", "postgres", "pgsource", "ceiling");

  private final Map<String, Object> machine;
  private final FanOutOptions options;
  private final List<PhaseResult> results;
  private final Map<String, Integer> windows;
  private final Map<String, Double> openSeconds;
  private final Map<String, Double> startSeconds;
  private final Map<String, SteadyWarmUp.Result> jitWarmUps;
  private final Map<String, String> skipped;
  private final List<String> notRun;
  private final Map<String, Object> postgres;
  private final HeapProbe.Result heap;
  private final double elapsedSeconds;

  Report(
      Map<String, Object> machine,
      FanOutOptions options,
      List<PhaseResult> results,
      Map<String, Integer> windows,
      Map<String, Double> openSeconds,
      Map<String, Double> startSeconds,
      Map<String, SteadyWarmUp.Result> jitWarmUps,
      Map<String, String> skipped,
      List<String> notRun,
      Map<String, Object> postgres,
      HeapProbe.Result heap,
      double elapsedSeconds) {
    this.machine = machine;
    this.options = options;
    this.results = results;
    this.windows = windows;
    this.openSeconds = openSeconds;
    this.startSeconds = startSeconds;
    this.jitWarmUps = jitWarmUps;
    this.skipped = skipped;
    this.notRun = notRun;
    this.postgres = postgres;
    this.heap = heap;
    this.elapsedSeconds = elapsedSeconds;
  }

  List<PhaseResult> phases() {
    return results;
  }

  HeapProbe.Result heap() {
    return heap;
  }

  /** Targets that were asked for but could not run, with the reason. */
  Map<String, String> skipped() {
    return skipped;
  }

  /** The targets that produced results, in report order. */
  private List<String> targets() {
    return ORDER.stream()
        .filter(t -> results.stream().anyMatch(r -> r.target().equals(t)))
        .toList();
  }

  private static String label(String target) {
    return LABELS.getOrDefault(target, target);
  }

  private PhaseResult find(String target, String scenario, String mode) {
    return find(target, scenario, mode, -1);
  }

  /** The phase of a target and scenario; {@code changesPerSecond} < 0 matches any rate. */
  private PhaseResult find(String target, String scenario, String mode, double changesPerSecond) {
    for (PhaseResult r : results) {
      if (r.target().equals(target)
          && r.scenario().equals(scenario)
          && r.mode().equals(mode)
          && (changesPerSecond < 0 || Math.abs(r.offered() - changesPerSecond) < 1e-9)) {
        return r;
      }
    }
    return null;
  }

  /** The highest fixed rate (changes/s per 1,000 matches) of the run. */
  private double topRate() {
    return options.rates().stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    if (Math.abs(v) >= 100) {
      return f("%,.0f", v);
    }
    if (Math.abs(v) >= 10) {
      return f("%.1f", v);
    }
    return f("%.2f", v);
  }

  private static String yes(boolean met) {
    return met ? "**met**" : "**missed**";
  }

  /** The checks against the targets, one row each. */
  List<Map<String, Object>> checks() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Layout l : options.layouts()) {
      PhaseResult t = find("tributary", l.name(), "saturation");
      PhaseResult p = find("postgres", l.name(), "saturation");
      if (t != null && p != null) {
        double ratio = t.deliveriesPerSecond() / p.deliveriesPerSecond();
        rows.add(
            check(
                "deliveries/s vs traditional stack, " + l.name(),
                ratio,
                f(
                    "%.2f× (%s vs %s /s)",
                    ratio, num(t.deliveriesPerSecond()), num(p.deliveriesPerSecond())),
                "≥ 10×",
                ratio >= TARGET_TRADITIONAL_RATIO));
      }
    }
    for (Layout l : options.layouts()) {
      PhaseResult t = find("tributary", l.name(), "saturation");
      PhaseResult c = find("ceiling", l.name(), "saturation");
      if (t != null && c != null) {
        double ratio = t.deliveriesPerSecond() / c.deliveriesPerSecond();
        rows.add(
            check(
                "deliveries/s vs ceiling, " + l.name(),
                ratio,
                f(
                    "%.2f× (%s vs %s /s)",
                    ratio, num(t.deliveriesPerSecond()), num(c.deliveriesPerSecond())),
                "≥ 0.50×",
                ratio >= TARGET_RATIO));
      }
    }
    for (Layout l : options.layouts()) {
      if (l.subscriptions() != 1_000 || l.matching() != 1_000) {
        continue; // the latency targets are set at 1k subscriptions
      }
      for (double rate : options.rates()) {
        PhaseResult t = find("tributary", l.name(), "rate", FanOutOptions.rateFor(l, rate));
        if (t == null) {
          continue;
        }
        String at = l.name() + " at " + num(t.offered()) + " changes/s";
        rows.add(
            check(
                "p50 insert ack → client, " + at,
                t.latencyFromAck().p50(),
                num(t.latencyFromAck().p50()) + " ms",
                "≤ 10 ms",
                t.latencyFromAck().p50() <= TARGET_P50_MS));
        rows.add(
            check(
                "p99 insert ack → client, " + at,
                t.latencyFromAck().p99(),
                num(t.latencyFromAck().p99()) + " ms",
                "≤ 30 ms",
                t.latencyFromAck().p99() <= TARGET_P99_MS));
      }
    }
    if (heap != null) {
      rows.add(
          check(
              f("heap per idle subscription (server, %,d subscriptions)", heap.subscriptions()),
              heap.bytesPerSubscription(),
              f("%,.0f B", heap.bytesPerSubscription()),
              "≤ 1 KB",
              heap.bytesPerSubscription() <= TARGET_HEAP_BYTES));
    }
    for (Growth g : growths("tributary")) {
      rows.add(
          check(
              "cost per change, " + g.small + " → " + g.large + " (fan-out threads CPU/change)",
              g.fanOutCpu,
              f("%.2f×", g.fanOutCpu),
              "≤ 1.25× (flat)",
              g.fanOutCpu <= TARGET_GROWTH));
      rows.add(
          check(
              "cost per change, " + g.small + " → " + g.large + " (saturated changes/s)",
              g.saturatedChanges,
              f("%.2f× of the smaller", g.saturatedChanges),
              "≥ 0.80× (flat)",
              g.saturatedChanges >= 1 / TARGET_GROWTH));
    }
    return rows;
  }

  private static Map<String, Object> check(
      String what, double value, String shown, String goal, boolean met) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("check", what);
    m.put("figure", shown);
    m.put("goal", goal);
    m.put("met", met);
    m.put("value", value);
    m.put("shown", shown);
    return m;
  }

  /** A target's per-change cost from a layout to one with more subscriptions, same matches. */
  private record Growth(
      String target,
      String small,
      String large,
      double fanOutCpu,
      double processCpu,
      double totalCpu,
      double p50,
      double saturatedChanges) {}

  private List<Growth> growths(String target) {
    List<Growth> out = new ArrayList<>();
    for (Layout a : options.layouts()) {
      for (Layout b : options.layouts()) {
        if (a.matching() == b.matching() && b.subscriptions() > a.subscriptions()) {
          PhaseResult ra = find(target, a.name(), "rate", FanOutOptions.rateFor(a, topRate()));
          PhaseResult rb = find(target, b.name(), "rate", FanOutOptions.rateFor(b, topRate()));
          PhaseResult sa = find(target, a.name(), "saturation");
          PhaseResult sb = find(target, b.name(), "saturation");
          if (ra != null && rb != null && sa != null && sb != null) {
            out.add(
                new Growth(
                    target,
                    a.name(),
                    b.name(),
                    rb.fanOutCpuMicrosPerChange() / ra.fanOutCpuMicrosPerChange(),
                    rb.processCpuMicrosPerChange() / ra.processCpuMicrosPerChange(),
                    sb.totalCpuMicrosPerChange() / sa.totalCpuMicrosPerChange(),
                    rb.latencyFromAck().p50() / ra.latencyFromAck().p50(),
                    sb.changesPerSecond() / sa.changesPerSecond()));
          }
        }
      }
    }
    return out;
  }

  /** The ratios to the baselines in words, one sentence per scenario. */
  private String inWords() {
    StringBuilder b = new StringBuilder();
    for (Layout l : options.layouts()) {
      PhaseResult t = find("tributary", l.name(), "saturation");
      if (t == null) {
        continue;
      }
      List<String> parts = new ArrayList<>();
      for (String base : List.of("postgres", "ceiling")) {
        PhaseResult x = find(base, l.name(), "saturation");
        if (x != null) {
          parts.add(
              f(
                  "**%.2f×** the %s (%s/s)",
                  t.deliveriesPerSecond() / x.deliveriesPerSecond(),
                  base.equals("postgres") ? "traditional stack's" : "raw gRPC ceiling's",
                  num(x.deliveriesPerSecond())));
        }
      }
      b.append(
          f(
              "- %s (%,d subscriptions, %,d matching each change): Tributary delivered %s"
                  + " deliveries/s at saturation%s.%n",
              l.name(),
              l.subscriptions(),
              l.matching(),
              num(t.deliveriesPerSecond()),
              parts.isEmpty() ? "" : ", " + String.join(" and ", parts)));
    }
    return b.toString();
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append(
        "## Live-query fan-out: Tributary beside the traditional stack and a raw gRPC fan-out\n\n");
    b.append(
        f(
            "%s · commit `%s` (%s) · %s CPUs (%s) · %s RAM · %s · JVM flags `%s` · GC %s ·"
                + " load average %s at the start, %s at the end · run took %.0f s%n%n",
            machine.get("date"),
            machine.get("git_commit"),
            machine.get("git_worktree"),
            machine.get("cpus"),
            machine.get("cpu_model"),
            machine.get("memory"),
            machine.get("jvm"),
            machine.get("jvm_flags"),
            machine.get("gc"),
            machine.get("load_average_at_start"),
            machine.get("load_average_at_end"),
            elapsedSeconds));
    b.append(
        f(
            "Options: %d client connections over %d reader users; each phase measures %s s"
                + " after %s s of warm-up (a fixed-rate phase at least %d changes); fixed rate%s"
                + " of %s changes/s per 1,000 matching subscriptions%s.%n%n",
            options.connections(),
            options.users(),
            num(options.phaseSeconds()),
            num(options.warmupSeconds()),
            options.minChanges(),
            options.rates().size() > 1 ? "s" : "",
            options.rates().stream().map(Report::num).reduce((x, y) -> x + " and " + y).orElse("–"),
            options.quick() ? "; **--quick** (tiny sizes: a fast look, not a measurement)" : ""));
    if (!postgres.isEmpty()) {
      b.append(
          f(
              "Traditional stack: %s (binaries: %s; %s), in a %s; a table like Tributary's with an"
                  + " AFTER INSERT trigger `pg_notify('%s', row_to_json(NEW)::text)`; %s writer"
                  + " connections (each INSERT its own transaction, acknowledged at commit); a relay"
                  + " in this JVM that LISTENs and fans each notification out with %s threads over"
                  + " the ceiling's gRPC streams.%n%n",
              postgres.get("version"),
              postgres.get("binaries"),
              postgres.get("settings"),
              postgres.get("data_directory"),
              PostgresTarget.CHANNEL,
              postgres.get("writer_connections"),
              postgres.get("relay_fanout_threads")));
    }
    skipped.forEach(
        (target, why) ->
            b.append(f("> **%s not run**: %s%n%n", label(target), why.replace('\n', ' '))));
    if (!notRun.isEmpty()) {
      b.append(
          f(
              "> **Left out, over the time budget of %s s**: %s.%n%n",
              num(options.budgetSeconds()), String.join(", ", notRun)));
    }
    double worst =
        results.stream()
            .mapToDouble(PhaseResult::otherCoresBusy)
            .filter(v -> !Double.isNaN(v))
            .max()
            .orElse(0);
    if (worst > QUIET_CORES) {
      b.append(
          f(
              "> **Disturbed run**: other processes kept up to %.2f cores busy during a measured"
                  + " phase (see the last column of *CPU per change*); compare figures with care.%n%n",
              worst));
    }
    String words = inWords();
    if (!words.isEmpty()) {
      b.append("In words:\n\n").append(words).append('\n');
    }

    b.append("### Targets\n\n");
    Table checks = new Table("check", "figure", "goal", "");
    for (Map<String, Object> c : checks()) {
      checks.row(c.get("check"), c.get("figure"), c.get("goal"), yes((Boolean) c.get("met")));
    }
    b.append(checks);

    List<String> targets = targets();
    b.append(
        "\n### Throughput: deliveries/s at saturation\n\n"
            + "Each target publishes as fast as its clients take the changes, with at most"
            + " `window` changes not yet received by every matching subscription. Cores busy: this"
            + " JVM (servers, relay and clients) plus PostgreSQL's processes.\n\n");
    List<String> header =
        new ArrayList<>(List.of("scenario", "subscriptions", "matching", "window", "target"));
    header.addAll(
        List.of(
            "deliveries/s", "Tributary ÷ this", "changes/s", "cores busy", "errors", "set-up s"));
    Table sat = new Table(header.toArray(String[]::new));
    for (Layout l : options.layouts()) {
      PhaseResult t = find("tributary", l.name(), "saturation");
      for (String target : targets) {
        PhaseResult r = find(target, l.name(), "saturation");
        if (r == null) {
          continue;
        }
        Double open = openSeconds.get(l.name() + "/" + target);
        sat.row(
            l.name(),
            f("%,d", l.subscriptions()),
            f("%,d", l.matching()),
            windows.getOrDefault(l.name(), 0),
            label(target),
            num(r.deliveriesPerSecond()),
            t == null || target.equals("tributary")
                ? "–"
                : f("**%.2f**", t.deliveriesPerSecond() / r.deliveriesPerSecond()),
            num(r.changesPerSecond()),
            num(r.totalCoresBusy()),
            r.errors() + r.failures(),
            open == null ? "–" : f("%.1f", open));
      }
    }
    b.append(sat);

    b.append(
        "\n### Latency at the fixed rate (ms)\n\n"
            + "From the change's acknowledgement to the subscriber's client receiving the event (a"
            + " delivery that arrives before the acknowledgement counts as 0): Tributary's and"
            + " PostgreSQL's INSERT acknowledgement (PostgreSQL: its commit), the ceiling's hand-over"
            + " to the fan-out. Then from sending the change, and the acknowledgement's own round"
            + " trip.\n\n");
    Table lat =
        new Table(
            "scenario",
            "changes/s",
            "deliveries/s",
            "target",
            "p50 / p90 / p99 / p99.9 / max",
            "from send p50 / p99",
            "ack p50 / p99",
            "delivered");
    for (Layout l : options.layouts()) {
      for (double rate : options.rates()) {
        double changes = FanOutOptions.rateFor(l, rate);
        for (String target : targets) {
          PhaseResult r = find(target, l.name(), "rate", changes);
          if (r == null) {
            continue;
          }
          lat.row(
              l.name(),
              num(changes),
              num(changes * l.matching()),
              label(target),
              percentiles(r.latencyFromAck()),
              num(r.latencyFromSend().p50()) + " / " + num(r.latencyFromSend().p99()),
              num(r.ackLatency().p50()) + " / " + num(r.ackLatency().p99()),
              delivered(r));
        }
      }
    }
    b.append(lat);

    b.append(
        "\n### CPU per change\n\n"
            + "JVM CPU covers everything in this process: Tributary's server and embedded broker,"
            + " the ceiling, the relay, the PostgreSQL writers and all the in-process clients."
            + " PostgreSQL CPU is its server processes' (from /proc). Fan-out threads are"
            + " Tributary's `tributary-live-*`, the ceiling's `ceiling-fanout-*` or the relay's"
            + " `pg-relay-*`.\n\n");
    Table cpu =
        new Table(
            "scenario",
            "target",
            "phase",
            "changes/s",
            "deliveries/s",
            "JVM µs/change",
            "PostgreSQL µs/change",
            "total µs/delivery",
            "fan-out threads µs/change",
            "cores busy (total)",
            "other processes' cores");
    for (PhaseResult r : results) {
      cpu.row(
          r.scenario(),
          r.target(),
          r.mode(),
          num(r.changesPerSecond()),
          num(r.deliveriesPerSecond()),
          num(r.processCpuMicrosPerChange()),
          r.target().equals("postgres") ? num(r.outOfProcessCpuMicrosPerChange()) : "–",
          num(r.totalCpuMicrosPerDelivery()),
          num(r.fanOutCpuMicrosPerChange()),
          num(r.totalCoresBusy()),
          num(r.otherCoresBusy()));
    }
    b.append(cpu);

    b.append(
        "\n### Where the CPU went at saturation\n\n"
            + "The busiest thread groups of this JVM (digits in names shown as #), as a share of"
            + " its CPU in the phase.\n\n");
    Table threads = new Table("scenario", "target", "busiest threads");
    for (PhaseResult r : results) {
      if (r.mode().equals("saturation")) {
        double total = r.processCpuNanos() / 1e6;
        StringBuilder t = new StringBuilder();
        r.busiestThreadsMillis()
            .forEach(
                (name, ms) -> {
                  if (ms >= total * 0.02) {
                    t.append(t.length() == 0 ? "" : ", ")
                        .append('`')
                        .append(name)
                        .append("` ")
                        .append(f("%.0f%%", 100.0 * ms / total));
                  }
                });
        threads.row(r.scenario(), r.target(), t);
      }
    }
    b.append(threads);

    List<Growth> growths = new ArrayList<>();
    for (String target : targets) {
      growths.addAll(growths(target));
    }
    if (!growths.isEmpty()) {
      b.append(
          f(
              "%n### Cost growth with subscriptions at fixed matches%n%n"
                  + "The larger scenario's figure over the smaller one's (flat is 1.0×); rate"
                  + " figures at %s changes/s per 1,000 matches, total CPU (JVM and PostgreSQL)"
                  + " at saturation.%n%n",
              num(topRate())));
      Table g =
          new Table(
              "target",
              "from → to",
              "fan-out threads CPU/change",
              "JVM CPU/change",
              "total CPU/change (saturation)",
              "p50 latency",
              "saturated changes/s");
      for (Growth x : growths) {
        g.row(
            label(x.target),
            x.small + " → " + x.large,
            f("%.2f×", x.fanOutCpu),
            f("%.2f×", x.processCpu),
            f("%.2f×", x.totalCpu),
            f("%.2f×", x.p50),
            f("%.2f×", x.saturatedChanges));
      }
      b.append(g);
    }
    if (heap != null) {
      b.append(
          f(
              "%n### Heap per idle subscription (Tributary, server side)%n%n"
                  + "%,d idle subscriptions (%,d following the hot room, the rest spread over"
                  + " %,d other rooms) over %d streams, opened by a child JVM so that the"
                  + " clients' objects are not in the server's heap. The server's heap after"
                  + " full GC: %,d B before the clients, %,d B with their streams open, %,d B"
                  + " with the subscriptions added, %,d B after the clients left.%n%n"
                  + "**%,.0f B per idle subscription**; %,.0f B per idle stream (connection)."
                  + " Opening the subscriptions took %.1f s.%n",
              heap.subscriptions(),
              Math.min(options.heapMatching(), heap.subscriptions()),
              Layout.OTHER_ROOMS,
              heap.connections(),
              heap.baselineBytes(),
              heap.withStreamsBytes(),
              heap.withSubscriptionsBytes(),
              heap.afterCloseBytes(),
              heap.bytesPerSubscription(),
              heap.bytesPerStream(),
              heap.subscribeSeconds()));
    }
    b.append(
        "\nStart-up: "
            + startSeconds.entrySet().stream()
                .map(e -> label(e.getKey()) + " " + f("%.1f s", e.getValue()))
                .reduce((x, y) -> x + ", " + y)
                .orElse("–")
            + ". Set-up (opening every stream and subscription of a scenario): "
            + openSeconds.entrySet().stream()
                .map(e -> e.getKey() + " " + f("%.1f s", e.getValue()))
                .reduce((x, y) -> x + ", " + y)
                .orElse("–")
            + ".\n");
    if (!jitWarmUps.isEmpty()) {
      b.append(
          "\nJIT warm-up before the first scenario (saturation phases as "
              + SteadyWarmUp.rule(options.jitWarmupSeconds())
              + "): ");
      b.append(
          jitWarmUps.entrySet().stream()
              .map(
                  e ->
                      label(e.getKey())
                          + " "
                          + f("%.0f s", e.getValue().seconds())
                          + (e.getValue().steady() ? "" : " (not steady at the limit)"))
              .reduce((x, y) -> x + ", " + y)
              .orElse("–"));
      b.append(".\n");
    }
    return b.toString();
  }

  private static String percentiles(Latency l) {
    return num(l.p50())
        + " / "
        + num(l.p90())
        + " / "
        + num(l.p99())
        + " / "
        + num(l.p999())
        + " / "
        + num(l.max());
  }

  private static String delivered(PhaseResult r) {
    return r == null ? "–" : f("%.1f%%", 100.0 * r.deliveries() / r.expectedDeliveries());
  }

  /** A Markdown table. */
  private static final class Table {
    private final StringBuilder text = new StringBuilder();

    Table(String... header) {
      text.append("| ").append(String.join(" | ", header)).append(" |\n|");
      for (int i = 0; i < header.length; i++) {
        text.append("---|");
      }
      text.append('\n');
    }

    void row(Object... cells) {
      text.append('|');
      for (Object c : cells) {
        text.append(' ').append(c).append(" |");
      }
      text.append('\n');
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  /** One latency curve per target for each scenario and fixed rate (the suite's charts). */
  List<Map<String, Object>> latencyDistributions() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Layout l : options.layouts()) {
      for (double rate : options.rates()) {
        double changes = FanOutOptions.rateFor(l, rate);
        String chart =
            "fanout-latency-" + l.name() + (options.rates().size() > 1 ? "-" + num(rate) : "");
        for (String target : targets()) {
          PhaseResult r = find(target, l.name(), "rate", changes);
          if (r == null || r.latencyCurve().isEmpty()) {
            continue;
          }
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("chart", chart);
          m.put(
              "title",
              f(
                  "Fan-out %s: change acknowledged → client (%,d subscriptions, %,d matching,"
                      + " %s changes/s)",
                  l.name(), l.subscriptions(), l.matching(), num(changes)));
          m.put("series", label(target));
          m.put("percentiles", r.latencyCurve());
          out.add(m);
        }
      }
    }
    return out;
  }

  /**
   * Line charts against the number of subscriptions, one series per target: saturated deliveries/s,
   * p50 and p99 latency at the highest fixed rate (scenarios where every subscription matches), and
   * total CPU per change at saturation where the matches stay fixed.
   */
  List<Map<String, Object>> series() {
    List<Map<String, Object>> out = new ArrayList<>();
    List<Layout> allMatch =
        options.layouts().stream()
            .filter(l -> l.matching() == l.subscriptions())
            .sorted(Comparator.comparingInt(Layout::subscriptions))
            .toList();
    for (String target : targets()) {
      List<List<Double>> throughput = new ArrayList<>();
      List<List<Double>> p50 = new ArrayList<>();
      List<List<Double>> p99 = new ArrayList<>();
      for (Layout l : allMatch) {
        PhaseResult s = find(target, l.name(), "saturation");
        if (s != null) {
          throughput.add(List.of((double) l.subscriptions(), s.deliveriesPerSecond()));
        }
        PhaseResult r = find(target, l.name(), "rate", FanOutOptions.rateFor(l, topRate()));
        if (r != null && r.latencyFromAck().count() > 0) {
          p50.add(List.of((double) l.subscriptions(), r.latencyFromAck().p50()));
          p99.add(List.of((double) l.subscriptions(), r.latencyFromAck().p99()));
        }
      }
      String rate = num(topRate()) + " changes/s per 1,000 matches";
      add(
          out,
          "fanout-throughput",
          "Fan-out: deliveries/s at saturation",
          "deliveries/s",
          target,
          throughput);
      add(
          out,
          "fanout-latency-p50",
          "Fan-out: p50 latency, ack → client, at " + rate,
          "p50 latency (ms)",
          target,
          p50);
      add(
          out,
          "fanout-latency-p99",
          "Fan-out: p99 latency, ack → client, at " + rate,
          "p99 latency (ms)",
          target,
          p99);
    }
    // cost growth: layouts sharing their number of matches with another layout
    for (String target : targets()) {
      List<List<Double>> cost = new ArrayList<>();
      int matching = -1;
      for (Layout l :
          options.layouts().stream()
              .sorted(Comparator.comparingInt(Layout::subscriptions))
              .toList()) {
        boolean shared =
            options.layouts().stream()
                .anyMatch(o -> !o.name().equals(l.name()) && o.matching() == l.matching());
        PhaseResult s = find(target, l.name(), "saturation");
        if (shared && s != null && (matching < 0 || matching == l.matching())) {
          matching = l.matching();
          cost.add(List.of((double) l.subscriptions(), s.totalCpuMicrosPerChange()));
        }
      }
      add(
          out,
          "fanout-cost-growth",
          f("Fan-out: CPU per change with %,d matches, as subscriptions grow", matching),
          "total CPU µs per change (saturation)",
          target,
          cost);
    }
    return out;
  }

  private static void add(
      List<Map<String, Object>> out,
      String chart,
      String title,
      String yLabel,
      String target,
      List<List<Double>> points) {
    if (points.isEmpty()) {
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("x_label", "subscriptions");
    m.put("y_label", yLabel);
    m.put("series", label(target));
    m.put("points", points);
    out.add(m);
  }

  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", FanOutBenchmark.SCENARIO);
    m.put("benchmark", FanOutBenchmark.SCENARIO);
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("elapsed_seconds", elapsedSeconds);
    m.put("checks", checks());
    m.put("latency_distributions", latencyDistributions());
    m.put("series", series());
    m.put("skipped_targets", skipped);
    m.put("not_run_over_budget", notRun);
    m.put("postgres", postgres.isEmpty() ? null : postgres);
    List<Object> phases = new ArrayList<>();
    for (PhaseResult r : results) {
      Map<String, Object> p = r.toMap();
      Layout l =
          options.layouts().stream().filter(x -> x.name().equals(r.scenario())).findFirst().get();
      p.put("subscriptions", l.subscriptions());
      p.put("matching", l.matching());
      p.put("connections", l.connections());
      phases.add(p);
    }
    m.put("phases", phases);
    List<Object> growth = new ArrayList<>();
    for (String target : targets()) {
      for (Growth g : growths(target)) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("target", g.target);
        x.put("from", g.small);
        x.put("to", g.large);
        x.put("fanout_threads_cpu_per_change_ratio", g.fanOutCpu);
        x.put("process_cpu_per_change_ratio", g.processCpu);
        x.put("total_cpu_per_change_at_saturation_ratio", g.totalCpu);
        x.put("p50_latency_ratio", g.p50);
        x.put("saturated_changes_per_s_ratio", g.saturatedChanges);
        growth.add(x);
      }
    }
    m.put("cost_growth", growth);
    m.put("heap", heap == null ? null : heap.toMap());
    m.put("setup_seconds", openSeconds);
    m.put("startup_seconds", startSeconds);
    Map<String, Object> warm = new LinkedHashMap<>();
    jitWarmUps.forEach((target, w) -> warm.put(target, w.toMap()));
    m.put("jit_warmup", warm);
    return Json.write(m);
  }
}
