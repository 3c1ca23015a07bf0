package io.tributary.materializer.internal;

import io.tributary.log.Log;
import io.tributary.log.LogTopics;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.materializer.Materializer;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka Streams application behind {@link Materializer}. */
public final class MaterializerImpl implements Materializer {
  static final String APPLICATION_ID = Materializer.APPLICATION_ID;

  /**
   * How often the Streams transaction commits: what a reader of {@code changes} (CONSUME, resume,
   * topics) may lag behind the acknowledged writes, and what a crash replays at most.
   */
  static final long COMMIT_INTERVAL_MS = 100;

  /**
   * How long a start waits for Kafka Streams to run or restore. Longer than the clients' 60 s
   * transaction and API timeouts: after a SIGKILL, the killed run's open transaction can hold the
   * group in REBALANCING for about that long (issue 13, RELIABILITY.md "Crash").
   */
  static final Duration START_TIMEOUT = Duration.ofSeconds(150);

  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  static final int REPLICATION_FACTOR = -1;
  static final String INSTANCE_ID_FILE = "instance.id";

  private static final Logger LOG = LoggerFactory.getLogger(MaterializerImpl.class);

  private final Log log;
  private final Path stateDir;
  private final Catalog catalog;
  private final ApplyListener listener;
  private final ChangeListener changes;
  private final Time time;
  private final Duration startTimeout;
  private final Duration readWait;
  private final java.time.Clock clock;
  private final RowCompiler compiler =
      new CachingRowCompiler(new ExpressionsRowCompiler(), CachingRowCompiler.DEFAULT_CAPACITY);

  private final Object lock = new Object();
  private volatile State state = State.NEW;
  private volatile KafkaStreams streams;
  private volatile HotStoreReader reader;
  private volatile long lastCommandMillis;
  private volatile UUID processId;
  private final AtomicLong restored = new AtomicLong();
  private final Rebalances rebalances = new Rebalances();

  public MaterializerImpl(Log log, Path stateDir, Catalog catalog, ApplyListener listener) {
    this(log, stateDir, catalog, listener, ChangeListener.NONE);
  }

  public MaterializerImpl(
      Log log, Path stateDir, Catalog catalog, ApplyListener listener, ChangeListener changes) {
    this(log, stateDir, catalog, listener, changes, java.time.Clock.systemUTC());
  }

  public MaterializerImpl(
      Log log,
      Path stateDir,
      Catalog catalog,
      ApplyListener listener,
      ChangeListener changes,
      java.time.Clock clock) {
    this(
        log,
        stateDir,
        catalog,
        listener,
        changes,
        Time.SYSTEM,
        START_TIMEOUT,
        HotStoreReader.DEFAULT_MAX_WAIT,
        clock);
  }

  MaterializerImpl(
      Log log,
      Path stateDir,
      Catalog catalog,
      ApplyListener listener,
      ChangeListener changes,
      Time time,
      Duration startTimeout,
      Duration readWait) {
    this(
        log,
        stateDir,
        catalog,
        listener,
        changes,
        time,
        startTimeout,
        readWait,
        java.time.Clock.systemUTC());
  }

  MaterializerImpl(
      Log log,
      Path stateDir,
      Catalog catalog,
      ApplyListener listener,
      ChangeListener changes,
      Time time,
      Duration startTimeout,
      Duration readWait,
      java.time.Clock clock) {
    this.clock = clock;
    this.log = log;
    this.stateDir = stateDir;
    this.catalog = catalog;
    this.listener = listener;
    this.changes = changes;
    this.time = time;
    this.startTimeout = startTimeout;
    this.readWait = readWait;
  }

