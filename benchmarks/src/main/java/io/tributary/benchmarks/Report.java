package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one run as Markdown (printed and written under {@code benchmarks/results/}) and as
 * JSON (the raw figures), with the targets checked.
 */
final class Report {
  /** Deliveries/s of Tributary over the ceiling's that the issue asks for. */
  static final double TARGET_RATIO = 0.5;

  static final double TARGET_P50_MS = 10;
  static final double TARGET_P99_MS = 30;
  static final double TARGET_HEAP_BYTES = 1024;

  /** Other processes' cores busy above which a phase counts as disturbed. */
  static final double QUIET_CORES = 0.2;

  /** How much per-change cost may grow from N to 10N subscriptions (same matches) and be "flat". */
  static final double TARGET_GROWTH = 1.25;

  private final Map<String, Object> machine;
  private final FanOutOptions options;
  private final List<PhaseResult> results;
  private final Map<String, Integer> windows;
  private final Map<String, Double> openSeconds;
  private final HeapProbe.Result heap;
  private final double elapsedSeconds;

  Report(
      Map<String, Object> machine,
      FanOutOptions options,
      List<PhaseResult> results,
      Map<String, Integer> windows,
      Map<String, Double> openSeconds,
      HeapProbe.Result heap,
      double elapsedSeconds) {
    this.machine = machine;
    this.options = options;
    this.results = results;
    this.windows = windows;
    this.openSeconds = openSeconds;
    this.heap = heap;
    this.elapsedSeconds = elapsedSeconds;
  }

  List<PhaseResult> phases() {
    return results;
  }

