package io.tributary.benchmarks;

import io.tributary.benchmarks.PolicyFanOutBenchmark.Phase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link PolicyFanOutBenchmark}'s figures and report ({@code policy-fanout.md}, {@code .json}):
 * every phase of every repetition, each repetition's ratios policed ÷ unpoliced, their medians
 * against issue 16's targets.
 */
record PolicyFanOutResult(
    PolicyFanOutOptions options, Map<String, Object> machine, int users, List<Phase> phases) {

  /** The phase of a repetition, by name. */
  Phase phase(int repetition, String name) {
    for (Phase p : phases) {
      if (p.repetition() == repetition && p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** Repetitions with both phases run, in order. */
  List<Integer> repetitions() {
    List<Integer> out = new ArrayList<>();
    for (Phase p : phases) {
      if (!out.contains(p.repetition())
          && phase(p.repetition(), PolicyFanOutBenchmark.OPEN) != null
          && phase(p.repetition(), PolicyFanOutBenchmark.POLICED) != null) {
        out.add(p.repetition());
      }
    }
    return out;
  }

  /** Policed deliveries/s ÷ unpoliced, per repetition. */
  List<Double> throughputRatios() {
    List<Double> out = new ArrayList<>();
    for (int r : repetitions()) {
      out.add(
          phase(r, PolicyFanOutBenchmark.POLICED).deliveriesPerSecond()
              / phase(r, PolicyFanOutBenchmark.OPEN).deliveriesPerSecond());
    }
    return out;
  }

  /** Policed p99 ÷ unpoliced p99, per repetition. */
  List<Double> p99Ratios() {
    List<Double> out = new ArrayList<>();
    for (int r : repetitions()) {
      out.add(
          phase(r, PolicyFanOutBenchmark.POLICED).latency().p99()
              / phase(r, PolicyFanOutBenchmark.OPEN).latency().p99());
    }
    return out;
  }

  /** The median of the values that are numbers (NaN when none is). */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>();
    for (double v : values) {
      if (Double.isFinite(v)) {
        sorted.add(v);
      }
    }
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    double t = median(throughputRatios());
    double l = median(p99Ratios());
    // A ratio taken before both phases were steady compares warm-ups: it does not count.
    boolean steady = !phases.isEmpty() && phases.stream().allMatch(p -> p.warmUp().steady());
    String unsteady = steady ? "" : "; not counted: a warm-up was not steady";
    checks.add(
        Checks.check(
            "policed deliveries/s ÷ unpoliced (median of the repetitions)",
            ratio(t) + " (runs: " + ratios(throughputRatios()) + ")" + unsteady,
            "≥ " + ratio(PolicyFanOutOptions.MIN_THROUGHPUT_RATIO),
            steady && t >= PolicyFanOutOptions.MIN_THROUGHPUT_RATIO));
    checks.add(
        Checks.check(
            "policed p99 ÷ unpoliced p99 (median of the repetitions)",
            ratio(l) + " (runs: " + ratios(p99Ratios()) + ")" + unsteady,
            "≤ " + ratio(PolicyFanOutOptions.MAX_P99_RATIO),
            steady && l <= PolicyFanOutOptions.MAX_P99_RATIO));
    boolean exact = !phases.isEmpty() && phases.stream().allMatch(Phase::exact);
    checks.add(
        Checks.check(
            "every message reached every member of its conversation, and nobody else",
            exact ? "yes, in every phase" : "no (see the phases)",
            "every phase",
            exact));
    checks.add(
        Checks.check(
            "every phase measured after a steady warm-up",
            steady ? "yes" : "no: a warm-up reached its limit (see the phases)",
            "every phase",
            steady));
    return checks;
  }

  private static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f×", v);
  }

  private static String ratios(List<Double> values) {
    List<String> out = new ArrayList<>();
    for (double v : values) {
      out.add(ratio(v));
    }
    return String.join(", ", out);
  }

  String markdown() {
    PolicyFanOutOptions o = options;
    StringBuilder md = new StringBuilder("## Group chat with and without a row policy\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%s The server runs in its own JVM (%s; %s), every client in the benchmark's JVM: %d"
                + " member connections (the Java SDK, one per user, one subscription each) and %d"
                + " writer connections (gRPC, root). %d conversations of 2–10 members; message"
                + " tables %s. Load: %s; latency from each message's **scheduled** send to each"
                + " member's receipt. Each phase subscribes, warms up (%s; a window's value is the"
                + " p99 of what arrived in it, or not steady when that differs by more than 10%%"
                + " from the deliveries sent in it; the compiler is both JVMs', the server's and"
                + " this one's), measures the messages scheduled in %d s (each"
                + " counted when it reaches each member; deliveries/s over the time they took to"
                + " arrive) and unsubscribes. %d repetitions, alternating which phase goes first;"
                + " every one is below, none dropped. The deliveries/s figures are at the offered"
                + " load, each with its p99 beside it.%s\n\n",
            Machine.header(machine),
            String.join(" ", o.serverJvmFlags()),
            o.durability().equals("fsync") ? "fsync per append" : "no fsync (page cache)",
            users,
            o.writers(),
            o.conversations(),
            o.partitioned() ? "`WITH (PARTITION_KEY = 'conversation_id')`" : "one partition each",
            o.closedLoop()
                ? "closed loop (each writer sends when its last message is answered): the"
                    + " deliveries/s are a saturation figure, its latency bound the p99 beside it"
                : "open loop, "
                    + o.rate()
                    + " messages/s on an absolute schedule (at most "
                    + o.maxInFlight()
                    + " unanswered)",
            SteadyWarmUp.rule(
                o.warmupMaxSeconds(),
                PolicyFanOutBenchmark.LATENCY_SPREAD,
                PolicyFanOutBenchmark.LATENCY_SLACK_MS,
                "ms"),
            o.seconds(),
            o.repetitions(),
            Double.parseDouble(String.valueOf(machine.getOrDefault("cpus", "0"))) <= 2
                ? " Servers and clients share the machine's cores."
                : ""));
    md.append(
        "| rep. | order | phase | warm-up | messages/s | last send late s | deliveries/s |"
            + " delivered | to non-members | failed writes | p50 ms | p99 ms | p99.9 ms | max ms |"
            + " server cores | client cores | deliveries/s ratio | p99 ratio |\n");
    md.append(
        "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int r : repetitions()) {
      Phase open = phase(r, PolicyFanOutBenchmark.OPEN);
      Phase policed = phase(r, PolicyFanOutBenchmark.POLICED);
      for (Phase p :
          open.order() < policed.order() ? List.of(open, policed) : List.of(policed, open)) {
        Latency l = p.latency();
        boolean ratios = p == policed;
        md.append(
            String.format(
                Locale.ROOT,
                "| %d | %d | %s | %.0f s%s | %.0f | %.3f | %.0f | %d / %d | %d | %d | %.2f | %.2f |"
                    + " %.2f | %.2f | %.2f | %.2f | %s | %s |\n",
                r,
                p.order(),
                p.name(),
                p.warmUp().seconds(),
                p.warmUp().steady() ? ", steady" : ", **not steady**",
                p.sentPerSecond(),
                p.lateSeconds(),
                p.deliveriesPerSecond(),
                p.deliveries(),
                p.expected(),
                p.foreign(),
                p.failures(),
                l.p50(),
                l.p99(),
                l.p999(),
                l.max(),
                p.serverCores(),
                p.clientCores(),
                ratios ? ratio(policed.deliveriesPerSecond() / open.deliveriesPerSecond()) : "",
                ratios ? ratio(policed.latency().p99() / open.latency().p99()) : ""));
      }
    }
    for (Phase p : phases) {
      if (p.firstFailure() != null) {
        md.append("\nFirst failure (repetition ")
            .append(p.repetition())
            .append(", ")
            .append(p.name())
            .append("): ")
            .append(p.firstFailure())
            .append('\n');
      }
    }
    md.append('\n');
    md.append(Checks.markdown("Checks (issue 16's benchmark)", checks()));
    return md.toString();
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "policy-fanout");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("users", users);
    List<Map<String, Object>> out = new ArrayList<>();
    List<Map<String, Object>> distributions = new ArrayList<>();
    for (Phase p : phases) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("repetition", p.repetition());
      e.put("order", p.order());
      e.put("phase", p.name());
      e.put("warm_up", p.warmUp().toMap());
      e.put("measured_seconds", p.seconds());
      e.put("messages", p.messages());
      e.put("sent_per_s", round(p.sentPerSecond()));
      e.put("last_send_late_s", round(p.lateSeconds()));
      e.put("expected_deliveries", p.expected());
      e.put("deliveries", p.deliveries());
      e.put("delivery_seconds", round(p.deliverySeconds()));
      e.put("deliveries_per_s", round(p.deliveriesPerSecond()));
      e.put("to_non_members", p.foreign());
      e.put("failed_writes", p.failures());
      if (p.firstFailure() != null) {
        e.put("first_failure", p.firstFailure());
      }
      e.put("latency_ms", p.latency().toMap());
      e.put("server_cores", round(p.serverCores()));
      e.put("client_cores", round(p.clientCores()));
      out.add(e);
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("chart", "policy-fanout-latency");
      d.put("title", "Group chat fan-out: scheduled send → each member");
      d.put("series", p.name() + ", repetition " + p.repetition());
      d.put("percentiles", Latency.percentiles(p.latencyMicros()));
      distributions.add(d);
    }
    m.put("phases", out);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("deliveries_per_s_ratios", roundAll(throughputRatios()));
    summary.put("p99_ratios", roundAll(p99Ratios()));
    summary.put("median_deliveries_per_s_ratio", round(median(throughputRatios())));
    summary.put("median_p99_ratio", round(median(p99Ratios())));
    m.put("summary", summary);
    m.put("checks", checks());
    m.put("latency_distributions", distributions);
    m.put("series", List.of());
    return m;
  }

  private static List<Object> roundAll(List<Double> values) {
    List<Object> out = new ArrayList<>();
    for (double v : values) {
      out.add(round(v));
    }
    return out;
  }

  private static Object round(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
  }
}
