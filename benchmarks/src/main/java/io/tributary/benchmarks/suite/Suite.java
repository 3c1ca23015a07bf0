package io.tributary.benchmarks.suite;

import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The benchmark suite (DESIGN.md section 9): runs every scenario main, one after the other, each in
 * its own child JVM with the suite's classpath, then writes one report with charts. The run
 * directory is {@code <results-root>/<date>-<host>/} ({@code <date>-<host>-quick/} with {@code
 * --quick}); an earlier run of the same day on the same host is replaced, unless it holds a
 * hand-written {@code ANALYSIS.md}. Each child gets {@code --results-dir=<run dir>} (and {@code
 * --quick}) and writes {@code <scenario>.md} and {@code <scenario>.json} there (the suite contract
 * in {@code benchmarks/README.md}); its output goes to {@code logs/<scenario>.log}. A scenario
 * whose class is not in this build is reported as not available, one that fails as failed with the
 * end of its output, one that outlives its time limit is killed; the suite goes on either way.
 *
 * <p>Time: a total budget (15 minutes by default) shared out by each scenario's share; time a
 * scenario does not use goes to the ones after it. {@code --report-only=<run dir>} re-renders the
 * report, charts and {@code suite.json} of an existing run without running anything.
 *
 * <p>Exit status: 0 when the report was written (whatever the scenarios did), 2 on bad options.
 */
public final class Suite {
  /**
   * A scenario of the suite.
   *
   * @param shareMinutes its part of the default 15-minute budget
   */
  record Scenario(
      String name, String title, String mainClass, double shareMinutes, boolean byDefault) {
    Scenario(String name, String title, String mainClass, double shareMinutes) {
      this(name, title, mainClass, shareMinutes, true);
    }
  }

  static final List<Scenario> SCENARIOS =
      List.of(
          new Scenario("ingest", "Ingest", "io.tributary.benchmarks.ingest.IngestBenchmark", 4.25),
          new Scenario("fanout", "Fan-out", "io.tributary.benchmarks.FanOutBenchmark", 7.5),
          new Scenario(
              "startup", "Startup", "io.tributary.benchmarks.startup.StartupBenchmark", 1.25),
          new Scenario(
              "micro", "Micro-benchmarks", "io.tributary.benchmarks.jmh.MicroBenchmarks", 2),
          // Not in the default list (1.5-2 hours: three targets, two durability modes, three
          // repetitions): --scenarios=chat --budget-minutes=120.
          new Scenario("chat", "Chat", "io.tributary.benchmarks.chat.ChatBenchmark", 100, false),
          // Not in the default list (10,000 connections, 1M subscriptions): --scenarios=memory.
          new Scenario(
              "memory", "Memory", "io.tributary.benchmarks.chat.MemoryBenchmark", 20, false));

  static final String USAGE =
      """
      Usage: Suite [--name=value ...]
        --quick                         tiny sizes in every scenario (a fast look, not figures)
        --scenarios=ingest,fanout,startup,micro   which scenarios, in this order (also
                                        chat and memory, not in the default list)
        --budget-minutes=15             total time; each scenario's limit comes from its share
        --share.<scenario>=<minutes>    change a scenario's share (ingest 4.25, fanout
                                        7.5, startup 1.25, micro 2, chat 100, memory 20)
        --jvm-flags=-Xmx4g              JVM flags of every scenario's JVM (space separated)
        --results-root=benchmarks/results   the run goes to <results-root>/<date>-<host>/
        --<scenario>.<option>=<value>   passed to that scenario as --<option>=<value>
                                        (e.g. --fanout.phase-seconds=5, --micro.only=matching)
        --report-only=<run dir>         re-render report.md, charts and suite.json of a run
      """;

  private Suite() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Options options;
    try {
      options = Options.parse(args, SCENARIOS);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    Path report;
    if (options.reportOnly() != null) {
      report = SuiteReport.rerender(options.reportOnly());
    } else {
      // A quick run is a look, not figures: it never replaces a full run's directory.
      Path runDir =
          options
              .resultsRoot()
              .resolve(
                  LocalDate.now(ZoneOffset.UTC) + "-" + host() + (options.quick() ? "-quick" : ""));
      try {
        report = run(options, runDir, SCENARIOS, String.join(" ", args));
      } catch (IOException e) {
        System.err.println(e.getMessage());
        System.exit(1);
        return;
      }
    }
    System.out.println("Report: " + report);
  }