  HeapProbe.Result heap() {
    return heap;
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
              "heap per idle subscription (server)",
              heap.bytesPerSubscription(),
              f("%,.0f B", heap.bytesPerSubscription()),
              "≤ 1 KB",
              heap.bytesPerSubscription() <= TARGET_HEAP_BYTES));
    }
    for (Growth g : growths()) {
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
    m.put("value", value);
    m.put("shown", shown);
    m.put("goal", goal);
    m.put("met", met);
    return m;
  }

  /** Tributary's per-change cost from a layout to one with more subscriptions, same matches. */
  private record Growth(
      String small,
      String large,
      double fanOutCpu,
      double processCpu,
      double p50,
      double saturatedChanges) {}

  private List<Growth> growths() {
    List<Growth> out = new ArrayList<>();
    for (Layout a : options.layouts()) {
      for (Layout b : options.layouts()) {
        if (a.matching() == b.matching() && b.subscriptions() > a.subscriptions()) {
          PhaseResult ra = find("tributary", a.name(), "rate", FanOutOptions.rateFor(a, topRate()));
          PhaseResult rb = find("tributary", b.name(), "rate", FanOutOptions.rateFor(b, topRate()));
          PhaseResult sa = find("tributary", a.name(), "saturation");
          PhaseResult sb = find("tributary", b.name(), "saturation");
          if (ra != null && rb != null && sa != null && sb != null) {
            out.add(
                new Growth(
                    a.name(),
                    b.name(),
                    rb.fanOutCpuMicrosPerChange() / ra.fanOutCpuMicrosPerChange(),
                    rb.processCpuMicrosPerChange() / ra.processCpuMicrosPerChange(),
                    rb.latencyFromAck().p50() / ra.latencyFromAck().p50(),
                    sb.changesPerSecond() / sa.changesPerSecond()));
          }
        }
      }
    }
    return out;
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Live-query fan-out: Tributary vs a raw gRPC fan-out (same run)\n\n");
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
            "Options: %d client connections over %d reader users; each phase measures %.0f s"
                + " after %.0f s of warm-up; fixed rates of %s changes/s per 1,000 matching"
                + " subscriptions.%n%n",
            options.connections(),
            options.users(),
            options.phaseSeconds(),
            options.warmupSeconds(),
            options.rates().stream()
                .map(Report::num)
                .reduce((x, y) -> x + " and " + y)
                .orElse("–")));

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
    b.append("## Targets\n\n");
    Table checks = new Table("check", "figure", "goal", "");
    for (Map<String, Object> c : checks()) {
      checks.row(c.get("check"), c.get("shown"), c.get("goal"), yes((Boolean) c.get("met")));
    }
    b.append(checks);

    b.append(
        "\n## Throughput: deliveries/s at saturation\n\n"
            + "Each target publishes as fast as its clients take the changes, with at most"
            + " `window` changes not yet received by every matching subscription.\n\n");
    Table sat =
        new Table(
            "scenario",
            "subscriptions",
            "matching",
            "window",
            "Tributary deliveries/s",
            "ceiling deliveries/s",
            "ratio",
            "Tributary changes/s",
            "ceiling changes/s",
            "cores busy (T / C)",
            "errors (T / C)");
    for (Layout l : options.layouts()) {
      PhaseResult t = find("tributary", l.name(), "saturation");
      PhaseResult c = find("ceiling", l.name(), "saturation");
      sat.row(
          l.name(),
          f("%,d", l.subscriptions()),
          f("%,d", l.matching()),
          windows.getOrDefault(l.name(), 0),
          t == null ? "–" : num(t.deliveriesPerSecond()),
          c == null ? "–" : num(c.deliveriesPerSecond()),
          t == null || c == null
              ? "–"
              : f("**%.2f**", t.deliveriesPerSecond() / c.deliveriesPerSecond()),
          t == null ? "–" : num(t.changesPerSecond()),
          c == null ? "–" : num(c.changesPerSecond()),
          (t == null ? "–" : num(t.coresBusy())) + " / " + (c == null ? "–" : num(c.coresBusy())),
          (t == null ? "–" : Long.toString(t.errors() + t.failures()))
              + " / "
              + (c == null ? "–" : Long.toString(c.errors() + c.failures())));
    }
    b.append(sat);

    b.append(
        "\n## Latency at fixed rates (ms)\n\n"
            + "Tributary: from the INSERT's acknowledgement to the subscriber's client receiving"
            + " the event (a delivery that arrives before the acknowledgement counts as 0), then"
            + " from sending the INSERT, and the INSERT's own round trip. Ceiling: from handing the"
            + " change to the fan-out to the client receiving it.\n\n");
    Table lat =
        new Table(
            "scenario",
            "changes/s",
            "deliveries/s",
            "Tributary p50 / p90 / p99 / p99.9 / max",
            "Tributary from send p50 / p99",
            "INSERT ack p50 / p99",
            "ceiling p50 / p90 / p99 / p99.9 / max",
            "delivered (T / C)");
    for (Layout l : options.layouts()) {
      for (double rate : options.rates()) {
        double changes = FanOutOptions.rateFor(l, rate);
        PhaseResult t = find("tributary", l.name(), "rate", changes);
        PhaseResult c = find("ceiling", l.name(), "rate", changes);
        lat.row(
            l.name(),
            num(changes),
            num(changes * l.matching()),
            t == null ? "–" : percentiles(t.latencyFromAck()),
            t == null
                ? "–"
                : num(t.latencyFromSend().p50()) + " / " + num(t.latencyFromSend().p99()),
            t == null ? "–" : num(t.ackLatency().p50()) + " / " + num(t.ackLatency().p99()),
            c == null ? "–" : percentiles(c.latencyFromAck()),
            delivered(t) + " / " + delivered(c));
      }
    }
    b.append(lat);

    b.append(
        "\n## CPU per change\n\n"
            + "Process CPU covers everything in the JVM: both servers, the embedded broker and the"
            + " in-process clients. Fan-out threads are Tributary's `tributary-live-*` (the"
            + " matching dispatcher and the stream writers) or the ceiling's `ceiling-fanout-*`.\n\n");
    Table cpu =
        new Table(
            "scenario",
            "target",
            "phase",
            "changes/s",
            "deliveries/s",
            "process µs/change",
            "process µs/delivery",
            "fan-out threads µs/change",
            "cores busy",
            "other processes' cores");
    for (PhaseResult r : results) {
      cpu.row(
          r.scenario(),
          r.target(),
          r.mode(),
          num(r.changesPerSecond()),
          num(r.deliveriesPerSecond()),
          num(r.processCpuMicrosPerChange()),
          num(r.processCpuMicrosPerDelivery()),
          num(r.fanOutCpuMicrosPerChange()),
          num(r.coresBusy()),
          num(r.otherCoresBusy()));
    }
    b.append(cpu);

    b.append(
        "\n## Where the CPU went at saturation\n\n"
            + "The busiest thread groups (digits in names shown as #), as a share of the process"
            + " CPU of the phase.\n\n");
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

    List<Growth> growths = growths();
    if (!growths.isEmpty()) {
      b.append(
          f(
              "%n## Cost growth with subscriptions at fixed matches (Tributary)%n%n"
                  + "The larger scenario's figure over the smaller one's; rate figures at %s"
                  + " changes/s.%n%n",
              num(topRate())));
      Table g =
          new Table(
              "from → to",
              "fan-out threads CPU/change",
              "process CPU/change",
              "p50 latency",
              "saturated changes/s");
      for (Growth x : growths) {
        g.row(
            x.small + " → " + x.large,
            f("%.2f×", x.fanOutCpu),
            f("%.2f×", x.processCpu),
            f("%.2f×", x.p50),
            f("%.2f×", x.saturatedChanges));
      }
      b.append(g);
    }
    if (heap != null) {
      b.append(
          f(
              "%n## Heap per idle subscription (server side)%n%n"
                  + "%,d idle subscriptions (%,d following the hot room, the rest spread over"
                  + " %,d other rooms) over %d streams, opened by a child JVM so that the"
                  + " clients' objects are not in the server's heap. The server's heap after"
                  + " full GC: %,d B before the clients, %,d B with their streams open, %,d B"
                  + " with the subscriptions added, %,d B after the clients left.%n%n"
                  + "**%,.0f B per idle subscription**; %,.0f B per idle stream (connection).%n",
              heap.subscriptions(),
              Math.min(options.heapMatching(), heap.subscriptions()),
              Layout.OTHER_ROOMS,
              heap.connections(),
              heap.baselineBytes(),
              heap.withStreamsBytes(),
              heap.withSubscriptionsBytes(),
              heap.afterCloseBytes(),
              heap.bytesPerSubscription(),
              heap.bytesPerStream()));
    }
    b.append(
        "\nSet-up (opening every stream and subscription of a scenario): "
            + openSeconds.entrySet().stream()
                .map(e -> e.getKey() + " " + f("%.1f s", e.getValue()))
                .reduce((x, y) -> x + ", " + y)
                .orElse("–")
            + ".\n");
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

  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "fanout");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("elapsed_seconds", elapsedSeconds);
    m.put("checks", checks());
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
    for (Growth g : growths()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("from", g.small);
      x.put("to", g.large);
      x.put("fanout_threads_cpu_per_change_ratio", g.fanOutCpu);
      x.put("process_cpu_per_change_ratio", g.processCpu);
      x.put("p50_latency_ratio", g.p50);
      x.put("saturated_changes_per_s_ratio", g.saturatedChanges);
      growth.add(x);
    }
    m.put("cost_growth", growth);
    m.put("heap", heap == null ? null : heap.toMap());
    m.put("setup_seconds", openSeconds);
    return Json.write(m);
  }
}
