package io.tributary.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.iceberg.ColdCatalogView;
import io.tributary.iceberg.IcebergColdTier;
import io.tributary.live.LiveHub;
import io.tributary.live.TimeSource;
import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.materializer.Materializer;
import io.tributary.query.exec.ColdTier;
import io.tributary.server.api.ApiServer;
import io.tributary.server.api.GrpcConsumeService;
import io.tributary.server.api.GrpcLiveService;
import io.tributary.server.api.ProtoEventEncoder;
import io.tributary.server.auth.TokenService;
import io.tributary.server.internal.Bootstrap;
import io.tributary.server.internal.CatalogStore;
import io.tributary.server.internal.Engine;
import io.tributary.server.internal.FlushJobs;
import io.tributary.server.internal.JvmMetrics;
import io.tributary.server.internal.NodeEnvironment;
import io.tributary.server.internal.Outcomes;
import io.tributary.server.internal.OwnerOnlyFiles;
import io.tributary.server.internal.WarmUp;
import io.tributary.source.Sources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: starts the log (embedded broker or external cluster), reads the catalog,
 * creates the root user on first start, starts the materializer, then serves the API. Stops in the
 * reverse order. Lifecycle: STARTING → RUNNING → STOPPING → STOPPED; a failed start closes what it
 * had started and throws.
 */
