package io.tributary.benchmarks.stream;

import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import io.tributary.benchmarks.Progress;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * STREAM-table event rate with TTL eviction running (DESIGN.md sections 1 and 9): typing events
 * offered at a fixed (open-loop) rate into a STREAM table with a short TTL, by several users over
 * the SDK, while each user has one live subscription on the table. Reports events/s offered,
 * accepted (acknowledged INSERTs) and delivered (live inserts, and the deletes expiry sends), the
 * acknowledgement latency, and the table's hot-store entries sampled every second: with eviction
 * running they level off near rate × (TTL + the expiry delay) × 2 (a row and its index entry)
 * instead of growing with the run. Writes {@code stream-ttl.md} and {@code stream-ttl.json}.
 *
 * <p>Open loop: an event is due every 1/rate seconds whatever happened before; one that finds
 * {@code --max-in-flight} INSERTs unanswered is not sent and counts as refused by the client, so a
 * server that cannot keep up shows as accepted &lt; offered rather than as a slower schedule.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class StreamTtlBenchmark {
  private static final String ROOT_PASSWORD = "stream-ttl-benchmark-root-password";

  /** The longest wait for the last events to expire and leave the store after the phase. */
  private static final long MAX_DRAIN_SECONDS = 60;

  private static final Progress PROGRESS = new Progress("[%5.1f s] %s");
  private static final String USAGE =
      "options: --rate=<events/s> --seconds=<n> --ttl-seconds=<n> --users=<n>"
          + " --max-in-flight=<n> --results-dir=<dir|none> [--quick]";

  private StreamTtlBenchmark() {}

  /** The options; see {@link #USAGE}. */
  record Config(
      int rate, int seconds, int ttlSeconds, int users, int maxInFlight, Path resultsDir) {
    static Config parse(String[] args) {
      boolean quick = Options.quick(args);
      Map<String, String> d = new LinkedHashMap<>();
      d.put("rate", quick ? "300" : "2000");
      d.put("seconds", quick ? "8" : "60");
      d.put("ttl-seconds", quick ? "2" : "3");
      d.put("users", "4");
      d.put("max-in-flight", "64");
      d.put("results-dir", Options.defaultResultsDir());
      Options.override(d, Options.keyValues(args, d.keySet(), USAGE));
      return new Config(
          Options.positiveInt("rate", d.get("rate")),
          Options.positiveInt("seconds", d.get("seconds")),
          Options.positiveInt("ttl-seconds", d.get("ttl-seconds")),
          Options.positiveInt("users", d.get("users")),
          Options.positiveInt("max-in-flight", d.get("max-in-flight")),
          Options.resultsDir(d.get("results-dir")));
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rate", rate);
      m.put("seconds", seconds);
      m.put("ttl_seconds", ttlSeconds);
      m.put("users", users);
      m.put("max_in_flight", maxInFlight);
      return m;
    }
  }

  public static void main(String[] args) throws IOException {
    Config config = BenchmarkMain.optionsOrExit(args, Config::parse);
    int status = 0;
    try {
      Map<String, Object> result = run(config);
      BenchmarkMain.printAndWrite(
          markdown(result), () -> Json.write(result), config.resultsDir(), "stream-ttl");
    } catch (Exception e) {
      System.err.println("The STREAM-table benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status); // the embedded broker leaves non-daemon threads behind for a while
  }

  /** Counts what one user's subscription receives. */
  private static final class Deliveries implements SubscriptionListener {
    final AtomicLong inserts = new AtomicLong();
    final AtomicLong deletes = new AtomicLong();

    @Override
    public void onInsert(Row row, long seq) {
      inserts.incrementAndGet();
    }

    @Override
    public void onUpdate(Row oldRow, Row newRow, long seq) {}

    @Override
    public void onDelete(Row row, long seq) {
      deletes.incrementAndGet();
    }
  }

  static Map<String, Object> run(Config config) throws Exception {
    long begin = System.nanoTime();
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    Path dir = Files.createTempDirectory("tributary-stream-ttl");
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      TributaryServer server =
          TributaryServer.start(
              ServerConfig.defaults()
                  .withDataDir(dir.resolve("server"))
                  .withPort(0)
                  .withRootPassword(ROOT_PASSWORD));
      opened.push(server);
      String url = "http://127.0.0.1:" + server.port();
      PROGRESS.print("Tributary on port %d", server.port());
      try (TributaryClient root = TributaryClient.connect(url)) {
        root.login("root", ROOT_PASSWORD);
        StringBuilder ddl =
            new StringBuilder("CREATE NAMESPACE bench; CREATE TABLE bench.typing (")
                .append("id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT,")
                .append(" user_id TEXT DEFAULT CURRENT_USER(), event_type TEXT,")
                .append(" created_at TIMESTAMP DEFAULT NOW())")
                .append(" WITH (TYPE = 'STREAM', TTL_SECONDS = ")
                .append(config.ttlSeconds())
                .append(")");
        for (int u = 0; u < config.users(); u++) {
          ddl.append("; CREATE USER 'typist")
              .append(u)
              .append("' WITH PASSWORD 'typist-pw-")
              .append(u)
              .append("'");
        }
        root.update(ddl.toString());
      }
      List<TributaryClient> writers = new ArrayList<>();
      List<Deliveries> deliveries = new ArrayList<>();
      for (int u = 0; u < config.users(); u++) {
        TributaryClient writer = TributaryClient.connect(url);
        opened.push(writer);
        writer.login("typist" + u, "typist-pw-" + u);
        writers.add(writer);
        TributaryClient reader = TributaryClient.connect(url);
        opened.push(reader);
        reader.login("typist" + u, "typist-pw-" + u);
        Deliveries d = new Deliveries();
        Subscription s = reader.subscribe("SUBSCRIBE TO bench.typing", d);
        opened.push(s);
        deliveries.add(d);
      }
      out.put("phase", phase(config, server, writers, deliveries));
    } finally {
      BenchmarkMain.closeAll(opened, PROGRESS);
      BenchmarkMain.deleteRecursively(dir);
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("benchmark", "stream-ttl");
    result.put("machine", machine);
    result.put("options", config.toMap());
    result.putAll(out);
    result.put("total_seconds", (System.nanoTime() - begin) / 1e9);
    return result;
  }

  private static Map<String, Object> phase(
      Config config,
      TributaryServer server,
      List<TributaryClient> writers,
      List<Deliveries> deliveries)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(config.maxInFlight());
    Semaphore inFlight = new Semaphore(config.maxInFlight());
    AtomicLong accepted = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Histogram ackMicros = new Histogram(60_000_000L, 3);
    long offered = 0;
    long refused = 0;
    List<Map<String, Object>> samples = new ArrayList<>();
    long intervalNanos = 1_000_000_000L / config.rate();
    long start = System.nanoTime();
    long end = start + config.seconds() * 1_000_000_000L;
    long nextSample = start + 1_000_000_000L;
    long next = start;
    PROGRESS.print(
        "offering %d typing events/s for %d s, TTL %d s, %d users",
        config.rate(), config.seconds(), config.ttlSeconds(), config.users());
    while (true) {
      long now = System.nanoTime();
      if (now >= nextSample) {
        samples.add(sample(server, (now - start) / 1e9, offered, accepted, deliveries));
        nextSample += 1_000_000_000L;
      }
      if (next >= end) {
        break;
      }
      if (now < next) {
        TimeUnit.NANOSECONDS.sleep(Math.min(next - now, nextSample - now));
        continue;
      }
      TributaryClient writer = writers.get((int) (offered % writers.size()));
      long conversation = offered % 16;
      offered++;
      next += intervalNanos;
      if (!inFlight.tryAcquire()) {
        refused++;
        continue;
      }
      long sent = System.nanoTime();
      pool.execute(
          () -> {
            try {
              writer.update(
                  "INSERT INTO bench.typing (conversation_id, event_type) VALUES ($1, 'typing')",
                  conversation);
              accepted.incrementAndGet();
              synchronized (ackMicros) {
                ackMicros.recordValue(Math.min((System.nanoTime() - sent) / 1000, 59_999_999L));
              }
            } catch (RuntimeException e) {
              failed.incrementAndGet();
            } finally {
              inFlight.release();
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    long insertsDelivered = deliveries.stream().mapToLong(d -> d.inserts.get()).sum();
    // Let the last events expire, then count how many of them were removed from the store.
    long drainUntil =
        System.nanoTime() + Math.min(config.ttlSeconds() + 10L, MAX_DRAIN_SECONDS) * 1_000_000_000L;
    long entries = server.storeEntries("bench", "typing");
    while (System.nanoTime() < drainUntil && entries > config.users()) {
      TimeUnit.MILLISECONDS.sleep(250);
      entries = server.storeEntries("bench", "typing");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("measured_seconds", seconds);
    m.put("offered", offered);
    m.put("refused_by_client", refused);
    m.put("failed", failed.get());
    m.put("accepted", accepted.get());
    m.put("accepted_per_second", accepted.get() / seconds);
    m.put("inserts_delivered", insertsDelivered);
    m.put("inserts_delivered_per_second", insertsDelivered / seconds);
    m.put("deletes_delivered", deliveries.stream().mapToLong(d -> d.deletes.get()).sum());
    m.put("ack_ms_p50", ackMicros.getValueAtPercentile(50) / 1000.0);
    m.put("ack_ms_p99", ackMicros.getValueAtPercentile(99) / 1000.0);
    m.put("ack_ms_max", ackMicros.getMaxValue() / 1000.0);
    long maxEntries =
        samples.stream().mapToLong(s -> (Long) s.get("store_entries")).max().orElse(0);
    m.put("store_entries_max", maxEntries);
    m.put(
        "store_entries_expected_bound",
        2L * config.rate() * (config.ttlSeconds() + 2) + config.users());
    m.put("store_entries_after_drain", entries);
    m.put("samples", samples);
    return m;
  }

  private static Map<String, Object> sample(
      TributaryServer server,
      double at,
      long offered,
      AtomicLong accepted,
      List<Deliveries> deliveries) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("at_seconds", at);
    s.put("offered", offered);
    s.put("accepted", accepted.get());
    s.put("inserts_delivered", deliveries.stream().mapToLong(d -> d.inserts.get()).sum());
    s.put("deletes_delivered", deliveries.stream().mapToLong(d -> d.deletes.get()).sum());
    s.put("store_entries", server.storeEntries("bench", "typing"));
    return s;
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> result) {
    Map<String, Object> p = (Map<String, Object>) result.get("phase");
    Map<String, Object> o = (Map<String, Object>) result.get("options");
    return String.format(
        Locale.ROOT,
        "## STREAM table with TTL eviction\n\n"
            + "%s events/s offered for %s s, TTL %s s, %s users (one live subscription each).\n\n"
            + "| offered | accepted/s | live inserts/s | live deletes | ack p50 / p99 ms |"
            + " store entries max (bound) | after drain |\n"
            + "|---|---|---|---|---|---|---|\n"
            + "| %s | %.0f | %.0f | %s | %.2f / %.2f | %s (%s) | %s |\n\n"
            + "Refused by the client (in-flight cap): %s; failed: %s.\n",
        o.get("rate"),
        o.get("seconds"),
        o.get("ttl_seconds"),
        o.get("users"),
        p.get("offered"),
        (Double) p.get("accepted_per_second"),
        (Double) p.get("inserts_delivered_per_second"),
        p.get("deletes_delivered"),
        (Double) p.get("ack_ms_p50"),
        (Double) p.get("ack_ms_p99"),
        p.get("store_entries_max"),
        p.get("store_entries_expected_bound"),
        p.get("store_entries_after_drain"),
        p.get("refused_by_client"),
        p.get("failed"));
  }
}
