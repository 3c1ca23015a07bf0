package io.tributary.benchmarks.ingest;

import io.tributary.benchmarks.Options;
import java.nio.file.Path;
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
 * @param jitWarmupSeconds the longest JIT warm-up per target before the first phase: discarded
 *     single-row windows until the rate is steady ({@link io.tributary.benchmarks.SteadyWarmUp})
 * @param targets {@code tributary}, {@code kafka} or both
 * @param durable fsync each append of the command topics (and so of the raw producer's topic, which
 *     copies their settings): PostgreSQL's {@code synchronous_commit=on}; false is the page-cache
 *     mode ({@code synchronous_commit=off})
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
    boolean durable,
    Path resultsDir) {

  static IngestOptions parse(String[] args) {
    Map<String, String> v = Options.keyValues(args);
    boolean quick = Options.quick(args);
    Map<String, String> d = new LinkedHashMap<>();
    d.put("concurrency", quick ? "1,4" : "1,32");
    d.put("batch-rows", quick ? "10" : "100");
    d.put("batch-concurrency", quick ? "2" : "4");
    d.put("users", quick ? "2" : "8");
    d.put("body-chars", "100");
    d.put("warmup-seconds", quick ? "0.5" : "3");
    d.put("phase-seconds", quick ? "1.5" : "10");
    d.put("jit-warmup-seconds", quick ? "0" : "120");
    d.put("targets", "tributary,kafka");
    d.put("durable", "true");
    d.put("results-dir", Options.defaultResultsDir());
    Options.override(d, v);
    List<Integer> concurrency = new ArrayList<>();
    for (String s : d.get("concurrency").split(",")) {
      int c = Options.positiveInt("concurrency", s.strip());
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
    int batchRows = Options.nonNegativeInt("batch-rows", d.get("batch-rows"));
    return new IngestOptions(
        List.copyOf(concurrency),
        batchRows,
        Options.positiveInt("batch-concurrency", d.get("batch-concurrency")),
        Options.positiveInt("users", d.get("users")),
        Options.positiveInt("body-chars", d.get("body-chars")),
        Options.nonNegativeDouble("warmup-seconds", d.get("warmup-seconds")),
        Options.positiveDouble("phase-seconds", d.get("phase-seconds")),
        Options.nonNegativeDouble("jit-warmup-seconds", d.get("jit-warmup-seconds")),
        List.copyOf(targets),
        durable(d.get("durable")),
        Options.resultsDir(d.get("results-dir")));
  }

  private static boolean durable(String value) {
    String v = value.strip();
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(
          "Cannot use --durable=" + value + ": expected true or false");
    }
    return Boolean.parseBoolean(v);
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
    m.put("durable", durable);
    m.put("results_dir", resultsDir == null ? "none" : resultsDir.toString());
    return m;
  }
}
