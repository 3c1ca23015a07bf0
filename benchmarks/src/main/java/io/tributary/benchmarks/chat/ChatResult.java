package io.tributary.benchmarks.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The chat benchmark's figures, and its report: {@code chat.md} and {@code chat.json}. */
record ChatResult(
    ChatOptions options,
    Map<String, Object> machine,
    int subscriptions,
    double setupSeconds,
    List<StepResult> steps,
    List<String> streamErrors) {

  static final String BASELINE_NOT_RUN =
      "baseline not run: the PostgreSQL stack (trigger + pg_notify + a relay routing per"
          + " conversation) is not wired into the chat scenario yet";

  /** The highest step within the wall (0 when none is). */
  int wall() {
    int wall = 0;
    for (StepResult s : steps) {
      if (s.withinWall()) {
        wall = s.offeredPerSecond();
      }
    }
    return wall;
  }

  private StepResult step(int rate) {
    for (StepResult s : steps) {
      if (s.offeredPerSecond() == rate && s.ran()) {
        return s;
      }
    }
    return null;
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    checks.add(
        check(
            "chat insert wall (fsync mode) vs the PostgreSQL stack's",
            wall() + " inserts/s; " + BASELINE_NOT_RUN,
            "≥ 3× the PostgreSQL stack's wall in the same run",
            false));
    StepResult at1k = step(1_000);
    String where = "at 1,000 inserts/s (fsync mode)";
    if (at1k == null) {
      checks.add(check("p50 send → subscriber " + where, "step not run", "≤ 2 ms", false));
      checks.add(check("p99 send → subscriber " + where, "step not run", "≤ 8 ms", false));
    } else {
      checks.add(
          check("p50 send → subscriber " + where, ms(at1k.p(50)), "≤ 2 ms", at1k.p(50) <= 2));
      checks.add(
          check("p99 send → subscriber " + where, ms(at1k.p(99)), "≤ 8 ms", at1k.p(99) <= 8));
    }
    boolean exact = steps.stream().filter(StepResult::ran).allMatch(StepResult::exact);
    checks.add(
        check(
            "every matching change reached every member exactly once, and nobody else",
            exact ? "yes, in every step run" : "no (see the steps)",
            "every step",
            exact));
    return checks;
  }

  private static Map<String, Object> check(String name, String figure, String goal, boolean met) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("check", name);
    m.put("figure", figure);
    m.put("goal", goal);
    m.put("met", met);
    return m;
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.2f ms", v);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "chat");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("subscriptions", subscriptions);
    m.put("setup_seconds", Math.round(setupSeconds * 10) / 10.0);
    m.put("wall_inserts_per_s", wall());
    m.put("baseline", BASELINE_NOT_RUN);
    m.put("checks", checks());
    List<Map<String, Object>> distributions = new ArrayList<>();
    List<List<Object>> p99 = new ArrayList<>();
    List<List<Object>> achieved = new ArrayList<>();
    List<Map<String, Object>> stepMaps = new ArrayList<>();
    for (StepResult s : steps) {
      stepMaps.add(s.toMap());
      if (!s.ran()) {
        continue;
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("chart", "chat-latency");
      d.put("title", "Chat: scheduled send → each subscriber, by offered inserts/s");
      d.put("series", "Tributary " + s.offeredPerSecond() + "/s");
      d.put("percentiles", s.percentiles());
      distributions.add(d);
      if (!Double.isNaN(s.p(99))) {
        p99.add(List.of(s.offeredPerSecond(), s.p(99)));
      }
      achieved.add(List.of(s.offeredPerSecond(), Math.round(s.achievedPerSecond())));
    }
    m.put("steps", stepMaps);
    m.put("stream_errors", streamErrors);
    m.put("latency_distributions", distributions);
    m.put(
        "series",
        List.of(
            series("chat-p99", "Chat: p99 send → subscriber", "ms", p99),
            series("chat-achieved", "Chat: achieved inserts/s", "inserts/s", achieved)));
    return m;
  }

  private static Map<String, Object> series(
      String chart, String title, String yLabel, List<List<Object>> points) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("x_label", "offered inserts/s");
    m.put("y_label", yLabel);
    m.put("series", "Tributary");
    m.put("points", points);
    return m;
  }

  String markdown() {
    ChatOptions o = options;
    StringBuilder md = new StringBuilder();
    md.append("## Chat (group conversations)\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Tributary's chat insert wall: **%s** (the highest step with p99 send → subscriber ≤"
                + " %.0f ms, every matching change delivered exactly once, ≥ %.0f%% of the offered"
                + " rate achieved). No ratio to the PostgreSQL stack: %s (TODO, issue 17).\n\n",
            wall() == 0 ? "below the lowest step" : wall() + " inserts/s",
            ChatOptions.WALL_P99_MS,
            ChatOptions.WALL_ACHIEVED * 100,
            BASELINE_NOT_RUN));
    md.append(
        String.format(
            Locale.ROOT,
            "%s, commit %s, %s CPUs, load average %s at the start. Server (default settings:"
                + " embedded broker, durable writes with an fsync per append) in its own JVM (%s);"
                + " the %d reader and %d writer connections in the benchmark's JVM. %d"
                + " conversations of %d–%d reader members (drawn at random, seed %d) plus one"
                + " writer each; %d subscriptions `SUBSCRIBE TO chat.group_messages WHERE"
                + " conversation_id = X` on the SHARED table guarded by the membership policies of"
                + " README's \"Group conversations\" (set up in %.1f s). Writers post"
                + " parameterized single-row INSERTs as themselves to random conversations of"
                + " theirs on an absolute schedule (open loop, at most %d unanswered); latency is"
                + " from each insert's **scheduled** send to each subscriber's receipt. %s s per"
                + " step after a %s s warm-up at the first step's rate.%s\n\n",
            machine.getOrDefault("date", ""),
            machine.getOrDefault("git_commit", "?"),
            machine.getOrDefault("cpus", "?"),
            machine.getOrDefault("load_average_at_start", "?"),
            String.join(" ", o.serverJvmFlags()),
            o.users(),
            o.writers(),
            o.conversations(),
            o.minMembers(),
            o.maxMembers(),
            o.seed(),
            subscriptions,
            setupSeconds,
            o.maxInFlight(),
            trim(o.stepSeconds()),
            trim(o.warmupSeconds()),
            o.quick() ? " **Quick run: tiny sizes, not figures.**" : ""));
    md.append(
        "| offered/s | achieved/s | inserts | deliveries | missing | dup. | to non-members |"
            + " messages | p50 ms | p99 ms | p99.9 ms | max ms | ack p50 ms | ack p99 ms |"
            + " server cores | client cores | wall |\n");
    md.append(
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (StepResult s : steps) {
      if (!s.ran()) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %d | not run (a lower step missed the wall) |||||||||||||||| |\n",
                s.offeredPerSecond()));
        continue;
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %.0f | %d | %d / %d | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f |"
                  + " %.2f | %.2f | %.2f | %s |\n",
              s.offeredPerSecond(),
              s.achievedPerSecond(),
              s.inserts(),
              s.deliveries(),
              s.expectedDeliveries(),
              s.missing(),
              s.duplicates(),
              s.foreign(),
              s.messages(),
              s.p(50),
              s.p(99),
              s.p(99.9),
              s.p(100),
              s.ackP(50),
              s.ackP(99),
              s.serverCores(),
              s.clientCores(),
              s.withinWall() ? "within" : "beyond"));
    }
    md.append(
        "\n### Checks (issue 17's goals)\n\n| check | figure | goal | met |\n|---|---|---|---|\n");
    for (Map<String, Object> c : checks()) {
      md.append(
          String.format(
              "| %s | %s | %s | %s |\n",
              c.get("check"),
              c.get("figure"),
              c.get("goal"),
              (boolean) c.get("met") ? "met" : "**missed**"));
    }
    for (StepResult s : steps) {
      if (s.firstFailure() != null) {
        md.append("\nFirst failure at ")
            .append(s.offeredPerSecond())
            .append("/s: ")
            .append(s.firstFailure())
            .append('\n');
        break;
      }
    }
    if (!streamErrors.isEmpty()) {
      md.append("\nStream errors: ").append(streamErrors.size()).append(", first: ");
      md.append(streamErrors.get(0)).append('\n');
    }
    md.append(
        "\nNot measured yet (issue 17): the PostgreSQL baseline and the raw gRPC ceiling in the"
            + " same run, the page-cache durability mode, three alternating repetitions per"
            + " target, and the one-to-one variant on a USER table. `chat.group_messages` is one"
            + " partition: `PARTITION_KEY` is not built for SHARED tables (refused), so every"
            + " conversation's writes go through one partition. A *delivery* is one change"
            + " received by one subscription; *messages* counts the `LiveEventBatch` messages"
            + " (carrying at least one insert) that carried them.\n");
    return md.toString();
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
