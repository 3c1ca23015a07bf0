package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Options;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chat benchmark's options; see {@link #USAGE}.
 *
 * @param steps the offered rates (inserts/s), lowest first
 */
record ChatOptions(
    boolean direct,
    int users,
    int conversations,
    int minMembers,
    int maxMembers,
    int writers,
    List<Integer> steps,
    double stepSeconds,
    double warmupSeconds,
    double drainSeconds,
    int maxInFlight,
    boolean stopAfterMiss,
    List<String> serverJvmFlags,
    List<String> targets,
    List<String> modes,
    int repetitions,
    boolean compass,
    int pgWriters,
    int relayThreads,
    long seed,
    boolean quick,
    Path resultsDir) {

  /** The latency bound of the wall: p99 from the scheduled send to each subscriber. */
  static final double WALL_P99_MS = 100;

  /** The share of the offered rate a step must achieve to count for the wall. */
  static final double WALL_ACHIEVED = 0.99;

  static final String USAGE =
      """
      options (--name=value):
        --variant=group          group: conversations of several readers on a SHARED table under
                                 a membership policy; direct: one-to-one, an assistant (a service
                                 user) answering each reader AS that user in a USER table
        --users=1000             reader users, one connection each
        --conversations=2000     conversations, members drawn at random among the readers
        --min-members=2 --max-members=10   reader members per conversation
        --writers=100            writer users, one connection each; writer c % writers posts to
                                 conversation c (it is a member, and does not subscribe)
        --steps=500,1000,2000,3000,5000,9000,12000,15000   offered inserts/s, one step each
        --step-seconds=30        measured per step
        --warmup-seconds=30      before the first step, at its rate, not measured
        --drain-seconds=10       the longest wait after a step for its last deliveries
        --max-in-flight=20000    unanswered INSERTs before the schedule waits (and falls late)
        --stop-after-miss=true   skip the steps above the first that misses the wall
        --server-jvm-flags="-Xmx4g --add-opens=java.base/java.nio=ALL-UNNAMED"
        --targets=tributary,postgres,ceiling   which systems, in this order (postgres: the
                                 PostgreSQL stack, trigger + pg_notify + a relay routing per
                                 conversation; ceiling: the raw gRPC fan-out, no database)
        --modes=fsync,pagecache  durability: fsync per commit (Tributary's durable writes,
                                 PostgreSQL synchronous_commit=on) and the page cache (no fsync
                                 per append, synchronous_commit=off); the ceiling runs once
        --repetitions=3          runs of each target, alternating (ours, PG, raw, ours, ...)
        --compass=true           also the compass point per target, mode and repetition: 1,000
                                 readers, 100 conversations of 10 members (1k subscriptions, 10
                                 matches per insert), one step at 1,000 inserts/s
        --pg-writers=40          the PostgreSQL stack's writer connections (one shared queue;
                                 at most min(writers, pg-writers); PostgreSQL allows 50)
        --relay-threads=4        the relay's fan-out threads
        --seed=17                the layout and the conversations written to
        --results-dir=<dir>|none (default benchmarks/results/<date>-<host>)
        --quick                  tiny sizes: a fast look, not figures""";

  static ChatOptions parse(String[] args) {
    boolean quick = Options.quick(args);
    Map<String, String> d = new LinkedHashMap<>();
    d.put("variant", "group");
    d.put("users", quick ? "40" : "1000");
    d.put("conversations", quick ? "60" : "2000");
    d.put("min-members", "2");
    d.put("max-members", "10");
    d.put("writers", quick ? "4" : "100");
    d.put("steps", quick ? "100,300" : "500,1000,2000,3000,5000,9000,12000,15000");
    d.put("step-seconds", quick ? "3" : "30");
    d.put("warmup-seconds", quick ? "2" : "30");
    d.put("drain-seconds", "10");
    d.put("max-in-flight", "20000");
    d.put("stop-after-miss", "true");
    d.put("server-jvm-flags", ServerJvm.DEFAULT_FLAGS);
    d.put("targets", "tributary,postgres,ceiling");
    d.put("modes", "fsync,pagecache");
    d.put("repetitions", quick ? "1" : "3");
    d.put("compass", quick ? "false" : "true");
    d.put("pg-writers", "40");
    d.put("relay-threads", "4");
    d.put("seed", "17");
    d.put("results-dir", Options.defaultResultsDir());
    Options.override(d, Options.keyValues(args, d.keySet(), USAGE));
    String variant = Options.oneOf("variant", d.get("variant"), "group", "direct");
    List<Integer> steps = new ArrayList<>();
    for (String s : d.get("steps").split(",")) {
      int rate = Options.positiveInt("steps", s.trim());
      if (!steps.isEmpty() && rate <= steps.get(steps.size() - 1)) {
        throw Options.invalid("steps", d.get("steps"), "expected increasing rates");
      }
      steps.add(rate);
    }
    int users = Options.positiveInt("users", d.get("users"));
    int min = Options.positiveInt("min-members", d.get("min-members"));
    int max = Options.positiveInt("max-members", d.get("max-members"));
    if (min > max || max > users || max > 30) {
      throw Options.invalid(
          "max-members", d.get("max-members"), "expected min-members <= max-members <= users, 30");
    }
    List<String> targets = List.of(d.get("targets").split(","));
    for (String t : targets) {
      if (!t.equals("tributary") && !t.equals("postgres") && !t.equals("ceiling")) {
        throw Options.invalid(
            "targets", d.get("targets"), "expected tributary, postgres and/or ceiling");
      }
    }
    List<String> modes = List.of(d.get("modes").split(","));
    for (String m : modes) {
      if (!m.equals("fsync") && !m.equals("pagecache")) {
        throw Options.invalid("modes", d.get("modes"), "expected fsync and/or pagecache");
      }
    }
    int pgWriters = Options.positiveInt("pg-writers", d.get("pg-writers"));
    if (pgWriters > 45) {
      throw Options.invalid("pg-writers", d.get("pg-writers"), "at most 45 (max_connections=50)");
    }
    return new ChatOptions(
        variant.equals("direct"),
        users,
        Options.positiveInt("conversations", d.get("conversations")),
        min,
        max,
        Options.positiveInt("writers", d.get("writers")),
        List.copyOf(steps),
        Options.positiveDouble("step-seconds", d.get("step-seconds")),
        Options.nonNegativeDouble("warmup-seconds", d.get("warmup-seconds")),
        Options.positiveDouble("drain-seconds", d.get("drain-seconds")),
        Options.positiveInt("max-in-flight", d.get("max-in-flight")),
        Options.bool("stop-after-miss", d.get("stop-after-miss")),
        Options.words(d.get("server-jvm-flags")),
        targets,
        modes,
        Options.positiveInt("repetitions", d.get("repetitions")),
        Options.bool("compass", d.get("compass")),
        pgWriters,
        Options.positiveInt("relay-threads", d.get("relay-threads")),
        Options.anyLong("seed", d.get("seed")),
        quick,
        Options.resultsDir(d.get("results-dir")));
  }

  /**
   * The compass point's options: 1,000 readers (or fewer, never more than this run's), 100
   * conversations of exactly 10 members, one step at 1,000 inserts/s after a 5 s warm-up.
   */
  ChatOptions compassPoint() {
    int readers = Math.min(users, 1_000);
    return new ChatOptions(
        false,
        readers,
        Math.max(1, readers / 10),
        Math.min(10, readers),
        Math.min(10, readers),
        Math.min(writers, Math.max(1, readers / 10)),
        List.of(1_000),
        stepSeconds,
        Math.min(warmupSeconds, 5),
        drainSeconds,
        maxInFlight,
        false,
        serverJvmFlags,
        targets,
        modes,
        repetitions,
        false,
        pgWriters,
        relayThreads,
        seed,
        quick,
        resultsDir);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("variant", direct ? "direct" : "group");
    m.put("users", users);
    m.put("conversations", conversations);
    m.put("members", minMembers + "-" + maxMembers);
    m.put("writers", writers);
    m.put("steps", steps);
    m.put("step_seconds", stepSeconds);
    m.put("warmup_seconds", warmupSeconds);
    m.put("drain_seconds", drainSeconds);
    m.put("max_in_flight", maxInFlight);
    m.put("stop_after_miss", stopAfterMiss);
    m.put("server_jvm_flags", String.join(" ", serverJvmFlags));
    m.put("targets", targets);
    m.put("modes", modes);
    m.put("repetitions", repetitions);
    m.put("compass", compass);
    m.put("pg_writers", pgWriters);
    m.put("relay_threads", relayThreads);
    m.put("seed", seed);
    m.put("quick", quick);
    return m;
  }
}
