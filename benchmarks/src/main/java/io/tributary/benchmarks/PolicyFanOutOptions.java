package io.tributary.benchmarks;

import io.tributary.benchmarks.chat.ServerJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link PolicyFanOutBenchmark}'s options; see {@link #USAGE}. Each is given as {@code --name
 * value} (the benchmark's first form) or {@code --name=value}; {@code --partitioned} alone means
 * {@code --partitioned=true}.
 */
record PolicyFanOutOptions(
    int conversations,
    int seconds,
    int writers,
    int rate,
    int repetitions,
    boolean partitioned,
    double warmupMaxSeconds,
    double drainSeconds,
    int maxInFlight,
    String durability,
    List<String> serverJvmFlags,
    long seed,
    Path resultsDir) {

  /** Issue 16's targets: policed deliveries/s ≥ 0.8× the unpoliced, p99 within 20%. */
  static final double MIN_THROUGHPUT_RATIO = 0.8;

  static final double MAX_P99_RATIO = 1.2;

  static final String USAGE =
      """
      options (--name value or --name=value):
        --conversations 100      conversations of 2 to 10 members (each user in one, subscribed once)
        --seconds 20             measured per phase, after its warm-up
        --writers 4              writer connections (root), taking the messages in turn
        --rate 400               offered messages/s over all writers, open loop on an absolute
                                 schedule; 0: closed loop (each writer sends when answered)
        --repetitions 3          both phases this many times, alternating which goes first
        --partitioned            both message tables WITH (PARTITION_KEY = 'conversation_id')
        --warmup-max-seconds 180 each phase's warm-up: until latency and the compilers are steady,
                                 at most this long (at least min(30, this))
        --drain-seconds 10       after a phase, the longest wait without a new delivery
        --max-in-flight 10000    unanswered INSERTs before the schedule waits (and falls late)
        --durability fsync       the server's writes: fsync (per append) or pagecache
        --server-jvm-flags "-Xmx4g --add-opens=java.base/java.nio=ALL-UNNAMED"
        --seed 16                the conversations written to
        --results-dir <dir>|none (default benchmarks/results/<date>-<host>)""";

  static PolicyFanOutOptions parse(String[] args) {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("conversations", "100");
    d.put("seconds", "20");
    d.put("writers", "4");
    d.put("rate", "400");
    d.put("repetitions", "3");
    d.put("partitioned", "false");
    d.put("warmup-max-seconds", "180");
    d.put("drain-seconds", "10");
    d.put("max-in-flight", "10000");
    d.put("durability", "fsync");
    d.put("server-jvm-flags", ServerJvm.DEFAULT_FLAGS);
    d.put("seed", "16");
    d.put("results-dir", Options.defaultResultsDir());
    Options.override(d, Options.keyValues(keyValueForm(args), d.keySet(), USAGE));
    return new PolicyFanOutOptions(
        Options.positiveInt("conversations", d.get("conversations")),
        Options.positiveInt("seconds", d.get("seconds")),
        Options.positiveInt("writers", d.get("writers")),
        Options.nonNegativeInt("rate", d.get("rate")),
        Options.positiveInt("repetitions", d.get("repetitions")),
        Options.bool("partitioned", d.get("partitioned")),
        Options.positiveDouble("warmup-max-seconds", d.get("warmup-max-seconds")),
        Options.positiveDouble("drain-seconds", d.get("drain-seconds")),
        Options.positiveInt("max-in-flight", d.get("max-in-flight")),
        Options.oneOf("durability", d.get("durability"), "fsync", "pagecache"),
        Options.words(d.get("server-jvm-flags")),
        Options.anyLong("seed", d.get("seed")),
        Options.resultsDir(d.get("results-dir")));
  }

  /**
   * The arguments with {@code --name value} joined into {@code --name=value} and a lone {@code
   * --partitioned} made {@code --partitioned=true}.
   */
  static String[] keyValueForm(String[] args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--partitioned")) {
        out.add(a + "=true");
      } else if (a.startsWith("--")
          && !a.contains("=")
          && i + 1 < args.length
          && !args[i + 1].startsWith("--")) {
        out.add(a + "=" + args[++i]);
      } else {
        out.add(a);
      }
    }
    return out.toArray(String[]::new);
  }

  /** Closed loop: each writer sends its next message when the last is answered. */
  boolean closedLoop() {
    return rate == 0;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conversations", conversations);
    m.put("seconds", seconds);
    m.put("writers", writers);
    m.put("rate", rate);
    m.put("repetitions", repetitions);
    m.put("partitioned", partitioned);
    m.put("warmup_max_seconds", warmupMaxSeconds);
    m.put("drain_seconds", drainSeconds);
    m.put("max_in_flight", maxInFlight);
    m.put("durability", durability);
    m.put("server_jvm_flags", String.join(" ", serverJvmFlags));
    m.put("seed", seed);
    return m;
  }
}
