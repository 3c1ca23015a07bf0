package io.tributary.benchmarks.startup;

import io.tributary.benchmarks.Options;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options of the startup benchmark, from {@code --key=value} arguments (see {@code
 * benchmarks/README.md}).
 *
 * @param coldRuns starts with a fresh data directory
 * @param warmRuns restarts on the data directory of the first cold run
 * @param launcher {@code auto} (time {@code ./tributary start} once when it has nothing to build),
 *     {@code yes} (the same, failing if it would build) or {@code no}
 * @param timeoutSeconds bound on one start (and on one stop)
 * @param repoDir the repository root: where {@code ./tributary} and {@code cli/target} are
 * @param resultsDir where {@code startup.md} and {@code startup.json} go; null writes nothing
 */
record StartupOptions(
    int coldRuns,
    int warmRuns,
    String launcher,
    double timeoutSeconds,
    Path repoDir,
    Path resultsDir) {

  static StartupOptions parse(String[] args) {
    Map<String, String> v = Options.keyValues(args);
    boolean quick = Options.quick(args);
    Map<String, String> d = new LinkedHashMap<>();
    d.put("cold-runs", quick ? "1" : "3");
    d.put("warm-runs", quick ? "1" : "3");
    d.put("launcher", quick ? "no" : "auto");
    d.put("timeout-seconds", "120");
    d.put("repo-dir", ".");
    d.put("results-dir", Options.defaultResultsDir());
    Options.override(d, v);
    String launcher = d.get("launcher");
    if (!launcher.equals("auto") && !launcher.equals("yes") && !launcher.equals("no")) {
      throw new IllegalArgumentException(
          "Cannot use --launcher=" + launcher + ": expected auto, yes or no");
    }
    int cold = count("cold-runs", d.get("cold-runs"));
    int warm = count("warm-runs", d.get("warm-runs"));
    if (cold < 1) {
      throw new IllegalArgumentException(
          "Cannot use --cold-runs=0: the warm runs restart the first cold run's data directory");
    }
    double timeout;
    try {
      timeout = Double.parseDouble(d.get("timeout-seconds"));
    } catch (NumberFormatException e) {
      timeout = -1;
    }
    if (!(timeout > 0) || Double.isInfinite(timeout)) {
      throw Options.invalid("timeout-seconds", d.get("timeout-seconds"), "not a positive number");
    }
    return new StartupOptions(
        cold,
        warm,
        launcher,
        timeout,
        Path.of(d.get("repo-dir")).toAbsolutePath().normalize(),
        Options.resultsDir(d.get("results-dir")));
  }

  private static int count(String key, String s) {
    try {
      int v = Integer.parseInt(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw Options.invalid(key, s, "not a count");
    }
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cold_runs", coldRuns);
    m.put("warm_runs", warmRuns);
    m.put("launcher", launcher);
    m.put("timeout_seconds", timeoutSeconds);
    m.put("repo_dir", repoDir.toString());
    m.put("results_dir", resultsDir == null ? "none" : resultsDir.toString());
    return m;
  }
}
