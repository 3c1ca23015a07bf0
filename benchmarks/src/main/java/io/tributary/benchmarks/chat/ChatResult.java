package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import io.tributary.benchmarks.chat.ChatBenchmark.TargetRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The chat benchmark's figures, and its report: {@code chat.md} and {@code chat.json}. Every
 * repetition of every target and mode is reported; a figure compared with a goal is the median of
 * the repetitions, shown with its spread (min–max) and each run's value.
 *
 * @param compassSubscriptions the subscriptions of the compass point's layout (1k)
 */
record ChatResult(
    ChatOptions options,
    Map<String, Object> machine,
    int subscriptions,
    int compassSubscriptions,
    List<TargetRun> runs) {

  private static final List<String> MODES = List.of("fsync", "pagecache");

  /** The highest step of a target within the wall (0 when none is). */
  static int wall(TargetRun run) {
    int wall = 0;
    for (StepResult s : run.steps()) {
      if (s.withinWall()) {
        wall = s.offeredPerSecond();
      }
    }
    return wall;
  }

  /** Deliveries per second at the highest step within the wall (0 when none is). */
  double saturationDeliveries(TargetRun run) {
    double best = 0;
    for (StepResult s : run.steps()) {
      if (s.withinWall()) {
        best = Math.max(best, s.deliveries() / options.stepSeconds());
      }
    }
    return best;
  }

  /** The first run of a target (any mode, the main layout), or null. */
  TargetRun run(String name) {
    for (TargetRun r : runs) {
      if (r.name().equals(name) && !r.compass()) {
        return r;
      }
    }
    return null;
  }

  /** The runs of a target in a mode and layout that ran (not skipped), in repetition order. */
  List<TargetRun> runs(String name, String mode, boolean compass) {
    List<TargetRun> out = new ArrayList<>();
    for (TargetRun r : runs) {
      if (r.name().equals(name)
          && (r.mode().equals(mode) || r.mode().equals("none"))
          && r.compass() == compass
          && r.skipped() == null) {
        out.add(r);
      }
    }
    return out;
  }

  private static StepResult step(TargetRun run, int rate) {
    for (StepResult s : run.steps()) {
      if (s.offeredPerSecond() == rate && s.ran()) {
        return s;
      }
    }
    return null;
  }

  /** Why the baseline has no wall to compare with, or null when it has one. */
  String baselineMissing() {
    TargetRun pg = run("postgres");
    if (pg == null) {
      return "baseline not run (--targets without postgres)";
    }
    if (pg.skipped() != null) {
      return "baseline not run: " + pg.skipped();
    }
    return null;
  }

  /** The median, min and max of some repetitions' values, and the values. */
  record Spread(double median, double min, double max, List<Double> values) {
    static Spread of(List<Double> values) {
      if (values.isEmpty()) {
        return new Spread(Double.NaN, Double.NaN, Double.NaN, values);
      }
      List<Double> sorted = new ArrayList<>(values);
      sorted.sort(null);
      int n = sorted.size();
      double median =
          n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
      return new Spread(median, sorted.get(0), sorted.get(n - 1), List.copyOf(values));
    }

    String text(String format) {
      if (values.isEmpty()) {
        return "not run";
      }
      StringBuilder each = new StringBuilder();
      for (double v : values) {
        each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, format, v));
      }
      return String.format(
          Locale.ROOT,
          "median " + format + " (spread " + format + "–" + format + "; runs: %s)",
          median,
          min,
          max,
          each);
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("median", round(median));
      m.put("min", round(min));
      m.put("max", round(max));
      m.put("runs", values);
      return m;
    }
  }

  Spread walls(String name, String mode) {
    List<Double> v = new ArrayList<>();
    for (TargetRun r : runs(name, mode, false)) {
      v.add((double) wall(r));
    }
    return Spread.of(v);
  }

  Spread saturation(String name, String mode) {
    List<Double> v = new ArrayList<>();
    for (TargetRun r : runs(name, mode, false)) {
      v.add(saturationDeliveries(r));
    }
    return Spread.of(v);
  }

  /** The compass point's runs of a target and mode (or the main layout's 1,000/s step). */
  private List<StepResult> compassSteps(String name, String mode) {
    List<StepResult> out = new ArrayList<>();
    List<TargetRun> compass = runs(name, mode, true);
    for (TargetRun r : compass.isEmpty() ? runs(name, mode, false) : compass) {
      StepResult s = step(r, 1_000);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private String compassWhere(String mode) {
    boolean exact = options.compass() && !options.direct();
    return String.format(
        Locale.ROOT,
        "p%%s send → subscriber at 1,000 inserts/s, %s mode (%s)",
        mode.equals("fsync") ? "fsync" : "page-cache",
        exact
            ? compassSubscriptions + " subscriptions, 10 matches per insert: the compass point"
            : subscriptions
                + " subscriptions, "
                + options.minMembers()
                + "–"
                + options.maxMembers()
                + " matches per insert: this run's layout, not the compass point");
  }

  private static Spread of(
      List<StepResult> steps, java.util.function.ToDoubleFunction<StepResult> f) {
    List<Double> v = new ArrayList<>();
    for (StepResult s : steps) {
      v.add(f.applyAsDouble(s));
    }
    return Spread.of(v);
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    boolean tributaryRan =
        !runs("tributary", "fsync", false).isEmpty()
            || !runs("tributary", "pagecache", false).isEmpty();
    String missing = baselineMissing();
    if (tributaryRan && options.modes().contains("fsync")) {
      String name = "chat insert wall (fsync mode) vs the PostgreSQL stack's";
      String goal = "≥ 3× the PostgreSQL stack's wall in the same run";
      Spread ours = walls("tributary", "fsync");
      if (missing != null) {
        checks.add(
            Checks.check(name, "Tributary " + ours.text("%.0f") + "; " + missing, goal, false));
      } else {
        Spread pg = walls("postgres", "fsync");
        checks.add(
            Checks.check(
                name,
                String.format(
                    Locale.ROOT,
                    "Tributary %s inserts/s vs PostgreSQL %s: %s",
                    ours.text("%.0f"),
                    pg.text("%.0f"),
                    pg.median() > 0 ? ratio(ours.median() / pg.median()) : "no PostgreSQL wall"),
                goal,
                pg.median() > 0 && ours.median() >= 3 * pg.median()));
      }
    }
    for (String mode : MODES) {
      if (!tributaryRan || !options.modes().contains(mode)) {
        continue;
      }
      boolean fsync = mode.equals("fsync");
      List<StepResult> at1k = compassSteps("tributary", mode);
      double p50Goal = fsync ? 2 : 1;
      double p99Goal = fsync ? 8 : 5;
      String where = compassWhere(mode);
      Spread p50 = of(at1k, s -> s.p(50));
      Spread p99 = of(at1k, s -> s.p(99));
      String cores =
          at1k.isEmpty()
              ? ""
              : String.format(
                  Locale.ROOT,
                  "; server %s cores, clients %s cores",
                  of(at1k, StepResult::serverCores).text("%.2f"),
                  of(at1k, StepResult::clientCores).text("%.2f"));
      checks.add(
          Checks.check(
              String.format(where, "50"),
              at1k.isEmpty() ? "step not run" : p50.text("%.2f") + " ms" + cores,
              "≤ " + Options.text(p50Goal) + " ms",
              !at1k.isEmpty() && p50.median() <= p50Goal));
      checks.add(
          Checks.check(
              String.format(where, "99"),
              at1k.isEmpty() ? "step not run" : p99.text("%.2f") + " ms",
              "≤ " + Options.text(p99Goal) + " ms",
              !at1k.isEmpty() && p99.median() <= p99Goal));
    }
    List<TargetRun> ceilingRuns = runs("ceiling", "none", false);
    for (String mode : MODES) {
      if (!tributaryRan || !options.modes().contains(mode)) {
        continue;
      }
      String name =
          "deliveries/s at saturation (p99 ≤ 100 ms), "
              + (mode.equals("fsync") ? "fsync" : "page-cache")
              + " mode, vs the raw gRPC ceiling";
      Spread ours = saturation("tributary", mode);
      if (ceilingRuns.isEmpty()) {
        checks.add(
            Checks.check(
                name,
                "Tributary " + ours.text("%.0f") + "; ceiling not run (--targets without ceiling)",
                "≥ 0.8× the ceiling",
                false));
        continue;
      }
      Spread ceiling = saturation("ceiling", "none");
      boolean ceilingAtTop = false;
      for (TargetRun r : ceilingRuns) {
        ceilingAtTop |= wall(r) == options.steps().get(options.steps().size() - 1);
      }
      checks.add(
          Checks.check(
              name,
              String.format(
                  Locale.ROOT,
                  "Tributary %s vs ceiling %s deliveries/s: %s%s",
                  ours.text("%.0f"),
                  ceiling.text("%.0f"),
                  ceiling.median() > 0 ? ratio(ours.median() / ceiling.median()) : "no ceiling",
                  ceilingAtTop
                      ? " (the ceiling reached the top step: its figure is a lower bound)"
                      : ""),
              "≥ 0.8× the ceiling",
              ceiling.median() > 0 && ours.median() >= 0.8 * ceiling.median()));
    }
    for (String target : List.of("tributary", "postgres", "ceiling")) {
      List<TargetRun> all = new ArrayList<>();
      for (TargetRun r : runs) {
        if (r.name().equals(target) && r.skipped() == null) {
          all.add(r);
        }
      }
      if (all.isEmpty()) {
        continue;
      }
      boolean exact = true;
      for (TargetRun r : all) {
        exact &= r.steps().stream().filter(StepResult::ran).allMatch(StepResult::exact);
      }
      checks.add(
          Checks.check(
              all.get(0).title()
                  + ": every change reached every member exactly once, and nobody else",
              exact
                  ? "yes, in every step of every run (" + all.size() + " runs)"
                  : "no (see the steps)",
              "every step",
              exact));
    }
    return checks;
  }

  private static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f×", v);
  }

  /** Every run's label: target, mode, repetition and layout. */
  static String label(TargetRun r) {
    return String.format(
        Locale.ROOT,
        "%s, %s, run %d%s",
        r.title(),
        switch (r.mode()) {
          case "fsync" -> "fsync per commit";
          case "pagecache" -> "page cache";
          default -> "no durability";
        },
        r.repetition(),
        r.compass() ? ", compass point" : "");
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "chat");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("subscriptions", subscriptions);
    m.put("compass_subscriptions", compassSubscriptions);
    List<Map<String, Object>> targets = new ArrayList<>();
    List<Map<String, Object>> distributions = new ArrayList<>();
    List<Map<String, Object>> series = new ArrayList<>();
    for (TargetRun r : runs) {
      Map<String, Object> t = ChatBenchmark.describe(r);
      targets.add(t);
      if (r.skipped() != null) {
        continue;
      }
      t.put("wall_inserts_per_s", wall(r));
      t.put("saturation_deliveries_per_s", Math.round(saturationDeliveries(r)));
      List<Map<String, Object>> steps = new ArrayList<>();
      List<List<Object>> p99 = new ArrayList<>();
      List<List<Object>> achieved = new ArrayList<>();
      for (StepResult s : r.steps()) {
        steps.add(s.toMap());
        if (!s.ran()) {
          continue;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(
            "chart",
            "chat-latency-"
                + s.offeredPerSecond()
                + (r.compass() ? "-compass" : "")
                + "-"
                + r.mode());
        d.put(
            "title",
            "Chat at "
                + s.offeredPerSecond()
                + " inserts/s"
                + (r.compass() ? " (compass point)" : "")
                + ": scheduled send → each subscriber");
        d.put("series", label(r));
        d.put("percentiles", s.percentiles());
        distributions.add(d);
        if (!Double.isNaN(s.p(99))) {
          p99.add(List.of(s.offeredPerSecond(), s.p(99)));
        }
        achieved.add(List.of(s.offeredPerSecond(), Math.round(s.achievedPerSecond())));
      }
      t.put("steps", steps);
      t.put("stream_errors", r.streamErrors());
      if (!r.compass()) {
        series.add(series("chat-p99", "Chat: p99 send → subscriber", "ms", label(r), p99));
        series.add(
            series("chat-achieved", "Chat: achieved inserts/s", "inserts/s", label(r), achieved));
      }
    }
    m.put("targets", targets);
    List<Map<String, Object>> summary = new ArrayList<>();
    for (String name : options.targets()) {
      for (String mode : name.equals("ceiling") ? List.of("none") : options.modes()) {
        if (runs(name, mode, false).isEmpty()) {
          continue;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("target", name);
        e.put("mode", mode);
        e.put("wall_inserts_per_s", walls(name, mode).toMap());
        e.put("saturation_deliveries_per_s", saturation(name, mode).toMap());
        summary.add(e);
      }
    }
    m.put("summary", summary);
    m.put("checks", checks());
    m.put("latency_distributions", distributions);
    m.put("series", series);
    return m;
  }

  private static Map<String, Object> series(
      String chart, String title, String yLabel, String name, List<List<Object>> points) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("x_label", "offered inserts/s");
    m.put("y_label", yLabel);
    m.put("series", name);
    m.put("points", points);
    return m;
  }

  String markdown() {
    ChatOptions o = options;
    StringBuilder md = new StringBuilder();
    md.append(
        o.direct()
            ? "## Chat (one-to-one: an assistant answering each user)\n\n"
            : "## Chat (group conversations)\n\n");
    String missing = baselineMissing();
    if (missing != null) {
      md.append("No ratio to the PostgreSQL stack: ").append(missing).append(". ");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "The wall is the highest step with p99 send → subscriber ≤ %.0f ms, every matching"
                + " change delivered exactly once and ≥ %.0f%% of the offered rate achieved (0:"
                + " not even the lowest step). Each target ran %d time(s), alternating (ours,"
                + " PostgreSQL, raw gRPC, ours, ...); every run is below, none dropped; a figure"
                + " compared with a goal is the median of the runs.\n\n",
            ChatOptions.WALL_P99_MS,
            ChatOptions.WALL_ACHIEVED * 100,
            o.repetitions()));
    md.append(
        "| target | durability | wall inserts/s | deliveries/s at the wall |\n|---|---|---|---|\n");
    for (String name : o.targets()) {
      for (String mode : name.equals("ceiling") ? List.of("none") : o.modes()) {
        if (runs(name, mode, false).isEmpty()) {
          continue;
        }
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s |\n",
                runs(name, mode, false).get(0).title(),
                mode,
                walls(name, mode).text("%.0f"),
                saturation(name, mode).text("%.0f")));
      }
    }
    md.append('\n');
    md.append(
        String.format(
            Locale.ROOT,
            "%s %d readers (one connection"
                + " each), %d writers; %d conversations of %d–%d reader members (drawn at random,"
                + " seed %d) plus one writer each: %d subscriptions. Open loop on an absolute"
                + " schedule (at most %d unanswered); latency from each insert's **scheduled**"
                + " send to each subscriber's receipt. %s s per step after a %s s warm-up at the"
                + " first step's rate. Servers in their own JVMs (%s), every client in the"
                + " benchmark's JVM; *server cores* and *client cores* are the CPU each side used"
                + " per second of the step.%s%s\n\n",
            Machine.header(machine),
            o.users(),
            o.writers(),
            o.conversations(),
            o.minMembers(),
            o.maxMembers(),
            o.seed(),
            subscriptions,
            o.maxInFlight(),
            Options.text(o.stepSeconds()),
            Options.text(o.warmupSeconds()),
            String.join(" ", o.serverJvmFlags()),
            o.compass() && !o.direct()
                ? " The compass point: "
                    + compassSubscriptions
                    + " subscriptions (1,000 readers, 100 conversations of exactly 10 members),"
                    + " one step at 1,000 inserts/s, in every target, mode and run."
                : "",
            o.quick() ? " **Quick run: tiny sizes, not figures.**" : ""));
    if (o.direct()) {
      md.append(
          "- **Tributary** (one-to-one): embedded broker, durable writes (fsync per append) or"
              + " not (page cache); a USER table `chat.direct_messages`; each reader has one stream"
              + " with one `SUBSCRIBE TO chat.direct_messages` (its own rows); the writers are"
              + " assistants (role `service`) on their own connections, answering each reader as"
              + " that reader: `EXECUTE AS USER 'u' (INSERT INTO chat.direct_messages (id, content)"
              + " VALUES ($1, $2))`, parameterized, asynchronous. Each insert has one subscriber.\n");
    } else {
      md.append(
          "- **Tributary**: embedded broker, durable writes (fsync per append) or not (page"
              + " cache); a SHARED table `chat.group_messages` guarded by the membership policies of"
              + " README's \"Group conversations\"; each reader has one stream with one `SUBSCRIBE"
              + " TO chat.group_messages WHERE conversation_id = X` per conversation; each writer"
              + " user posts as itself, parameterized single-row INSERTs on its own connection"
              + " (asynchronous). The table is spread over every partition by `PARTITION_KEY ="
              + " 'conversation_id'` (primary key `(conversation_id, id)`): each conversation is"
              + " applied in its own partition.\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "- **PostgreSQL stack**: PostgreSQL with every durability setting at its default"
                + " (`synchronous_commit=on`; page-cache mode: the writers' sessions set"
                + " `synchronous_commit=off`), an `AFTER INSERT` trigger calling `pg_notify` with"
                + " the row as JSON, the relay (its own JVM, %d fan-out threads) LISTENing and"
                + " routing each notification to the streams of that conversation only; each"
                + " reader has one connection to it with one stream per conversation; the inserts"
                + " go through %d JDBC connections taking them off one queue (autocommit).\n",
            o.relayThreads(),
            Math.min(o.writers(), o.pgWriters())));
    md.append(
        "- **Raw gRPC ceiling**: Armeria serving grpc-java (Tributary's transport) in its own JVM,"
            + " no database: each reader one stream following its conversations, each writer a"
            + " unary call per insert on its own connection; the server serializes the event once"
            + " and writes it to every member's stream, then answers.\n\n");
    for (TargetRun r : runs) {
      md.append("### ").append(label(r)).append("\n\n");
      if (r.skipped() != null) {
        md.append("Not run: ").append(r.skipped()).append("\n\n");
        continue;
      }
      md.append(
          String.format(
              Locale.ROOT,
              "%s; set up in %.1f s; wall **%d** inserts/s.\n\n",
              r.description(),
              r.setupSeconds(),
              wall(r)));
      steps(md, r);
    }
    md.append(Checks.markdown("Checks (issue 17's goals)", checks()));
    md.append(
        "\nA *delivery* is one change received by one subscription; *messages* counts the gRPC"
            + " messages (carrying at least one insert) that carried them. Memory per connection"
            + " and per subscription: the memory scenario (`MemoryBenchmark`).\n");
    return md.toString();
  }

  private static void steps(StringBuilder md, TargetRun r) {
    md.append(
        "| offered/s | achieved/s | inserts | deliveries | missing | dup. | to non-members |"
            + " messages | p50 ms | p99 ms | p99.9 ms | max ms | ack p50 ms | ack p99 ms |"
            + " server cores | client cores | wall |\n");
    md.append(
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (StepResult s : r.steps()) {
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
    for (StepResult s : r.steps()) {
      if (s.firstFailure() != null) {
        md.append("\nFirst failure at ")
            .append(s.offeredPerSecond())
            .append("/s: ")
            .append(s.firstFailure())
            .append('\n');
        break;
      }
    }
    if (!r.streamErrors().isEmpty()) {
      md.append("\nStream errors: ").append(r.streamErrors().size()).append(", first: ");
      md.append(r.streamErrors().get(0)).append('\n');
    }
    md.append('\n');
  }

  private static Object round(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
  }
}