  /** Runs the selected scenarios into {@code runDir} (replaced) and writes the report. */
  static Path run(Options o, Path runDir, List<Scenario> all, String command)
      throws IOException, InterruptedException {
    long begin = System.nanoTime();
    replace(runDir);
    Map<String, Object> machine = Machine.describe();
    progress(
        "run directory %s; load average %s on %s CPUs; budget %.1f min",
        runDir, machine.get("load_average_at_start"), machine.get("cpus"), o.budgetMinutes());
    List<Scenario> selected = new ArrayList<>();
    for (String name : o.scenarios()) {
      selected.add(all.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow());
    }
    List<Boolean> available = new ArrayList<>();
    for (Scenario s : selected) {
      available.add(available(s.mainClass()));
    }
    List<Map<String, Object>> outcomes = new ArrayList<>();
    double budgetSeconds = o.budgetMinutes() * 60;
    for (int i = 0; i < selected.size(); i++) {
      Scenario s = selected.get(i);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", s.name());
      out.put("title", s.title());
      out.put("class", s.mainClass());
      outcomes.add(out);
      if (!available.get(i)) {
        out.put("status", "not available");
        out.put("message", "no class " + s.mainClass() + " on the classpath");
        progress("%s: not available in this build (no class %s)", s.name(), s.mainClass());
        continue;
      }
      double reserved = 0;
      for (int j = i + 1; j < selected.size(); j++) {
        if (available.get(j)) {
          reserved += o.share(selected.get(j)) * 60;
        }
      }
      double elapsed = (System.nanoTime() - begin) / 1e9;
      double limit = budgetSeconds - elapsed - reserved;
      if (limit < 1) {
        out.put("status", "not run");
        out.put("message", "not run: the time budget was used up");
        progress("%s: not run, the budget is used up", s.name());
        continue;
      }
      List<String> args = new ArrayList<>();
      args.add("--results-dir=" + runDir);
      if (o.quick()) {
        args.add("--quick");
      }
      args.addAll(o.passThrough().getOrDefault(s.name(), List.of()));
      Path log = runDir.resolve("logs").resolve(s.name() + ".log");
      progress(
          "%s: %s %s (time limit %.0f s)", s.name(), s.mainClass(), String.join(" ", args), limit);
      ChildJvm.Result r = ChildJvm.run(s.name(), s.mainClass(), o.jvmFlags(), args, log, limit);
      out.put("arguments", String.join(" ", args));
      out.put("exit_code", r.exitCode());
      out.put("seconds", Math.round(r.seconds() * 10) / 10.0);
      out.put("time_limit_seconds", Math.round(limit));
      out.put("log", runDir.relativize(log).toString());
      if (r.timedOut()) {
        out.put("status", "timed out");
        out.put(
            "message",
            String.format(
                Locale.ROOT,
                "killed after its time limit of %.0f s (with its child processes)",
                limit));
      } else if (r.exitCode() != 0) {
        out.put("status", "failed");
        out.put("message", "exited with status " + r.exitCode());
      } else if (SuiteReport.output(runDir, s.name(), "json") == null) {
        out.put("status", "failed");
        out.put("message", "exited normally but wrote no " + s.name() + ".json");
      } else {
        out.put("status", "ok");
      }
      progress("%s: %s in %.1f s", s.name(), out.get("status"), r.seconds());
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    Map<String, Object> suite = new LinkedHashMap<>();
    suite.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    suite.put("host", host());
    suite.put("run_dir", runDir.toString());
    suite.put("command", "benchmarks/run-suite.sh " + command);
    suite.put("quick", o.quick());
    suite.put("budget_minutes", o.budgetMinutes());
    suite.put("elapsed_seconds", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
    suite.put("scenario_jvm_flags", String.join(" ", o.jvmFlags()));
    suite.put("machine", machine);
    suite.put("scenarios", outcomes);
    return SuiteReport.write(runDir, suite);
  }

  private static boolean available(String className) {
    try {
      Class.forName(className, false, Suite.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Empties the run directory of an earlier run (it only ever holds what a suite wrote), but
   * refuses when it holds a hand-written {@link SuiteReport#ANALYSIS}: that interpretation belongs
   * to the figures beside it, so it must be moved away (or the run sent elsewhere) first.
   */
  private static void replace(Path runDir) throws IOException {
    if (Files.exists(runDir.resolve(SuiteReport.ANALYSIS))) {
      throw new IOException(
          "Cannot replace "
              + runDir
              + ": it holds "
              + SuiteReport.ANALYSIS
              + ", the interpretation of its figures; move that run away first or pass"
              + " --results-root=<another directory>");
    }
    if (Files.exists(runDir)) {
      progress("replacing the earlier run in %s", runDir);
      try (Stream<Path> paths = Files.walk(runDir)) {
        paths
            .sorted(Comparator.reverseOrder())
            .forEach(
                p -> {
                  try {
                    Files.delete(p);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      }
    }
    Files.createDirectories(runDir);
  }

  /** The short host name, safe in a directory name. */
  static String host() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        name = "localhost";
      }
    }
    int dot = name.indexOf('.');
    if (dot > 0) {
      name = name.substring(0, dot);
    }
    String safe = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-");
    return safe.isEmpty() ? "localhost" : safe;
  }

  private static final Progress PROGRESS = new Progress("[suite %6.1f s] %s");

  static void progress(String format, Object... args) {
    PROGRESS.print(format, args);
  }

  /** The suite's options. */
  record Options(
      boolean quick,
      List<String> scenarios,
      double budgetMinutes,
      Map<String, Double> shares,
      List<String> jvmFlags,
      Path resultsRoot,
      Map<String, List<String>> passThrough,
      Path reportOnly) {

    double share(Scenario s) {
      return shares.getOrDefault(s.name(), s.shareMinutes());
    }

    static Options parse(String[] args, List<Scenario> known) {
      List<String> names = known.stream().map(Scenario::name).toList();
      boolean quick = false;
      List<String> scenarios =
          known.stream().filter(Scenario::byDefault).map(Scenario::name).toList();
      double budget = 15;
      Map<String, Double> shares = new LinkedHashMap<>();
      List<String> jvmFlags = List.of("-Xmx4g");
      Path resultsRoot = Path.of("benchmarks", "results");
      Map<String, List<String>> passThrough = new LinkedHashMap<>();
      Path reportOnly = null;
      for (String a : args) {
        if (a.equals("--quick")) {
          quick = true;
          continue;
        }
        if (!a.startsWith("--")) {
          throw new IllegalArgumentException("Cannot read option " + a + ": expected --name=value");
        }
        int eq = a.indexOf('=');
        String key = eq < 0 ? a.substring(2) : a.substring(2, eq);
        String value = eq < 0 ? null : a.substring(eq + 1);
        int dot = key.indexOf('.');
        if (dot > 0 && !key.startsWith("share.")) {
          String scenario = key.substring(0, dot);
          if (!names.contains(scenario)) {
            throw new IllegalArgumentException(
                "Cannot pass "
                    + a
                    + ": no scenario "
                    + scenario
                    + " (expected one of "
                    + names
                    + ")");
          }
          passThrough
              .computeIfAbsent(scenario, s -> new ArrayList<>())
              .add("--" + key.substring(dot + 1) + (value == null ? "" : "=" + value));
          continue;
        }
        if (value == null) {
          throw new IllegalArgumentException("Cannot read option " + a + ": expected --name=value");
        }
        switch (key) {
          case "scenarios" -> {
            scenarios = List.of(value.split(","));
            for (String s : scenarios) {
              if (!names.contains(s)) {
                throw new IllegalArgumentException(
                    "Cannot run scenario " + s + ": expected some of " + names);
              }
            }
          }
          case "budget-minutes" -> budget = positive(a, value);
          case "jvm-flags" ->
              jvmFlags = value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
          case "results-root" -> resultsRoot = Path.of(value);
          case "report-only" -> reportOnly = Path.of(value);
          default -> {
            if (key.startsWith("share.") && names.contains(key.substring(6))) {
              shares.put(key.substring(6), positive(a, value));
            } else {
              throw new IllegalArgumentException("Cannot read option " + a + ": unknown option");
            }
          }
        }
      }
      return new Options(
          quick, scenarios, budget, shares, jvmFlags, resultsRoot, passThrough, reportOnly);
    }

    private static double positive(String option, String value) {
      try {
        double d = Double.parseDouble(value);
        if (d > 0) {
          return d;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          "Cannot read option " + option + ": expected a number > 0");
    }
  }
}
