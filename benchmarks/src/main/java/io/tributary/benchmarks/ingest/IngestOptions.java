package io.tributary.benchmarks.ingest;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of the ingest benchmark, from {@code --key=value} arguments (see {@code
 * benchmarks/README.md}).
 *
 * @param concurrency single-row phases: INSERTs in flight (closed loop), one phase per value; the
 *     latency targets are judged at the lowest, throughput at the highest
 * @param batchRows rows per multi-row INSERT of the batched phase (0 skips it)
 * @param batchConcurrency multi-row INSERTs in flight in the batched phase
 * @param users writer users; in-flight slot {@code s} writes as user {@code s % users}
 * @param bodyChars length of the TEXT column of every row
 * @param warmupSeconds discarded at the start of every phase
 * @param phaseSeconds measured per phase
 * @param jitWarmupSeconds a discarded run per target before the first phase
 * @param targets {@code tributary}, {@code kafka} or both
 * @param resultsDir where {@code ingest.md} and {@code ingest.json} go; null writes nothing
 */
record IngestOptions(
    List<Integer> concurrency,
    int batchRows,
    int batchConcurrency,
    int users,
    int bodyChars,
    double warmupSeconds,
    double phaseSeconds,
    double jitWarmupSeconds,
    List<String> targets,
    Path resultsDir) {

  static IngestOptions parse(String[] args) {
    Map<String, String> v = new LinkedHashMap<>();
    boolean quick = false;
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
        continue;
      }
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException(
            "Cannot parse argument " + arg + ": expected --key=value or --quick");
      }
      int eq = arg.indexOf('=');
      v.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    Map<String, String> d = new LinkedHashMap<>();
    d.put("concurrency", quick ? "1,4" : "1,32");
    d.put("batch-rows", quick ? "10" : "100");
    d.put("batch-concurrency", quick ? "2" : "4");
    d.put("users", quick ? "2" : "8");
    d.put("body-chars", "100");
    d.put("warmup-seconds", quick ? "0.5" : "3");
    d.put("phase-seconds", quick ? "1.5" : "10");
    d.put("jit-warmup-seconds", quick ? "0" : "40");
    d.put("targets", "tributary,kafka");
    d.put("results-dir", defaultResultsDir());
    for (String key : v.keySet()) {
      if (!d.containsKey(key)) {
        throw new IllegalArgumentException(
            "Cannot use option --" + key + ": expected one of " + d.keySet() + " or --quick");
      }
    }
    d.putAll(v);
    List<Integer> concurrency = new ArrayList<>();
    for (String s : d.get("concurrency").split(",")) {
      int c = positiveInt("concurrency", s.strip());
      concurrency.add(c);
    }
    concurrency.sort(Integer::compare);
    List<String> targets = new ArrayList<>();
    for (String s : d.get("targets").split(",")) {
      String t = s.strip();
      if (!t.equals("tributary") && !t.equals("kafka")) {
        throw new IllegalArgumentException(
            "Cannot use target " + t + ": expected tributary and/or kafka");
      }
      targets.add(t);
    }
    int batchRows = nonNegativeInt("batch-rows", d.get("batch-rows"));
    String dir = d.get("results-dir");
    return new IngestOptions(
        List.copyOf(concurrency),
        batchRows,
        positiveInt("batch-concurrency", d.get("batch-concurrency")),
        positiveInt("users", d.get("users")),
        positiveInt("body-chars", d.get("body-chars")),
        nonNegativeDouble("warmup-seconds", d.get("warmup-seconds")),
        positiveDouble("phase-seconds", d.get("phase-seconds")),
        nonNegativeDouble("jit-warmup-seconds", d.get("jit-warmup-seconds")),
        List.copyOf(targets),
        dir.equals("none") ? null : Path.of(dir));
  }

  /** {@code benchmarks/results/<date>-<host>}, the suite's layout. */
  static String defaultResultsDir() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "unknown-host";
      }
    }
    return "benchmarks/results/" + LocalDate.now(ZoneOffset.UTC) + "-" + host;
  }

  boolean runs(String target) {
    return targets.contains(target);
  }

  /** The lowest single-row concurrency: where the latency targets are judged. */
  int latencyConcurrency() {
    return concurrency.get(0);
  }

  /** The highest single-row concurrency: where the throughput target is judged. */
  int throughputConcurrency() {
    return concurrency.get(concurrency.size() - 1);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("concurrency", concurrency);
    m.put("batch_rows", batchRows);
    m.put("batch_concurrency", batchConcurrency);
    m.put("users", users);
    m.put("body_chars", bodyChars);
    m.put("warmup_seconds", warmupSeconds);
    m.put("phase_seconds", phaseSeconds);
    m.put("jit_warmup_seconds", jitWarmupSeconds);
    m.put("targets", targets);
    m.put("results_dir", resultsDir == null ? "none" : resultsDir.toString());
    return m;
  }

  private static int positiveInt(String key, String s) {
    int v = nonNegativeInt(key, s);
    if (v == 0) {
      throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": must be positive");
    }
    return v;
  }

  private static int nonNegativeInt(String key, String s) {
    try {
      int v = Integer.parseInt(s);
      if (v < 0) {
        throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": negative");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": not an integer");
    }
  }

  private static double positiveDouble(String key, String s) {
    double v = nonNegativeDouble(key, s);
    if (v == 0) {
      throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": must be positive");
    }
    return v;
  }

  private static double nonNegativeDouble(String key, String s) {
    try {
      double v = Double.parseDouble(s);
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": not >= 0");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Cannot use --" + key + "=" + s + ": not a number");
    }
  }
}