public final class TributaryServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TributaryServer.class);

  /**
   * How long the materializer may apply nothing while commands wait (or its stream thread not poll
   * the log) before health reports the node as not serving.
   */
  static final Duration MAX_APPLY_STALL = Duration.ofSeconds(30);

  /** The server's lifecycle states; an illegal transition throws, naming both states. */
  public enum State {
    /** Starting its parts. Next: RUNNING, STOPPING (start failed, or closed meanwhile). */
    STARTING,
    /** Serving. Next: STOPPING. */
    RUNNING,
    /** {@link #close()} is running. Next: STOPPED. */
    STOPPING,
    /** Closed; terminal. */
    STOPPED;

    /**
     * Tells whether a server in this state may move to {@code next} (the same check as {@code
     * Log.State#isValidTransition}).
     *
     * @param next the candidate next state
     * @return true if the transition is legal
     */
    public boolean isValidTransition(State next) {
      return switch (this) {
        case STARTING -> next == RUNNING || next == STOPPING;
        case RUNNING -> next == STOPPING;
        case STOPPING -> next == STOPPED;
        case STOPPED -> false;
      };
    }
  }

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final ServerConfig config;
  private final Clock clock;
  private volatile State state = State.STARTING;
  private CatalogStore catalogStore;
  private Materializer materializer;
  private Log log;
  private ApiServer api;
  private Engine engine;
  private PrometheusMeterRegistry metrics;

  private TributaryServer(ServerConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** Starts a server and returns once it serves requests. */
  public static TributaryServer start(ServerConfig config) {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts a server whose statements take their time (NOW(), the time STREAM events count their TTL
   * from) from {@code clock}, and whose STREAM events expire by it: tests pass a clock they
   * advance.
   */
  public static TributaryServer start(ServerConfig config, Clock clock) {
    TributaryServer server = new TributaryServer(config, clock);
    try {
      server.startAll();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void startAll() {
    long begin = System.nanoTime();
    WarmUp.start();
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create data directory " + config.dataDir(), e);
    }
    // Owner-only before anything is written, and existing directories of earlier releases too.
    int restricted = OwnerOnlyFiles.restrict(config.dataDir());
    if (restricted > 0) {
      LOG.info("Made {} entries of {} readable by their owner only", restricted, config.dataDir());
    }
    started.push(OwnerOnlyFiles.watch(config.dataDir()));
    LogConfig logConfig =
        config.kafkaBootstrap() == null
            ? LogConfig.embedded(config.dataDir().resolve("kafka"))
            // Another node serving the cluster would lose partitions to this one's materializer.
            : LogConfig.external(config.kafkaBootstrap())
                .withExclusiveGroup(
                    Materializer.APPLICATION_ID,
                    Materializer.instanceId(config.dataDir().resolve("streams")));
    log =
        Log.open(
            logConfig
                .withPartitions(config.partitions())
                .withDurableWrites(config.durableWrites()));
    started.push(log);
    log.start();

    CatalogStore catalog = new CatalogStore(log);
    catalogStore = catalog;
    started.push(catalog);
    catalog.start();

    NodeEnvironment env = new NodeEnvironment(clock, 0);
    Bootstrap.ensureRoot(catalog, env, config);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = registry;
    started.push(JvmMetrics.bindTo(registry, config.dataDir()));
    LiveHub live =
        LiveHub.create(log, config.live(), registry, new ProtoEventEncoder(), TimeSource.SYSTEM);
    started.push(live);
    catalog.addAccountListener(live::accountChanged);
    catalog.addPolicyListener(live::policiesChanged);
    Outcomes listener = new Outcomes();
    ColdTier cold = IcebergColdTier.open(config.dataDir().resolve("cold"));
    started.push(cold);
    FlushJobs flushJobs = FlushJobs.create(log, catalog.catalog(), cold, listener, clock);
    started.push(flushJobs);
    Materializer materializer =
        Materializer.create(
            log,
            config.dataDir().resolve("streams"),
            catalog.catalog(),
            listener,
            flushJobs.counting(live.changeListener()),
            clock);
    this.materializer = materializer;
    started.push(materializer);
    materializer.start();
    flushJobs.start(materializer);
    // Live snapshots, last_rows and membership reads see flushed rows too (one merged reader).
    live.start(flushJobs.reads());

    Sources sources = Sources.postgres(catalog.catalog(), catalog::append, log, env);
    started.push(sources);
    Gauge.builder("tributary.source.lag.bytes", sources, Sources::totalLagBytes)
        .description("WAL bytes the sources' replication slots hold back in PostgreSQL")
        .baseUnit("bytes")
        .register(registry);
    engine =
        new Engine(
            log,
            catalog,
            materializer,
            listener,
            env,
            Duration.ofSeconds(30),
            live,
            sources,
            flushJobs);
    catalog.addAccountListener(engine.consumers()::accountChanged);
    sources.start();
    TokenService tokens = new TokenService(config.dataDir(), config.tokenTtl(), Clock.systemUTC());
    api =
        ApiServer.start(
            config,
            engine,
            tokens,
            registry,
            List.of(
                new GrpcLiveService(engine, live, config.live()), new GrpcConsumeService(engine)),
            () -> {
              Materializer.Health health = materializer.health(MAX_APPLY_STALL);
              return health.applying()
                  ? null
                  : "the materializer is not applying: " + health.reason();
            },
            ColdCatalogView.of(cold, catalog::catalog));
    started.push(api);
    // Kafka Streams sets 0750 on its state directories when it starts.
    OwnerOnlyFiles.restrict(config.dataDir());
    moveTo(State.RUNNING);
    LOG.info(
        "Tributary ready on {}://{}:{} in {} ms (data in {})",
        config.scheme(),
        config.bind(),
        api.port(),
        (System.nanoTime() - begin) / 1_000_000,
        config.dataDir().toAbsolutePath().normalize());
  }

  /**
   * Sets how many consume streams one account, and the whole server, may have open at once
   * (defaults: 64 and 1,024); a stream opened past them fails with {@code LIMIT_EXCEEDED}.
   */
  public void limitConsumeStreams(int perAccount, int total) {
    engine.consumers().limitStreams(perAccount, total);
  }

  /** The port the API listens on. */
  public int port() {
    return api.port();
  }

  public State state() {
    return state;
  }

  /**
   * The log's {@code bootstrap.servers}: the embedded broker's loopback address chosen at start, or
   * the external cluster's.
   */
  public String logBootstrapServers() {
    return log.bootstrapServers();
  }

  /** The statement runner, for in-process use (tests, benchmarks). */
  public StatementRunner runner() {
    return engine;
  }

  /**
   * How many hot-store entries table {@code namespace.name} holds (rows, expired STREAM events not
   * removed yet, watermarks, expiry index entries), for tests and benchmarks: reads them all.
   *
   * @throws io.tributary.query.TributaryException TABLE_NOT_FOUND for an unknown table
   */
  public long storeEntries(String namespace, String name) {
    io.tributary.query.catalog.TableDef table =
        catalogStore
            .catalog()
            .table(namespace, name)
            .orElseThrow(
                () ->
                    io.tributary.query.TributaryException.of(
                        io.tributary.query.ErrorCode.TABLE_NOT_FOUND,
                        "Cannot count the entries of %s.%s: the table does not exist",
                        namespace,
                        name));
    return materializer.storeEntries(table);
  }

  /** The server's metrics (also served as Prometheus text on {@code /metrics}). */
  public io.micrometer.core.instrument.MeterRegistry metrics() {
    return metrics;
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  @Override
  public synchronized void close() {
    if (state == State.STOPPED || state == State.STOPPING) {
      return;
    }
    moveTo(State.STOPPING);
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Error while stopping {}", c.getClass().getSimpleName(), e);
      }
    }
    moveTo(State.STOPPED);
    terminated.countDown();
  }

  private synchronized void moveTo(State next) {
    if (!state.isValidTransition(next)) {
      throw new IllegalStateException("Cannot move the server from " + state + " to " + next);
    }
    state = next;
  }
}
