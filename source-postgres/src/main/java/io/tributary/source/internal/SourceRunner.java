package io.tributary.source.internal;

import io.tributary.log.Log;
import io.tributary.log.LogPosition;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import io.tributary.log.LogRoute;
import io.tributary.query.Environment;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.SourcePosition;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.source.Sources;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source's replication stream, on its own thread: reads pgoutput with {@code readPending()}
 * (never the blocking {@code read()}, which hangs in pgjdbc 42.7.11 to 42.7.14), turns each
 * committed change of a mapped table into a command, and acknowledges a transaction's end LSN to
 * PostgreSQL only after its commands are durable in the log and the source's position record after
 * them (written off the stream thread, so reading never waits for it). A restart skips every
 * transaction at or before that position, and every command of a later one that it finds in the log
 * by request id ({@code source/<name>/<end LSN>/<n>}): a node that stopped between a batch's
 * commands and its position record writes nothing twice. Failures (PostgreSQL down, the slot gone,
 * the log refusing) are retried with backoff; the state says so.
 *
 * <p>Lifecycle: NEW → STARTING → STREAMING ⇄ RETRYING → STOPPED (from any state, by {@link #stop}).
 */
final class SourceRunner {
  enum State {
    /** Created. Next: STARTING. */
    NEW,
    /** Its thread runs and connects. Next: STREAMING, RETRYING, STOPPED. */
    STARTING,
    /** Reading the slot. Next: RETRYING, STOPPED. */
    STREAMING,
    /** Waiting out a failure before it connects again. Next: STREAMING, RETRYING, STOPPED. */
    RETRYING,
    /** Terminal. */
    STOPPED;

    boolean isValidTransition(State next) {
      return switch (this) {
        case NEW -> next == STARTING || next == STOPPED;
        case STARTING -> next == STREAMING || next == RETRYING || next == STOPPED;
        case STREAMING -> next == RETRYING || next == STOPPED;
        case RETRYING -> next == STREAMING || next == RETRYING || next == STOPPED;
        case STOPPED -> next == STOPPED;
      };
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(SourceRunner.class);
  private static final int STATUS_INTERVAL_MS = 150;

  /** Commands appended but not yet covered by a position record, before the stream waits. */
  private static final int MAX_UNRECORDED_COMMANDS = 20_000;

  private static final long LAG_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long MAX_BACKOFF_MS = 10_000;
  private static final long APPEND_TIMEOUT_SECONDS = 60;

  final SourceDef def;
  private final Catalog catalog;
  private final Log log;
  private final Sources.CatalogAppender appender;
  private final ChangeWriter writer;
  private final Thread thread;
  private final Object sleeper = new Object();

  private volatile boolean stopping;
  private volatile State state = State.NEW;
  private volatile String lastError;
  private volatile long ackedLsn;
  private volatile long lagBytes = -1;
  private volatile long behindSinceNanos = -1;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();

  // the stream thread's own state
  private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
  private final List<Object[]> txn = new ArrayList<>();
  private final List<CompletableFuture<LogPosition>> pending = new ArrayList<>();
  private boolean inTxn;

  /** Transactions ending at or before it are already in the log (read at stream start). */
  private long skipUpTo;

  /** The end LSN recorded in the last position record this stream wrote. */
  private long position;

  /** The end LSN of the last transaction whose commands were appended. */
  private long pendingEnd;

  /** The position record being written (once its commands are durable), or null. */
  private CompletableFuture<Long> recording;

  /** Where a restart must look for commands after the recorded position (see SourcePosition). */
  private final Map<String, Long> scanFrom = new java.util.concurrent.ConcurrentHashMap<>();

  /** Request ids of this source's commands found in the log after the recorded position. */
  private final java.util.Set<String> inLog = new java.util.HashSet<>();

  /** The highest position recorded (recorder thread only). */
  private long lastRecorded;

  private ExecutorService recorder;
  private long lastLagNanos;

  SourceRunner(
      SourceDef def,
      Catalog catalog,
      Log log,
      Sources.CatalogAppender appender,
      Environment env,
      String lastError) {
    this.def = def;
    this.catalog = catalog;
    this.log = log;
    this.appender = appender;
    this.writer = new ChangeWriter(catalog, log, env);
    writer.guard(this::shouldAppend);
    this.lastError = lastError;
    this.thread = new Thread(this::run, "tributary-source-" + def.name());
    thread.setDaemon(true);
  }

  void start() {
    moveTo(State.STARTING);
    thread.start();
  }

  private synchronized void moveTo(State next) {
    if (!state.isValidTransition(next)) {
      throw new IllegalStateException(
          "Cannot move source " + def.name() + " from " + state + " to " + next);
    }
    state = next;
  }

  /** Stops the stream and waits for its thread; acknowledges nothing more. */
  void stop() {
    stopping = true;
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    moveTo(State.STOPPED);
  }

  State state() {
    return state;
  }

  String lastError() {
    return lastError;
  }

  long ackedLsn() {
    return ackedLsn;
  }

  long lagBytes() {
    return lagBytes;
  }

  double lagSeconds() {
    long since = behindSinceNanos;
    return since < 0 ? 0.0 : (System.nanoTime() - since) / 1e9;
  }

  long applied() {
    return applied.get();
  }

  long skipped() {
    return skipped.get();
  }

  private void run() {
    long backoff = 100;
    while (!stopping) {
      try {
        stream();
        backoff = 100;
      } catch (Exception | AssertionError e) {
        if (stopping) {
          break;
        }
        moveTo(State.RETRYING);
        lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        LOG.warn("Source {}: {}; retrying in {} ms", def.name(), lastError, backoff);
        synchronized (sleeper) {
          try {
            if (!stopping) {
              sleeper.wait(backoff);
            }
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    moveTo(State.STOPPED);
  }

  private void stream() throws SQLException {
    SourcePosition stored = catalog.sourcePosition(def.name()).orElse(new SourcePosition(0));
    position = stored.lsn();
    scanFrom.clear();
    scanFrom.putAll(stored.scanFrom());
    lastRecorded = position;
    recording = null;
    skipUpTo = position;
    // commands durable after the recorded position (the node stopped before recording them)
    findCommandsInLog();
    relations.clear();
    txn.clear();
    pending.clear();
    inTxn = false;
    pendingEnd = position;
    try (Connection plain = PgConnections.open(def, "stream source " + def.name())) {
      try (Connection replConnection = PgConnections.openReplication(def)) {
        PGConnection repl = replConnection.unwrap(PGConnection.class);
        ensureSlot(plain, repl);
        PGReplicationStream stream =
            repl.getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(def.slot())
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", def.publication())
                .withStatusInterval(STATUS_INTERVAL_MS, TimeUnit.MILLISECONDS)
                .withAutomaticFlush(false)
                .start();
        moveTo(State.STREAMING);
        LOG.info("Source {}: streaming slot {} from {}", def.name(), def.slot(), lsn(position));
        try {
          loop(stream, plain);
        } finally {
          stream.close();
        }
      }
    }
  }

  private void ensureSlot(Connection plain, PGConnection repl) throws SQLException {
    try (PreparedStatement ps =
        plain.prepareStatement(
            "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, def.slot());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    var info =
        repl.getReplicationAPI()
            .createReplicationSlot()
            .logical()
            .withSlotName(def.slot())
            .withOutputPlugin("pgoutput")
            .make();
    lastError =
        "replication slot "
            + def.slot()
            + " was missing and was created again at "
            + info.getConsistentPoint()
            + ": changes committed while it was missing were not streamed";
    LOG.warn("Source {}: {}", def.name(), lastError);
  }

  private void loop(PGReplicationStream stream, Connection plain) throws SQLException {
    recorder =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tributary-source-" + def.name() + "-position");
              t.setDaemon(true);
              return t;
            });
    try {
      while (!stopping) {
        ByteBuffer buffer = stream.readPending();
        if (buffer != null) {
          handle(PgOutput.decode(buffer));
          if (pending.size() >= MAX_UNRECORDED_COMMANDS) {
            awaitRecording(stream); // the log is slower than PostgreSQL: wait for it
          }
          progress(stream);
          continue;
        }
        // caught up with what PostgreSQL sent
        progress(stream);
        if (!inTxn && recording == null && pending.isEmpty() && pendingEnd <= position) {
          // idle: acknowledge what PostgreSQL sent (keepalives), so unrelated WAL is released
          long received = stream.getLastReceiveLSN().asLong();
          if (received > ackedLsn) {
            acknowledge(stream, received, false);
          }
        }
        long now = System.nanoTime();
        if (now - lastLagNanos >= LAG_INTERVAL_NANOS) {
          measureLag(plain);
          lastLagNanos = now;
        }
        LockSupport.parkNanos(200_000);
      }
    } finally {
      recorder.shutdownNow();
    }
  }

  private void handle(PgOutput.Message message) {
    if (message instanceof PgOutput.Begin) {
      inTxn = true;
      txn.clear();
    } else if (message instanceof PgOutput.Relation r) {
      relations.put(r.id(), r);
    } else if (message instanceof PgOutput.Insert i) {
      add(i.relation(), i);
    } else if (message instanceof PgOutput.Update u) {
      add(u.relation(), u);
    } else if (message instanceof PgOutput.Delete d) {
      add(d.relation(), d);
    } else if (message instanceof PgOutput.Commit c) {
      inTxn = false;
      commit(c);
    } else if (message instanceof PgOutput.Truncate) {
      LOG.warn("Source {}: TRUNCATE is not replicated", def.name());
    }
  }

  private void add(int relationId, PgOutput.Message change) {
    PgOutput.Relation r = relations.get(relationId);
    if (r != null && def.table(r.schema(), r.table()).isPresent()) {
      txn.add(new Object[] {r, change});
    }
  }

  private final Map<String, Mapping> mappings = new HashMap<>();

  private Mapping mapping(PgOutput.Relation r) {
    SourceDef.SourceTable t = def.table(r.schema(), r.table()).orElseThrow();
    TableDef target = catalog.table(t.namespace(), t.target()).orElse(null);
    if (target == null) {
      return null;
    }
    String key = r.id() + "/" + target.id() + "/" + r.columns().hashCode();
    return mappings.computeIfAbsent(
        key,
        k ->
            new Mapping(
                t,
                target,
                r.columns().stream().map(PgOutput.Column::name).toList(),
                r.columns().stream().map(PgOutput.Column::typeOid).toList()));
  }

  private void commit(PgOutput.Commit c) {
    if (c.endLsn() <= skipUpTo) {
      txn.clear(); // already in the log: written before a restart
      return;
    }
    writer.requestIds("source/" + def.name() + "/" + c.endLsn());
    int before = pending.size();
    for (Object[] entry : txn) {
      PgOutput.Relation r = (PgOutput.Relation) entry[0];
      Mapping m = mapping(r);
      if (m == null || c.endLsn() <= m.table.snapshotLsn()) {
        continue; // the table is gone, or the change is already in the table's copy
      }
      try {
        apply(m, (PgOutput.Message) entry[1]);
      } catch (TributaryException e) {
        // a change Tributary refuses (a value that does not fit, a NULL into NOT NULL) is
        // skipped and reported; it would be refused the same way on every retry
        skipped.incrementAndGet();
        lastError = "skipped a change of " + m.table.sourceName() + ": " + e.getMessage();
        LOG.warn("Source {}: {}", def.name(), lastError);
      }
    }
    txn.clear();
    if (pending.size() > before) {
      pendingEnd = c.endLsn();
    }
    // else nothing of it is in the log: no position record, the idle path acknowledges it
  }

  private void apply(Mapping m, PgOutput.Message change) {
    if (change instanceof PgOutput.Insert i) {
      List<String> row = i.row().values();
      track(writer.insert(m.target, m.owner(row), m.columns, m.values(row)));
    } else if (change instanceof PgOutput.Update u) {
      {
        List<String> row = u.row().values();
        List<String> old = u.old() == null ? null : u.old().values();
        List<String> keyRow = old != null && m.hasKey(old) ? old : row;
        String owner = m.owner(row);
        String oldOwner = old != null && !u.oldIsKeyOnly() ? m.owner(old) : owner;
        if (m.ownerPosition >= 0 && oldOwner != null && !oldOwner.equals(owner)) {
          // the row moves to another user: it leaves the old owner's rows
          track(writer.delete(m.target, oldOwner, m.keys, m.keyValues(keyRow)));
          track(writer.insert(m.target, owner, m.columns, m.values(fill(row, old))));
          return;
        }
        List<Object> oldKey = m.keyValues(keyRow);
        if (!oldKey.equals(m.keyValues(row))) {
          // the key changed: the row with the old key goes, one with the new key comes
          track(writer.delete(m.target, owner, m.keys, oldKey));
          track(writer.insert(m.target, owner, m.columns, m.values(fill(row, old))));
          return;
        }
        List<String> columns = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (int k = 0; k < m.columns.size(); k++) {
          String text = row.get(m.positions.get(k));
          if (text != PgOutput.UNCHANGED && !m.keys.contains(m.columns.get(k))) {
            columns.add(m.columns.get(k));
            values.add(PgTypes.value(m.oids.get(k), text));
          }
        }
        if (columns.isEmpty()) {
          return; // nothing but the key, unchanged
        }
        track(writer.update(m.target, owner, columns, values, m.keys, m.keyValues(keyRow)));
      }
    } else if (change instanceof PgOutput.Delete d) {
      {
        List<String> old = d.old().values();
        String owner = d.oldIsKeyOnly() ? null : m.owner(old);
        if (m.ownerPosition >= 0 && owner == null) {
          skipped.incrementAndGet(); // without the owner the row cannot be found
          return;
        }
        track(writer.delete(m.target, owner, m.keys, m.keyValues(old)));
      }
    }
  }

  /** The new row with unchanged TOAST values taken from the old row. */
  private static List<String> fill(List<String> row, List<String> old) {
    List<String> out = new ArrayList<>(row);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i) == PgOutput.UNCHANGED && old != null) {
        out.set(i, old.get(i));
      }
    }
    return out;
  }

  private void track(CompletableFuture<LogPosition> append) {
    if (append == null) {
      skipped.incrementAndGet(); // the owner is not a user
    } else {
      pending.add(append);
      applied.incrementAndGet();
    }
  }

  /**
   * Moves the position on without blocking the stream: acknowledges a position record once it is
   * written, and starts the next one — written once every command appended so far is durable, off
   * the stream thread, so that reading and appending changes never waits for it.
   */
  private void progress(PGReplicationStream stream) throws SQLException {
    if (recording != null && recording.isDone()) {
      long recorded;
      try {
        recorded = recording.join();
      } catch (CompletionException e) {
        throw new IllegalStateException(
            "Cannot record the source position: " + e.getCause().getMessage(), e.getCause());
      }
      recording = null;
      position = recorded;
      acknowledge(stream, recorded, true);
    }
    if (recording == null && pendingEnd > position) {
      long end = pendingEnd;
      CompletableFuture<?>[] appends = pending.toArray(new CompletableFuture<?>[0]);
      pending.clear();
      recording =
          CompletableFuture.allOf(appends)
              .orTimeout(APPEND_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .thenApplyAsync(
                  ignored -> {
                    // the commands up to end are covered: a restart need not read them again
                    for (CompletableFuture<?> append : appends) {
                      if (append.join() instanceof LogPosition p) {
                        scanFrom.merge(p.topic() + "/" + p.partition(), p.offset() + 1, Math::max);
                      }
                    }
                    record(end);
                    return end;
                  },
                  recorder);
    }
  }

  /**
   * Writes the position record: {@code lsn} and where commands after it may be. Every position
   * record carries {@code scanFrom}: one without it would hide the commands of a later transaction
   * that are durable but not recorded, and a restart would append them again.
   */
  private void record(long lsn) {
    lastRecorded = Math.max(lastRecorded, lsn);
    appender.append(
        List.of(
            CatalogRecord.sourcePosition(
                def.name(), new SourcePosition(lastRecorded, Map.copyOf(scanFrom)))));
  }

  /**
   * Before the first command of this source in a partition: records where its commands there will
   * start (the partition's end now), so that a restart looks there. Once per partition.
   */
  private boolean shouldAppend(LogRoute route, String requestId) {
    if (!inLog.isEmpty() && inLog.remove(requestId)) {
      return false; // appended before the node stopped
    }
    String key = route.topic() + "/" + route.partition();
    if (scanFrom.containsKey(key)) {
      return true;
    }
    try (LogReader reader = log.openReader(route.topic(), route.partition())) {
      scanFrom.put(key, reader.endOffset(Duration.ofSeconds(30)));
    }
    long recorded = position;
    try {
      // through the recorder, so that position records stay in order
      recorder.submit(() -> record(recorded)).get(APPEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot record where the source writes: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return true;
  }

  /**
   * Finds this source's commands in the log after the recorded position (in the partitions {@code
   * scanFrom} names, by the commands' request ids), so that replaying their transactions appends
   * only what is missing: a transaction may have been only partly durable.
   */
  private void findCommandsInLog() {
    inLog.clear();
    long last = 0;
    for (Map.Entry<String, Long> e : scanFrom.entrySet()) {
      int slash = e.getKey().lastIndexOf('/');
      String topic = e.getKey().substring(0, slash);
      int partition = Integer.parseInt(e.getKey().substring(slash + 1));
      try (LogReader reader = log.openReader(topic, partition)) {
        long end = reader.endOffset(Duration.ofSeconds(30));
        if (end <= e.getValue()) {
          continue;
        }
        reader.seek(e.getValue());
        while (reader.position() < end) {
          for (LogRecord r : reader.poll(Duration.ofMillis(500))) {
            if (r.value() == null) {
              continue;
            }
            try {
              String requestId = CommandCodec.decodeCommand(r.value()).requestId();
              long lsn = ChangeWriter.lsnOf(requestId, def.name());
              if (lsn > position) {
                inLog.add(requestId);
                last = Math.max(last, lsn);
              }
            } catch (RuntimeException notACommand) {
              // not ours to read
            }
          }
        }
      }
    }
    if (!inLog.isEmpty()) {
      LOG.info(
          "Source {}: {} of its commands, up to {}, are in the log after its recorded position {}",
          def.name(),
          inLog.size(),
          lsn(last),
          lsn(position));
    }
  }

  private void awaitRecording(PGReplicationStream stream) throws SQLException {
    while (recording != null && !stopping) {
      try {
        recording.get(APPEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // progress() reports it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      progress(stream);
    }
  }

  private void acknowledge(PGReplicationStream stream, long lsn, boolean now) throws SQLException {
    LogSequenceNumber l = LogSequenceNumber.valueOf(lsn);
    stream.setFlushedLSN(l);
    stream.setAppliedLSN(l);
    if (now) {
      stream.forceUpdateStatus();
    }
    ackedLsn = lsn;
  }

  private void measureLag(Connection plain) throws SQLException {
    try (PreparedStatement ps =
        plain.prepareStatement(
            "SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots"
                + " WHERE slot_name = ?")) {
      ps.setString(1, def.slot());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          long bytes = Math.max(0, rs.getLong(1));
          lagBytes = bytes;
          if (bytes == 0 || (bytes < 64 * 1024 && !inTxn && pending.isEmpty())) {
            behindSinceNanos = -1;
          } else if (behindSinceNanos < 0) {
            behindSinceNanos = System.nanoTime();
          }
        } else {
          throw new IllegalStateException("replication slot " + def.slot() + " was dropped");
        }
      }
    }
  }

  static String lsn(long lsn) {
    return LogSequenceNumber.valueOf(lsn).asString();
  }
}
