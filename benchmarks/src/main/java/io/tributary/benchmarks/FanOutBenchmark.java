package io.tributary.benchmarks;

import io.tributary.benchmarks.pg.PostgresInstance;
import io.tributary.live.LiveConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live-query fan-out benchmark (DESIGN.md section 9): Tributary's deliveries/s, insert → client
 * latency and heap per idle subscription, beside the traditional stack it replaces (PostgreSQL, a
 * trigger calling {@code pg_notify}, a relay fanning notifications out over gRPC streams) and a raw
 * gRPC fan-out of pre-serialized messages (the ceiling), to the same number of streams over the
 * same number of connections, in the same run.
 *
 * <p>One JVM runs a Tributary server (embedded broker, in a temporary directory), the ceiling
 * server, the relay and the clients; PostgreSQL runs as a child process. For each scenario and each
 * target: open the subscriptions, run a fixed-rate phase (latency of every delivery) and a
 * saturation phase (deliveries/s), close. After the first scenario, the heap of idle subscriptions,
 * opened from a child JVM. Prints a Markdown report and writes it, with the raw figures as JSON, to
 * {@code <results-dir>/fanout.md} and {@code .json} (the suite's names) or, without {@code
 * --results-dir}, to {@code benchmarks/results/<date>-fanout.md} and {@code .json}.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class FanOutBenchmark {
  static final String ROOT_PASSWORD = "fanout-benchmark-root-password";

  /** The suite's name of this scenario (and of its files). */
  static final String SCENARIO = "fanout";

  private FanOutBenchmark() {}

  public static void main(String[] args) throws IOException {
    FanOutOptions options = BenchmarkMain.optionsOrExit(args, FanOutOptions::parse);
    Report report = run(options);
    String prefix = options.suiteNaming() ? "" : LocalDate.now(ZoneOffset.UTC).toString() + "-";
    BenchmarkMain.printAndWrite(
        report.markdown(), report::json, options.resultsDir(), prefix + SCENARIO);
    System.exit(0); // the embedded broker leaves non-daemon threads behind for a while
  }

  /** Runs every scenario and returns the report. */
  static Report run(FanOutOptions options) throws IOException {
    long begin = System.nanoTime();
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    List<PhaseResult> results = new ArrayList<>();
    Map<String, Integer> windows = new LinkedHashMap<>();
    Map<String, Double> openSeconds = new LinkedHashMap<>();
    Map<String, Double> startSeconds = new LinkedHashMap<>();
    Map<String, SteadyWarmUp.Result> jitWarmUps = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    List<String> notRun = new ArrayList<>();
    Map<String, Object> postgresInfo = new LinkedHashMap<>();
    HeapProbe.Result heap = null;
    LiveConfig live = LiveConfig.defaults();
    Path dataDir = Files.createTempDirectory("tributary-fanout");
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      List<FanOutTarget> targets = new ArrayList<>();
      TributaryServer server = null;
      TributaryTarget tributary = null;
      PostgresTarget postgres = null;
      if (options.targets().contains("tributary")) {
        long t = System.nanoTime();
        server =
            TributaryServer.start(
                ServerConfig.defaults()
                    .withDataDir(dataDir)
                    .withPort(0)
                    .withRootPassword(ROOT_PASSWORD)
                    .withLive(live));
        opened.push(server);
        tributary = new TributaryTarget(server, ROOT_PASSWORD, options.users());
        opened.push(tributary);
        targets.add(tributary);
        startSeconds.put("tributary", (System.nanoTime() - t) / 1e9);
        progress("tributary: server started in %.1f s", startSeconds.get("tributary"));
      }
      if (options.targets().contains("ceiling")) {
        CeilingTarget ceiling = new CeilingTarget(fanOutThreads());
        opened.push(ceiling);
        targets.add(ceiling);
      }
      if (options.targets().contains("postgres")) {
        long t = System.nanoTime();
        try {
          postgres = startPostgres(options, opened, postgresInfo);
          targets.add(postgres);
          startSeconds.put("postgres", (System.nanoTime() - t) / 1e9);
          progress(
              "postgres: %s from %s, started in %.1f s",
              postgresInfo.get("version"),
              postgresInfo.get("binaries"),
              startSeconds.get("postgres"));
        } catch (RuntimeException | java.sql.SQLException e) {
          skipped.put("postgres", e.getMessage());
          progress("postgres: SKIPPED: %s", e.getMessage());
        }
      }
      if (options.targets().contains("pgsource")) {
        if (postgres == null || tributary == null) {
          skipped.put("pgsource", "needs the tributary and postgres targets in the same run");
        } else {
          try {
            PgSourceTarget source =
                new PgSourceTarget(
                    tributary, server.port(), postgres.instance(), options.pgWriters());
            opened.push(source);
            targets.add(source);
          } catch (RuntimeException | java.sql.SQLException e) {
            skipped.put("pgsource", e.getMessage());
            progress("pgsource: SKIPPED: %s", e.getMessage());
          }
        }
      }
      Driver driver = new Driver();
      boolean first = true;
      for (Layout layout : options.layouts()) {
        int window = options.window() > 0 ? options.window() : window(layout, live);
        windows.put(layout.name(), window);
        for (FanOutTarget target : targets) {
          if (overBudget(options, begin)) {
            notRun.add(layout.name() + " / " + target.name());
            progress("%s / %s: NOT RUN, over the time budget", layout.name(), target.name());
            continue;
          }
          Deliveries deliveries = new Deliveries();
          progress(
              "%s / %s: opening %,d subscriptions (%,d matching) over %d connections",
              layout.name(),
              target.name(),
              layout.subscriptions(),
              layout.matching(),
              layout.connections());
          long t = System.nanoTime();
          target.open(layout, deliveries);
          double openTime = (System.nanoTime() - t) / 1e9;
          openSeconds.put(layout.name() + "/" + target.name(), openTime);
          progress("  opened in %.1f s", openTime);
          if (first && options.jitWarmupSeconds() > 0) {
            SteadyWarmUp.Result w =
                SteadyWarmUp.run(
                    options.jitWarmupSeconds(),
                    seconds ->
                        driver
                            .saturation(target, layout, deliveries, window, 0, seconds)
                            .deliveriesPerSecond());
            jitWarmUps.put(target.name(), w);
            progress("  JIT warm-up (deliveries/s): %s", w.describe());
          }
          for (double perThousand : options.rates()) {
            double rate = FanOutOptions.rateFor(layout, perThousand);
            PhaseResult r =
                driver.fixedRate(
                    target,
                    layout,
                    deliveries,
                    rate,
                    options.warmupSeconds(),
                    options.phaseSeconds(),
                    options.minChanges());
            results.add(r);
            progress(
                "  rate %s changes/s: latency from ack p50 %.2f ms, p99 %.2f ms, max %.1f ms;"
                    + " delivered %,d of %,d; errors %d, failures %d; other processes %.2f cores",
                num(rate),
                r.latencyFromAck().p50(),
                r.latencyFromAck().p99(),
                r.latencyFromAck().max(),
                r.deliveries(),
                r.expectedDeliveries(),
                r.errors(),
                r.failures(),
                r.otherCoresBusy());
          }
          PhaseResult s =
              driver.saturation(
                  target,
                  layout,
                  deliveries,
                  window,
                  options.warmupSeconds(),
                  options.phaseSeconds());
          results.add(s);
          progress(
              "  saturation (window %d): %,.0f deliveries/s, %,.0f changes/s, %.2f cores"
                  + " (other processes %.2f); errors %d, failures %d",
              window,
              s.deliveriesPerSecond(),
              s.changesPerSecond(),
              s.coresBusy(),
              s.otherCoresBusy(),
              s.errors(),
              s.failures());
          if (target instanceof OutOfProcessCpu o) {
            progress("  %s processes: %.2f cores", o.outOfProcessName(), s.outOfProcessCoresBusy());
          }
          progress("  busiest threads (CPU ms): %s", s.busiestThreadsMillis());
          if (deliveries.firstError() != null) {
            progress("  first client error: %s", deliveries.firstError());
          }
          if (target == tributary && tributary.firstFailure() != null) {
            progress("  first publication failure: %s", tributary.firstFailure());
          }
          if (target == postgres && postgres.firstFailure() != null) {
            progress("  first publication failure: %s", postgres.firstFailure());
          }
          t = System.nanoTime();
          target.closeStreams();
          progress("  closed in %.1f s", (System.nanoTime() - t) / 1e9);
        }
        first = false;
        if (heap == null && options.heapSubscriptions() > 0 && tributary != null) {
          heap = measureHeap(options, tributary, server);
        }
      }
      if (heap == null && options.heapSubscriptions() > 0 && tributary != null) {
        heap = measureHeap(options, tributary, server); // no scenarios
      }
    } finally {
      BenchmarkMain.closeAll(opened, PROGRESS);
      BenchmarkMain.deleteRecursively(dataDir);
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    return new Report(
        machine,
        options,
        results,
        windows,
        openSeconds,
        startSeconds,
        jitWarmUps,
        skipped,
        notRun,
        postgresInfo,
        heap,
        (System.nanoTime() - begin) / 1e9);
  }

  /**
   * Starts PostgreSQL (bundled or machine binaries, in a temporary directory) and the traditional
   * stack's target on it; registers both in {@code opened} so they are stopped whatever happens.
   * Fills {@code info} with where the binaries came from.
   */
  private static PostgresTarget startPostgres(
      FanOutOptions options, Deque<AutoCloseable> opened, Map<String, Object> info)
      throws IOException, java.sql.SQLException {
    Path dir = Files.createTempDirectory("tributary-fanout-pg");
    PostgresInstance pg;
    try {
      PostgresInstance.Binaries binaries = PostgresInstance.locate(dir);
      pg = PostgresInstance.start(binaries, dir);
    } catch (RuntimeException e) {
      BenchmarkMain.deleteRecursively(dir);
      throw e;
    }
    opened.push(pg);
    info.put("version", pg.version());
    info.put("binaries", pg.binaries().source());
    info.put("initdb_and_start_seconds", pg.startSeconds());
    info.put(
        "settings",
        "listen_addresses=127.0.0.1, no Unix socket, max_connections=50, the rest default"
            + " (fsync=on, synchronous_commit=on, full_page_writes=on)");
    info.put("data_directory", "temporary directory " + dir);
    info.put("writer_connections", options.pgWriters());
    info.put("relay_fanout_threads", fanOutThreads());
    PostgresTarget target = new PostgresTarget(pg, fanOutThreads(), options.pgWriters());
    opened.push(target);
    return target;
  }

  /**
   * Heap per idle subscription, measured after the first scenario: late enough that the server's
   * one-time structures (first subscriptions, JIT, caches) are not counted per subscription, early
   * enough that a run short of time leaves out the baselines of the last scenario rather than this.
   */
  private static HeapProbe.Result measureHeap(
      FanOutOptions options, TributaryTarget tributary, TributaryServer server) {
    Layout idle =
        new Layout(
            "idle",
            options.connections(),
            options.heapSubscriptions(),
            Math.min(options.heapMatching(), options.heapSubscriptions()));
    progress(
        "heap: %,d idle subscriptions over %d connections from a child JVM",
        idle.subscriptions(), idle.connections());
    HeapProbe.Result heap = HeapProbe.measure(tributary, server.port(), idle, options.users());
    progress(
        "  %,.0f B per idle subscription, %,.0f B per idle stream; subscribed in %.1f s",
        heap.bytesPerSubscription(), heap.bytesPerStream(), heap.subscribeSeconds());
    return heap;
  }

  /** Whether the run has used up {@code --budget-seconds} (0: no budget). */
  private static boolean overBudget(FanOutOptions options, long begin) {
    return options.budgetSeconds() > 0
        && (System.nanoTime() - begin) / 1e9 > options.budgetSeconds();
  }

  /** Fan-out worker threads of the ceiling and of the relay alike. */
  static int fanOutThreads() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  /**
   * The saturation window: changes in flight such that no stream's backlog exceeds half of
   * Tributary's per-stream queue (so no subscriber is closed as too slow), at most 200.
   */
  static int window(Layout layout, LiveConfig live) {
    int perConnection = (layout.matching() + layout.connections() - 1) / layout.connections();
    return Math.max(2, Math.min(200, live.streamQueueCapacity() / (2 * perConnection)));
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.1f", v);
  }

  private static final Progress PROGRESS = new Progress("[%5.1f s] %s");

  private static void progress(String format, Object... args) {
    PROGRESS.print(format, args);
  }
}
