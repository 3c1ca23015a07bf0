package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Options;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The memory scenario's options; see {@link #USAGE}. */
record MemoryOptions(
    int connections,
    int minSubscriptions,
    int maxSubscriptions,
    int rooms,
    int bigSubscriptions,
    int bigConnections,
    double stormShare,
    double stormSeconds,
    int stormRate,
    double catchUpTimeoutSeconds,
    String durability,
    List<String> serverJvmFlags,
    long seed,
    boolean quick,
    Path resultsDir) {

  /** Issue 17's goals. */
  static final double MAX_HEAP_PER_IDLE_SUBSCRIPTION = 300;

  static final double MAX_MEMORY_PER_CONNECTION = 20 * 1024;

  static final String USAGE =
      """
      options (--name=value):
        --connections=10000      phase 1: client connections, one stream each
        --min-subscriptions=3 --max-subscriptions=10   subscriptions per connection (phase 1)
        --rooms=10000            phase 1: the rooms subscribed to (distinct per connection)
        --big-subscriptions=1000000   phase 2: subscriptions, over --big-connections
        --big-connections=1000   phase 2: connections (at most 1,000 subscriptions each)
        --storm-share=0.2        the connections that drop and resume in the reconnect storm
        --storm-seconds=10       the storm: rows written all along, drops spread over it
        --storm-rate=200         inserts/s written during the storm
        --catch-up-timeout=120   the longest wait for every subscription to catch up
        --durability=fsync       fsync (durable writes) or pagecache
        --server-jvm-flags="-Xmx4g --add-opens=java.base/java.nio=ALL-UNNAMED"
                                 (-XX:NativeMemoryTracking=summary is always added)
        --seed=17
        --results-dir=<dir>|none (default benchmarks/results/<date>-<host>)
        --quick                  tiny sizes: a fast look, not figures""";

  static MemoryOptions parse(String[] args) {
    boolean quick = Options.quick(args);
    Map<String, String> d = new LinkedHashMap<>();
    d.put("connections", quick ? "200" : "10000");
    d.put("min-subscriptions", "3");
    d.put("max-subscriptions", "10");
    d.put("rooms", quick ? "400" : "10000");
    d.put("big-subscriptions", quick ? "20000" : "1000000");
    d.put("big-connections", quick ? "20" : "1000");
    d.put("storm-share", "0.2");
    d.put("storm-seconds", quick ? "3" : "10");
    d.put("storm-rate", quick ? "100" : "200");
    d.put("catch-up-timeout", "120");
    d.put("durability", "fsync");
    d.put("server-jvm-flags", ServerJvm.DEFAULT_FLAGS);
    d.put("seed", "17");
    d.put("results-dir", Options.defaultResultsDir());
    Options.override(d, Options.keyValues(args, d.keySet(), USAGE));
    int min = Options.positiveInt("min-subscriptions", d.get("min-subscriptions"));
    int max = Options.positiveInt("max-subscriptions", d.get("max-subscriptions"));
    int rooms = Options.positiveInt("rooms", d.get("rooms"));
    if (min > max || max > rooms) {
      throw Options.invalid(
          "max-subscriptions",
          d.get("max-subscriptions"),
          "expected min-subscriptions <= max-subscriptions <= rooms");
    }
    int bigSubs = Options.nonNegativeInt("big-subscriptions", d.get("big-subscriptions"));
    int bigConnections = Options.positiveInt("big-connections", d.get("big-connections"));
    if ((bigSubs + bigConnections - 1) / bigConnections > 1_000) {
      throw Options.invalid(
          "big-connections",
          d.get("big-connections"),
          "at most 1,000 subscriptions per connection (the server's per-stream limit)");
    }
    double share = Options.nonNegativeDouble("storm-share", d.get("storm-share"));
    if (share > 1) {
      throw Options.invalid("storm-share", d.get("storm-share"), "expected 0..1");
    }
    String durability = Options.oneOf("durability", d.get("durability"), "fsync", "pagecache");
    return new MemoryOptions(
        Options.positiveInt("connections", d.get("connections")),
        min,
        max,
        rooms,
        bigSubs,
        bigConnections,
        share,
        Options.positiveDouble("storm-seconds", d.get("storm-seconds")),
        Options.positiveInt("storm-rate", d.get("storm-rate")),
        Options.positiveDouble("catch-up-timeout", d.get("catch-up-timeout")),
        durability,
        Options.words(d.get("server-jvm-flags")),
        Options.anyLong("seed", d.get("seed")),
        quick,
        Options.resultsDir(d.get("results-dir")));
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("connections", connections);
    m.put("subscriptions_per_connection", minSubscriptions + "-" + maxSubscriptions);
    m.put("rooms", rooms);
    m.put("big_subscriptions", bigSubscriptions);
    m.put("big_connections", bigConnections);
    m.put("storm_share", stormShare);
    m.put("storm_seconds", stormSeconds);
    m.put("storm_rate", stormRate);
    m.put("catch_up_timeout_s", catchUpTimeoutSeconds);
    m.put("durability", durability);
    m.put("server_jvm_flags", String.join(" ", serverJvmFlags));
    m.put("seed", seed);
    m.put("quick", quick);
    return m;
  }
}