  @Override
  public void start() {
    moveTo(State.STARTING);
    long startedAt = time.milliseconds();
    lastCommandMillis = startedAt;
    KafkaStreams ks;
    CountDownLatch settled = new CountDownLatch(1);
    try {
      LogTopics topics = log.topics();
      Properties config = streamsConfig();
      // Before Kafka Streams reads it: the killed run's transactional ids derive from it.
      processId = DurableIds.processId(stateDir, APPLICATION_ID, instanceId(stateDir));
      ChangelogTopics.ensure(
          log.clientConfig(),
          List.of(MaterializerTopology.USER_ROWS, MaterializerTopology.SHARED_ROWS),
          topics.partitions(),
          startTimeout);
      ks =
          new KafkaStreams(
              MaterializerTopology.build(
                  new MaterializerTopology.Topics(
                      topics.userWrites(),
                      topics.sharedWrites(),
                      topics.streamEvents(),
                      topics.changes()),
                  catalog,
                  compiler,
                  listener,
                  changes,
                  CommandProcessor.Steps.DEFAULT,
                  () -> lastCommandMillis = time.milliseconds(),
                  new CommandProcessor.Expiry(
                      clock::millis,
                      CommandProcessor.Expiry.DEFAULT_INTERVAL,
                      CommandProcessor.Expiry.DEFAULT_STEP),
                  // The topology must see the application's config: it decides, for example,
                  // whether the stores are transactional when they are opened at start-up.
                  new Topology(new TopologyConfig(new StreamsConfig(config)))),
              config);
      ks.setStateListener(
          (newState, oldState) -> {
            rebalances.transition(newState, time.milliseconds());
            if (newState != KafkaStreams.State.REBALANCING) {
              settled.countDown(); // RUNNING, or on its way to ERROR or NOT_RUNNING
            }
            if (newState == KafkaStreams.State.ERROR) {
              moveToFailedIfRunning();
            }
          });
      ks.setGlobalStateRestoreListener(
          new StateRestoreListener() {
            @Override
            public void onRestoreStart(
                TopicPartition partition, String store, long startOffset, long endOffset) {}

            @Override
            public void onBatchRestored(
                TopicPartition partition, String store, long batchEndOffset, long numRestored) {
              restored.addAndGet(numRestored);
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {}
          });
      ks.setUncaughtExceptionHandler(
          e -> {
            LOG.error("The materializer's stream thread failed; stopping the materializer", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
      synchronized (lock) {
        if (state != State.STARTING) {
          throw new IllegalStateException("closed while starting");
        }
        reader =
            new HotStoreReader(
                new ReadOnlyStores(ks)::store, topics.partitions(), time, readWait, clock::millis);
        streams = ks;
      }
      ks.start();
    } catch (RuntimeException e) {
      failStart();
      throw new TributaryException(
          ErrorCode.UNAVAILABLE, "Cannot start the materializer: " + e.getMessage(), e);
    }
    boolean reached;
    try {
      reached = awaitSettled(settled, ks);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failStart();
      throw new TributaryException(
          ErrorCode.UNAVAILABLE, "Cannot start the materializer: interrupted while starting", e);
    }
    KafkaStreams.State streamsState = ks.state();
    synchronized (lock) {
      if (state == State.STARTING && reached && streamsState.isRunningOrRebalancing()) {
        moveTo(State.RUNNING);
        LOG.info(
            "Materializer running after {} ms, {} changelog records restored (state dir {},"
                + " process id {})",
            time.milliseconds() - startedAt,
            restored.get(),
            stateDir,
            processId);
        return;
      }
    }
    failStart();
    if (state != State.FAILED) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE, "Cannot start the materializer: it was closed while starting");
    }
    throw TributaryException.of(
        ErrorCode.UNAVAILABLE,
        "Cannot start the materializer: Kafka Streams %s (state %s)",
        reached
            ? "failed while starting"
            : "did not reach RUNNING, nor restore any record, within " + startTimeout,
        streamsState);
  }

  /**
   * Waits until Kafka Streams leaves REBALANCING. Restoring large stores may take longer than the
   * start timeout: the wait goes on while each period of {@code startTimeout} restored changelog
   * records, and gives up after a whole period without progress. Half a period into the wait, it
   * logs where the stream threads are (a rare restart stall after SIGKILL, RELIABILITY.md, left no
   * trace at the default log level).
   *
   * @return whether Streams left REBALANCING
   */
  private boolean awaitSettled(CountDownLatch settled, KafkaStreams ks)
      throws InterruptedException {
    long before = restored.get();
    long half = startTimeout.toMillis() / 2;
    if (settled.await(half, TimeUnit.MILLISECONDS)) {
      return true;
    }
    LOG.warn(
        "Materializer not running yet after {} ms (Kafka Streams {}, {} changelog records restored);"
            + " the broker says:{}\n its threads:{}",
        half,
        ks.state(),
        restored.get(),
        StallReport.describe(log.clientConfig(), APPLICATION_ID),
        streamThreads());
    long wait = startTimeout.toMillis() - half;
    while (!settled.await(wait, TimeUnit.MILLISECONDS)) {
      long after = restored.get();
      if (after == before) {
        return false;
      }
      LOG.info(
          "Materializer still restoring its stores: {} changelog records restored so far", after);
      before = after;
      wait = startTimeout.toMillis();
    }
    return true;
  }

  /** The state and the top frames of this application's Kafka Streams threads, one per line. */
  private static String streamThreads() {
    StringBuilder out = new StringBuilder();
    for (var entry : Thread.getAllStackTraces().entrySet()) {
      Thread thread = entry.getKey();
      if (!thread.getName().startsWith(APPLICATION_ID)) {
        continue;
      }
      out.append("\n  ")
          .append(thread.getName())
          .append(" (")
          .append(thread.getState())
          .append(')');
      StackTraceElement[] frames = entry.getValue();
      for (int i = 0; i < Math.min(frames.length, 40); i++) {
        out.append("\n    at ").append(frames[i]);
      }
    }
    return out.toString();
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public long restoredRecords() {
    return restored.get();
  }

  @Override
  public Health health(Duration maxStall) {
    State current = state;
    KafkaStreams ks = streams;
    if (current != State.RUNNING || ks == null) {
      return Health.notApplying("the materializer is " + current);
    }
    long now = time.milliseconds();
    long stall = maxStall.toMillis();
    String rebalancing = rebalances.problem(now, stall);
    if (rebalancing != null) {
      return Health.notApplying(rebalancing);
    }
    StreamsMetrics.Reading metrics = StreamsMetrics.read(ks.metrics());
    if (metrics.lastPollSecondsAgo() * 1000 > stall) {
      return Health.notApplying(
          String.format(
              "the stream thread has not polled the log for %d s (stuck applying a command)",
              metrics.lastPollSecondsAgo()));
    }
    long idle = now - lastCommandMillis;
    if (metrics.waitingCommands() > 0 && idle > stall) {
      return Health.notApplying(
          String.format(
              "%d commands wait in the log and none was applied for %d s",
              metrics.waitingCommands(), idle / 1000));
    }
    return Health.OK;
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (state == State.STOPPING || state == State.STOPPED) {
        return;
      }
      moveTo(State.STOPPING);
    }
    closeStreams();
    moveTo(State.STOPPED);
  }

  @Override
  public List<Object[]> scan(TableDef table, String owner) {
    return readerFor(table).scan(table, owner);
  }

  @Override
  public HotSnapshot snapshot(TableDef table, String owner) {
    return readerFor(table).snapshot(table, owner);
  }

  @Override
  public HotCursor open(TableDef table, String owner) {
    return readerFor(table).open(table, owner);
  }

  @Override
  public HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
    return readerFor(table).open(table, owner, keyPrefix);
  }

  @Override
  public List<HotCursor> openPartitions(TableDef table) {
    return readerFor(table).openPartitions(table);
  }

  @Override
  public long highWater(TableDef table, String owner) {
    return readerFor(table).highWater(table, owner);
  }

  @Override
  public List<io.tributary.query.exec.RowVersion> versions(
      TableDef table, String owner, boolean markedOnly) {
    return readerFor(table).versions(table, owner, markedOnly);
  }

  @Override
  public io.tributary.query.exec.HotVersions versionsAt(TableDef table, String owner) {
    return readerFor(table).versionsAt(table, owner);
  }

  @Override
  public List<Object[]> auditRows() {
    return readerFor(io.tributary.query.catalog.SystemTables.AUDIT).auditRows();
  }

  @Override
  public long storeEntries(TableDef table) {
    return readerFor(table).entries(table);
  }

  private HotStoreReader readerFor(TableDef table) {
    State current = state;
    HotStoreReader r = reader;
    if (r == null || (current != State.RUNNING && current != State.STARTING)) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot read table %s: the hot store is not available (the materializer is %s)",
          table.qualifiedName(),
          current);
    }
    return r;
  }

  Properties streamsConfig() {
    Properties props = new Properties();
    props.putAll(log.clientConfig());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // An interactive query must read exactly what was applied: no record cache in front of RocksDB.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    // -1: the broker's default.replication.factor, i.e. 1 on the embedded single broker and the
    // cluster's own default (>= 3 by DESIGN.md) on an external cluster, like the log's own topics.
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, REPLICATION_FACTOR);
    // The consumer-group protocol ("streams") was slower to start here (VERSIONS.md).
    props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
    // Static membership: a node that restarts after a crash takes its place in the group back at
    // once, instead of waiting for the session of its dead predecessor to time out (45 s).
    props.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        instanceId(stateDir));
    // Write path (issue 17): the stream thread applies nothing while it commits (flush, offsets,
    // end of transaction: several broker round trips). A 1 s interval measured faster on a loaded
    // machine (benchmarks/results/2026-12-07-writepath) but makes CONSUME on a table and topics
    // fed by INSERT see a write up to a second late (an agent answers a second later); kept at
    // Kafka Streams' exactly-once default until a quiet-machine A/B decides.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    // One task reads partition p of user-writes and of stream-events (they share the store of
    // owned rows) but their commands touch disjoint ranges: it need not hold one topic's records
    // back to interleave them by timestamp with the other's (-1: process what has arrived).
    props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    // Transactional state stores (KIP-892): a store's writes reach RocksDB when the Streams
    // transaction commits, so a crash keeps the stores instead of wiping them, and small memtables
    // bound the tail a restart restores from the changelogs (docs/operations.md, After a crash).
    props.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRecoveryRocksDb.class);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 1);
    // Kafka Streams 4.4 warns for every StreamsConfig built without this (already deprecated)
    // switch; the topology has no global stores, so it changes nothing else.
    props.put("processing.exception.handler.global.enabled", true);
    // exactly_once_v2 makes Streams read its input with isolation.level=read_committed.
    return props;
  }

  /**
   * This node's member id in the materializer's consumer group: created once, kept in the state
   * directory, so it survives restarts and differs between nodes.
   */
  public static String instanceId(Path stateDir) {
    return DurableIds.instanceId(stateDir, INSTANCE_ID_FILE, APPLICATION_ID);
  }

  /** Kafka Streams' process id of the current or last start; {@code null} before the first. */
  UUID processId() {
    return processId;
  }

  private void failStart() {
    closeStreams();
    synchronized (lock) {
      if (state == State.STARTING) {
        moveTo(State.FAILED);
      }
    }
  }

  private void closeStreams() {
    KafkaStreams ks = streams;
    if (ks == null) {
      return;
    }
    boolean closed =
        ks.close(
            CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_TIMEOUT));
    if (!closed) {
      LOG.warn("Kafka Streams did not close within {}", CLOSE_TIMEOUT);
    }
  }

  private void moveToFailedIfRunning() {
    synchronized (lock) {
      if (state == State.RUNNING) {
        LOG.error("Kafka Streams stopped with an error: the materializer is FAILED");
        moveTo(State.FAILED);
      }
    }
  }

  private void moveTo(State next) {
    synchronized (lock) {
      if (!state.isValidTransition(next)) {
        throw new IllegalStateException(
            "Cannot move the materializer from " + state + " to " + next);
      }
      state = next;
    }
  }

  /** Interactive-query access to one partition of a row store. */
  private record ReadOnlyStores(KafkaStreams streams) {
    ReadOnlyKeyValueStore<Bytes, byte[]> store(String name, int partition) {
      // Read what the stream thread applied, committed or not: an acknowledged write is applied
      // before its transaction commits, and a later SELECT must see it (read your writes).
      return streams
          .store(
              StoreQueryParameters.fromNameAndType(
                      name, QueryableStoreTypes.<Bytes, byte[]>keyValueStore())
                  .withPartition(partition))
          .readOnly(IsolationLevel.READ_UNCOMMITTED);
    }
  }
}
