package io.tributary.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What a result was measured on: machine, JVM, commit, date. Public for the suite's report. */
public final class Machine {
  private Machine() {}

  public static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("cpu_model", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    m.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
    m.put(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    m.put(
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("jvm_flags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    List<String> gcs = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcs.add(gc.getName());
    }
    m.put("gc", String.join(", ", gcs));
    m.put("load_average_at_start", loadAverage());
    m.put("git_commit", git("rev-parse", "--short", "HEAD"));
    // Results written by this run (or an earlier scenario of the same suite run) do not count.
    String dirty =
        git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)benchmarks/results");
    m.put("git_worktree", dirty.isEmpty() ? "clean" : "uncommitted changes");
    return m;
  }

  /**
   * A report's first words about a {@link #describe()}d machine: "date, commit c, n CPUs, load
   * average l at the start."
   */
  public static String header(Map<String, Object> machine) {
    return String.format(
        Locale.ROOT,
        "%s, commit %s%s, %s CPUs, load average %s at the start.",
        machine.getOrDefault("date", ""),
        machine.getOrDefault("git_commit", "?"),
        "clean".equals(machine.getOrDefault("git_worktree", "clean"))
            ? ""
            : " (" + machine.get("git_worktree") + ")",
        machine.getOrDefault("cpus", "?"),
        machine.getOrDefault("load_average_at_start", "?"));
  }

  /**
   * The 1, 5 and 15 minute load averages: other work on the machine (a build, another benchmark)
   * shows here and distorts every figure.
   */
  public static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux: leave it unknown
    }
    return "unknown";
  }

  private static String git(String... args) {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return "unknown";
      }
      return out;
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
