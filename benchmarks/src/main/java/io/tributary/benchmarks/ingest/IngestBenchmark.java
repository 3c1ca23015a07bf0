package io.tributary.benchmarks.ingest;

import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Progress;
import io.tributary.benchmarks.SteadyWarmUp;
import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The ingest benchmark (DESIGN.md section 9): durable single-row and multi-row INSERTs/s and their
 * acknowledgement latency over gRPC, beside a raw Kafka producer writing records of the same size,
 * keyed the same way, with the same durability, to the same embedded broker, in the same run.
 *
 * <p>One JVM runs an embedded broker ({@link Log} with {@link LogConfig#embedded}), a Tributary
 * server using that broker as its external bootstrap, the raw producer and all clients. Both sides
 * are driven by the same closed loop ({@link ClosedLoop}). Writes {@code ingest.md} and {@code
 * ingest.json} into the results directory.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class IngestBenchmark {
  static final String ROOT_PASSWORD = "ingest-benchmark-root-password";

  /** INSERTs of the record-size probe, each kind. */
  private static final int PROBE_SINGLES = 5;

  private static final int PROBE_BATCHES = 2;

  private static final Progress PROGRESS = new Progress("[%5.1f s] %s");

  private IngestBenchmark() {}

  public static void main(String[] args) throws IOException {
    IngestOptions options = BenchmarkMain.optionsOrExit(args, IngestOptions::parse);
    int status = 0;
    try {
      IngestReport report = run(options);
      BenchmarkMain.printAndWrite(report.markdown(), report::json, options.resultsDir(), "ingest");
    } catch (RuntimeException e) {
      System.err.println("The ingest benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status); // the embedded broker leaves non-daemon threads behind for a while
  }

  /** Runs every phase against both targets and returns the report. */
  static IngestReport run(IngestOptions options) throws IOException {
    long begin = System.nanoTime();
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    Path dir = Files.createTempDirectory("tributary-ingest");
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    List<Phase> phases = new ArrayList<>();
    Map<String, SteadyWarmUp.Result> jitWarmUps = new LinkedHashMap<>();
    RecordSizes sizes;
    Map<String, Object> durability = new LinkedHashMap<>();
    try {
      LogConfig logConfig =
          LogConfig.embedded(dir.resolve("broker")).withDurableWrites(options.durable());
      Log log = Log.open(logConfig);
      opened.push(log);
      log.start();
      progress("embedded broker at %s", log.bootstrapServers());
      ServerConfig serverConfig =
          ServerConfig.defaults()
              .withDataDir(dir.resolve("server"))
              .withPort(0)
              .withRootPassword(ROOT_PASSWORD)
              .withKafkaBootstrap(log.bootstrapServers())
              .withDurableWrites(options.durable());
      if (serverConfig.partitions() != log.topics().partitions()) {
        throw new IllegalStateException(
            "Cannot share the broker: the server wants "
                + serverConfig.partitions()
                + " partitions, the log has "
                + log.topics().partitions());
      }
      TributaryServer server = TributaryServer.start(serverConfig);
      opened.push(server);
      progress(
          "Tributary on port %d (durable writes: %s)", server.port(), serverConfig.durableWrites());
      TributaryIngest tributary =
          new TributaryIngest(server.port(), ROOT_PASSWORD, options.users(), options.bodyChars());
      opened.push(tributary);

      int batchRows = options.batchRows();
      sizes =
          RecordSizes.probe(
              log, tributary, PROBE_SINGLES, batchRows > 0 ? PROBE_BATCHES : 0, batchRows);
      progress(
          "a single-row INSERT appends %d record(s) of %d B (key %d B); a %d-row INSERT %s B",
          sizes.recordsPerInsert(),
          sizes.singleRowValueBytes(),
          sizes.keyBytes(),
          batchRows,
          sizes.batched());

      // The raw producer keys its records like Tributary's commands: by the writer's account id.
      List<String> users = new ArrayList<>();
      for (int u = 0; u < options.users(); u++) {
        users.add(tributary.userId(u));
      }
      RawKafkaIngest kafka = new RawKafkaIngest(log, log.topics().userWrites(), users);
      opened.push(kafka);
      durability = durability(log, logConfig, serverConfig, kafka);
      progress("raw producer topic %s: %s", RawKafkaIngest.TOPIC, kafka.topicConfigs());

      byte[] singleValue = RawKafkaIngest.value(sizes.singleRowValueBytes());
      byte[] batchValue = RawKafkaIngest.value(Math.max(1, sizes.batchedValueBytes()));
      int top = options.throughputConcurrency();
      if (options.jitWarmupSeconds() > 0) {
        if (options.runs("tributary")) {
          progress("JIT warm-up, Tributary, %d in flight (discarded)", top);
          jitWarmUps.put("tributary", warmUp(options, "tributary", top, tributary::insertOne));
        }
        if (options.runs("kafka")) {
          progress("JIT warm-up, raw producer, %d in flight (discarded)", top);
          jitWarmUps.put(
              "kafka", warmUp(options, "kafka", top, slot -> kafka.write(slot, singleValue)));
        }
      }
      for (int inFlight : options.concurrency()) {
        if (options.runs("tributary")) {
          phases.add(
              phase(
                  options,
                  "tributary",
                  "single-row",
                  inFlight,
                  1,
                  sizes.singleRowValueBytes(),
                  tributary::insertOne));
        }
        if (options.runs("kafka")) {
          phases.add(
              phase(
                  options,
                  "kafka",
                  "single-row",
                  inFlight,
                  1,
                  singleValue.length,
                  slot -> kafka.write(slot, singleValue)));
        }
      }
      if (batchRows > 0) {
        int inFlight = options.batchConcurrency();
        if (options.runs("tributary")) {
          phases.add(
              phase(
                  options,
                  "tributary",
                  "batched",
                  inFlight,
                  batchRows,
                  sizes.batchedValueBytes(),
                  slot -> tributary.insert(slot, batchRows)));
        }
        if (options.runs("kafka")) {
          phases.add(
              phase(
                  options,
                  "kafka",
                  "batched",
                  inFlight,
                  batchRows,
                  batchValue.length,
                  slot -> kafka.write(slot, batchValue)));
        }
      }
    } finally {
      BenchmarkMain.closeAll(opened, PROGRESS);
      BenchmarkMain.deleteRecursively(dir);
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    return new IngestReport(
        machine, options, phases, sizes, durability, jitWarmUps, (System.nanoTime() - begin) / 1e9);
  }

  /** Single-row writes until the rate is steady ({@link SteadyWarmUp}). */
  private static SteadyWarmUp.Result warmUp(
      IngestOptions options, String target, int inFlight, ClosedLoop.Write write) {
    SteadyWarmUp.Result w =
        SteadyWarmUp.run(
            options.jitWarmupSeconds(),
            seconds ->
                ClosedLoop.run(target, "warm-up", inFlight, 1, 0, write, 0, seconds)
                    .rowsPerSecond());
    progress("  rows/s: %s", w.describe());
    return w;
  }

  private static Phase phase(
      IngestOptions options,
      String target,
      String mode,
      int inFlight,
      int rows,
      int bytes,
      ClosedLoop.Write write) {
    progress("%s, %s, %d in flight ...", IngestReport.label(target), mode, inFlight);
    Phase p =
        ClosedLoop.run(
            target,
            mode,
            inFlight,
            rows,
            bytes,
            write,
            options.warmupSeconds(),
            options.phaseSeconds());
    progress(
        "  %,.0f rows/s (%,.0f acks/s); ack p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.1f ms;"
            + " %.2f cores; errors %d%s",
        p.rowsPerSecond(),
        p.writesPerSecond(),
        p.millis(50),
        p.millis(99),
        p.millis(99.9),
        p.maxMillis(),
        p.coresBusy(),
        p.errors(),
        p.firstError() == null ? "" : " (first: " + p.firstError() + ")");
    return p;
  }

  /** What makes a write durable on each side, read from the running broker where possible. */
  private static Map<String, Object> durability(
      Log log, LogConfig logConfig, ServerConfig server, RawKafkaIngest kafka) {
    Map<String, Object> tributary = new LinkedHashMap<>();
    tributary.put("server_durable_writes", server.durableWrites());
    tributary.put("log_durable_writes", logConfig.durableWrites());
    tributary.put("topic", log.topics().userWrites());
    tributary.put("partitions", log.topics().partitions());
    try (Admin admin = Admin.create(new HashMap<>(log.clientConfig()))) {
      tributary.put(
          "topic_overrides", RawKafkaIngest.topicOverrides(admin, log.topics().userWrites()));
    }
    tributary.put(
        "producer",
        "the log's CommandWriter: acks=all, enable.idempotence=true, linger.ms=0,"
            + " max.in.flight.requests.per.connection=5, no compression, one producer shared by"
            + " every INSERT");
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("topic", RawKafkaIngest.TOPIC);
    raw.put("partitions", kafka.partitions());
    raw.put("topic_overrides", kafka.topicConfigs());
    raw.put("producer", kafka.producerDurability());
    raw.put("producers", "one, shared by every in-flight slot");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("broker", "one embedded KRaft node (replication factor 1, min.insync.replicas 1)");
    m.put("tributary", tributary);
    m.put("kafka", raw);
    return m;
  }

  static void progress(String format, Object... args) {
    PROGRESS.print(format, args);
  }
}
