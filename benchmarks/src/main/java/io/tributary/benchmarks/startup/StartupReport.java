package io.tributary.benchmarks.startup;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The startup results as a Markdown section and as JSON, with the target checked. */
final class StartupReport {
  private static final Map<String, String> KINDS =
      Map.of(
          "cold", "cold (fresh data dir)",
          "warm", "warm (existing data dir)",
          "launcher", "./tributary start, warm, nothing to build");

  private final Map<String, Object> machine;
  private final StartupOptions options;
  private final List<ServerProcess.Start> starts;
  private final List<String> command;
  private final String classPath;
  private final String launcherNote;
  private final double elapsedSeconds;

  StartupReport(
      Map<String, Object> machine,
      StartupOptions options,
      List<ServerProcess.Start> starts,
      List<String> command,
      String classPath,
      String launcherNote,
      double elapsedSeconds) {
    this.machine = machine;
    this.options = options;
    this.starts = List.copyOf(starts);
    this.command = List.copyOf(command);
    this.classPath = classPath;
    this.launcherNote = launcherNote;
    this.elapsedSeconds = elapsedSeconds;
  }

  List<ServerProcess.Start> starts() {
    return starts;
  }

  /** The median seconds to ready of one kind, or NaN without runs. */
  double median(String kind) {
    Object v = StartupBenchmark.summary(starts, kind).get("ready_median_s");
    return v == null ? Double.NaN : (Double) v;
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    for (String kind : List.of("cold", "warm")) {
      double median = median(kind);
      if (Double.isNaN(median)) {
        continue;
      }
      checks.add(
          Checks.check(
              "startup to ready, " + KINDS.get(kind) + ", median",
              fmt("%.2f s", median),
              fmt("≤ %.0f s", StartupBenchmark.TARGET_SECONDS),
              median <= StartupBenchmark.TARGET_SECONDS));
    }
    return checks;
  }

  String markdown() {
    StringBuilder b = new StringBuilder("## Startup\n\n");
    b.append(
        "The README's first command, `./tributary start`, to ready: the server started as a child"
            + " process with the java command the launcher execs (the launcher itself first"
            + " builds with Maven when sources changed; that build is not measured), on a free"
            + " port, until `GET /health` answers 200 (an external probe every 5 ms), then stopped"
            + " with SIGTERM. **Cold**: a fresh data directory (broker format, internal topics,"
            + " root user). **Warm**: a restart on the data directory of the first cold run."
            + " Cold and warm refer to the data directory; the OS file cache is warm in both.\n\n");
    List<String> ratios = new ArrayList<>();
    for (String kind : List.of("cold", "warm")) {
      double m = median(kind);
      if (!Double.isNaN(m)) {
        ratios.add(
            fmt(
                "%s start %.2f s (median), %.2f× the %.0f s target",
                kind, m, m / StartupBenchmark.TARGET_SECONDS, StartupBenchmark.TARGET_SECONDS));
      }
    }
    b.append("**Ratio to the target** (no baseline system exists for startup; the ratio is to the")
        .append(" issue's 8 s goal, below 1 is better): ")
        .append(String.join("; ", ratios))
        .append(".\n\n");
    b.append(Checks.markdown(checks()));
    b.append("\n### Seconds to ready\n\n");
    b.append(
        "| start | runs | min | median | max | ready log line (median) | server's own figure"
            + " (median) | stop (median) |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String kind : List.of("cold", "warm", "launcher")) {
      Map<String, Object> s = StartupBenchmark.summary(starts, kind);
      if ((Integer) s.get("runs") == 0) {
        continue;
      }
      b.append(
          fmt(
              "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
              KINDS.get(kind),
              s.get("runs"),
              s.get("ready_min_s"),
              s.get("ready_median_s"),
              s.get("ready_max_s"),
              s.get("ready_log_line_median_s"),
              s.get("server_reported_median_s"),
              s.get("stop_median_s")));
    }
    b.append(
        "\nThe server's own figure is the \"Tributary ready … in N ms\" of its log: from the start"
            + " of `TributaryServer.start`, so without JVM start-up and class loading before it."
            + " The launcher script: "
            + launcherNote
            + ".\n\n");
    b.append("Every run: ");
    List<String> runs = new ArrayList<>();
    for (ServerProcess.Start s : starts) {
      runs.add(
          fmt(
              "%s %d: %.2f s (exit %d%s)",
              s.kind(), s.run(), s.readySeconds(), s.exitCode(), s.killed() ? ", killed" : ""));
    }
    b.append(String.join("; ", runs)).append(".\n\n");
    b.append("Command (class path: ")
        .append(classPath)
        .append("): `")
        .append(String.join(" ", abbreviatedCommand()))
        .append("`.\n");
    b.append(
        fmt(
            "\n*Machine:* %s, %s CPUs, %s; JVM %s; commit %s (%s); %s; load average %s at start,"
                + " %s at end; the scenario took %.0f s.\n",
            machine.get("cpu_model"),
            machine.get("cpus"),
            machine.get("memory"),
            machine.get("jvm"),
            machine.get("git_commit"),
            machine.get("git_worktree"),
            machine.get("date"),
            machine.get("load_average_at_start"),
            machine.get("load_average_at_end"),
            elapsedSeconds));
    return b.toString();
  }

  /** The command with the (long) class path shortened. */
  private List<String> abbreviatedCommand() {
    List<String> c = new ArrayList<>(command);
    int cp = c.indexOf("-cp");
    if (cp >= 0 && cp + 1 < c.size() && c.get(cp + 1).length() > 120) {
      c.set(cp + 1, "<" + c.get(cp + 1).split(java.io.File.pathSeparator).length + " entries>");
    }
    return c;
  }

  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "startup");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("checks", checks());
    m.put("latency_distributions", List.of());
    m.put("series", series());
    Map<String, Object> ratio = new LinkedHashMap<>();
    ratio.put("baseline", "none: the ratio is to the 8 s target");
    for (String kind : List.of("cold", "warm")) {
      ratio.put(kind, median(kind) / StartupBenchmark.TARGET_SECONDS);
    }
    m.put("ratio_to_target", ratio);
    Map<String, Object> summary = new LinkedHashMap<>();
    for (String kind : List.of("cold", "warm", "launcher")) {
      summary.put(kind, StartupBenchmark.summary(starts, kind));
    }
    m.put("summary", summary);
    List<Object> runs = new ArrayList<>();
    for (ServerProcess.Start s : starts) {
      runs.add(s.toMap());
    }
    m.put("runs", runs);
    m.put("command", command);
    m.put("class_path", classPath);
    m.put("launcher", launcherNote);
    m.put("elapsed_seconds", elapsedSeconds);
    return Json.write(m);
  }

  private List<Object> series() {
    List<Object> list = new ArrayList<>();
    for (String kind : List.of("cold", "warm")) {
      List<Object> points = new ArrayList<>();
      for (ServerProcess.Start s : starts) {
        if (s.kind().equals(kind)) {
          points.add(List.of(s.run(), s.readySeconds()));
        }
      }
      if (points.isEmpty()) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("chart", "startup-times");
      m.put("title", "Start to ready (GET /health 200), each run");
      m.put("x_label", "run");
      m.put("y_label", "s");
      m.put("series", KINDS.get(kind));
      m.put("points", points);
      list.add(m);
    }
    return list;
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
