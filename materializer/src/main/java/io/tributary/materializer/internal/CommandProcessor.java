package io.tributary.materializer.internal;

import io.tributary.log.LogConfig;
import io.tributary.log.LogKeys;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.CommandLimits;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.expr.BoundExpression;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the commands of one write topic to its row store and forwards the resulting row changes.
 *
 * <p>Each command is applied in two phases. The first computes every write and change without
 * touching the store; any error there (a refused command, or a malformed one) yields a failure
 * outcome and leaves the state unchanged. The second writes everything in one {@code putAll} (one
 * atomic RocksDB batch), together with the range's watermark entry (see {@link StoreLayout}) when
 * the command changed at least one row, hands the decoded changes to the {@link ChangeListener} and
 * forwards the encoded ones. Application never reads the clock or a random source: the same command
 * at the same offset always has the same effect (DESIGN.md section 3).
 *
 * <p>A statement on a partitioned SHARED table that spans partitions arrives as {@link
 * WriteCommand.PrepareTx} pieces and a {@link WriteCommand.DecideTx} (two-phase commit through the
 * log, docs/sql.md "Atomicity across partitions"): see {@code prepare} and {@code decide}. Rows a
 * prepared piece reserved refuse every other command that would change them ({@link
 * #requireUnreserved}); the punctuator of {@code shared-writes} aborts the transactions whose
 * deadline passed ({@code abortExpired}).
 */
final class CommandProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  /**
   * The most bytes of deleted rows one DELETE step carries into the {@code changes} topic. With
   * {@link CommandLimits#MAX_CHANGES} it bounds the size of one Streams transaction, whatever the
   * DELETE's size.
   */
  static final long DELETE_STEP_BYTES = 16L << 20;

  /** The most store entries one purge step removes (only keys are written: tombstones). */
  static final int PURGE_STEP = 50_000;

  /** The record header that names the partition a continuation goes to (4 bytes, big-endian). */
  static final String PARTITION_HEADER = "tributary.partition";

  /**
   * The most bytes an update's two row versions may take together: an encoded change holds both,
   * and must stay below the largest record the log accepts, with room for its key and framing. A
   * statement is limited to a quarter of that record, but an update can grow a row beyond what any
   * statement carries ({@code SET body = body || body}); such an update fails here, the same way on
   * every replay, instead of failing the producer of the {@code changes} topic.
   */
  static final int MAX_CHANGED_ROW_BYTES = LogConfig.MAX_RECORD_BYTES - 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(CommandProcessor.class);
  private static final ByteArraySerializer PREFIX_SERIALIZER = new ByteArraySerializer();
  private static final int PURGE_BATCH = 4096;

  /** Marks a key met twice within one INSERT: a duplicate, whatever the store holds. */
  private static final byte[] NOT_NEW = new byte[] {0};

  private final int deleteStepRows;
  private final long deleteStepBytes;
  private final int purgeStep;
  private final String changesSink;
  private final String continueSink;
  private final String topicsSink;
  private final TopicRouter router;

  /** The header naming the Kafka topic of a record routed into a user topic. */
  static final String TOPIC_HEADER = "tributary.topic";

  /** Told of every record taken from the write topic, before it is applied (for health). */
  private final Runnable onCommand;

  private final String storeName;
  private final TableKind topicKind;
  private final Catalog catalog;
  private final RowCompiler compiler;
  private final ApplyListener listener;
  private final ChangeListener changeListener;

  /** Whether to build {@link AppliedChange}s at all: not for {@link ChangeListener#NONE}. */
  private final boolean decodeChanges;

  private final Expiry expiry;

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Bytes, byte[]> store;

  /**
   * The wall-clock time at which the punctuator appended an {@link WriteCommand.ExpireRows} that
   * has not been applied yet, or -1: one expiry at a time per partition.
   */
  private long expiryRequestedAt = -1;

  /**
   * @param topicKind USER for the processor of {@code user-writes}, STREAM for {@code
   *     stream-events} (both over the store of owned rows), SHARED for {@code shared-writes}
   */
  CommandProcessor(
      String storeName,
      TableKind topicKind,
      Catalog catalog,
      RowCompiler compiler,
      ApplyListener listener,
      ChangeListener changeListener,
      String changesSink,
      String continueSink,
      String topicsSink,
      Steps steps,
      Runnable onCommand,
      Expiry expiry) {
    this.expiry = expiry;
    this.onCommand = onCommand;
    this.topicsSink = topicsSink;
    this.router = new TopicRouter(catalog);
    this.changesSink = changesSink;
    this.continueSink = continueSink;
    this.deleteStepRows = steps.deleteRows();
    this.deleteStepBytes = steps.deleteBytes();
    this.purgeStep = steps.purgeEntries();
    this.storeName = storeName;
    this.topicKind = topicKind;
    this.catalog = catalog;
    this.compiler = compiler;
    this.listener = listener;
    this.changeListener = changeListener;
    this.decodeChanges = changeListener != ChangeListener.NONE;
  }

  /**
   * How much one step of a large DELETE or purge may do: one step is applied, and its effects
   * committed, in one Streams transaction, so these bound every transaction's size.
   *
   * @param deleteRows at most this many rows per DELETE step (at most {@link
   *     CommandLimits#MAX_CHANGES})
   * @param deleteBytes a DELETE step ends once its deleted rows reach this many bytes
   * @param purgeEntries at most this many store entries per purge step
   */
  record Steps(int deleteRows, long deleteBytes, int purgeEntries) {
    static final Steps DEFAULT =
        new Steps(CommandLimits.MAX_CHANGES, DELETE_STEP_BYTES, PURGE_STEP);

    Steps {
      if (deleteRows < 1
          || deleteRows > CommandLimits.MAX_CHANGES
          || deleteBytes < 1
          || purgeEntries < 1) {
        throw new IllegalArgumentException(
            "invalid step limits " + deleteRows + "/" + purgeEntries);
      }
    }
  }

  /**
   * How STREAM events expire (TTL_SECONDS), and how often the processor of {@code shared-writes}
   * looks for transactions past their deadline ({@code abortExpired}, by the same clock). Every
   * {@code interval} of wall-clock time the processor of {@code stream-events} reads {@code clock};
   * when the oldest entry of its partition's expiry index has passed, it appends a {@link
   * WriteCommand.ExpireRows} with that time to its own partition, which removes at most {@code
   * step} events per step. Reads of the hot tier hide an expired event from then on, even before it
   * is removed.
   *
   * @param clock epoch milliseconds; tests inject one they can advance
   * @param interval how often to look for expired events; zero or negative: never
   * @param step the most events one expiry step removes (at most {@link CommandLimits#MAX_CHANGES})
   */
  record Expiry(LongSupplier clock, Duration interval, int step) {
    static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);
    static final int DEFAULT_STEP = 1_000;
    static final Expiry DEFAULT =
        new Expiry(System::currentTimeMillis, DEFAULT_INTERVAL, DEFAULT_STEP);

    Expiry {
      if (step < 1 || step > CommandLimits.MAX_CHANGES) {
        throw new IllegalArgumentException("invalid expiry step " + step);
      }
    }
  }

  /** An expiry appended but not applied after this long is appended again. */
  private static final long EXPIRY_RETRY_MS = 30_000;

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    if (!expiry.interval().isNegative() && !expiry.interval().isZero()) {
      if (topicKind == TableKind.STREAM) {
        context.schedule(expiry.interval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
      } else if (topicKind == TableKind.SHARED) {
        context.schedule(expiry.interval(), PunctuationType.WALL_CLOCK_TIME, this::abortExpired);
      }
    }
  }

  /**
   * Appends an {@link WriteCommand.ExpireRows} to this partition when its oldest STREAM event has
   * expired by the clock. Reads the clock here, never while applying a command: the command carries
   * the time, so applying it is deterministic.
   */
  private void punctuate(long wallClock) {
    if (expiryRequestedAt >= 0 && wallClock - expiryRequestedAt < EXPIRY_RETRY_MS) {
      return;
    }
    long now = expiry.clock().getAsLong();
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.EXPIRY_PREFIX, PREFIX_SERIALIZER)) {
      if (!it.hasNext() || StoreLayout.expiryOfIndexKey(it.next().key.get()) > now) {
        return;
      }
    }
    int partition = context.taskId().partition();
    Headers headers = new RecordHeaders();
    headers.add(PARTITION_HEADER, ByteBuffer.allocate(Integer.BYTES).putInt(partition).array());
    WriteCommand.ExpireRows command =
        new WriteCommand.ExpireRows("expire-" + partition + "-" + now, now);
    context.forward(
        new Record<>(new byte[0], CommandCodec.encode(command), wallClock, headers), continueSink);
    expiryRequestedAt = wallClock;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    onCommand.run();
    RecordMetadata metadata = context.recordMetadata().orElse(null);
    if (metadata == null) {
      LOG.warn("Skipping a command without record metadata in store {}", storeName);
      return;
    }
    WriteCommand command;
    try {
      command = CommandCodec.decodeCommand(record.value());
      if (command == null) {
        throw new IllegalArgumentException("null command");
      }
    } catch (RuntimeException e) {
      // The exception message may quote the record's content: log where, not what.
      LOG.warn(
          "Skipping a command that cannot be decoded at {}-{} offset {} ({})",
          metadata.topic(),
          metadata.partition(),
          metadata.offset(),
          e.getClass().getSimpleName());
      return;
    }
    WriteOutcome outcome = apply(command, record, metadata);
    if (outcome == null) {
      return; // a step of a larger command: its last step reports the outcome
    }
    try {
      listener.applied(outcome);
    } catch (RuntimeException e) {
      LOG.error(
          "The apply listener threw {} for a command at {}-{} offset {}; ignored",
          e.getClass().getName(),
          metadata.topic(),
          metadata.partition(),
          metadata.offset());
    }
  }

  private WriteOutcome apply(
      WriteCommand command, Record<byte[], byte[]> record, RecordMetadata metadata) {
    if (command instanceof WriteCommand.ExpireRows expire) {
      if (topicKind == TableKind.STREAM) {
        expire(expire, record, metadata);
      } else {
        // Appended to user-writes by a version that kept STREAM tables there: expiry now runs in
        // stream-events only, where the STREAM rows' _seq values come from.
        LOG.info(
            "Ignoring an expiry at {}-{} offset {}: STREAM events expire from stream-events",
            metadata.topic(),
            metadata.partition(),
            metadata.offset());
      }
      return null;
    }
    if (command instanceof WriteCommand.EvictFlushed evict) {
      return WriteOutcome.success(command.requestId(), evict(evict));
    }
    if (command instanceof WriteCommand.MarkCold mark) {
      return WriteOutcome.success(command.requestId(), markCold(mark));
    }
    if (command instanceof WriteCommand.RestoreRows restore) {
      return WriteOutcome.success(command.requestId(), restore(restore));
    }
    if (command instanceof WriteCommand.PrepareTx prepare) {
      return prepare(prepare, record, metadata);
    }
    if (command instanceof WriteCommand.DecideTx decide) {
      return decide(decide, record, metadata);
    }
    if (command instanceof WriteCommand.PurgeTable purge) {
      long purged = purge(purge);
      if (purged < 0) {
        continueWith(record, record.value(), metadata);
        return null;
      }
      return WriteOutcome.success(command.requestId(), purged);
    }
    Plan plan;
    try {
      long commandTime =
          command.accepted() != null ? command.accepted().atMillis() : record.timestamp();
      plan = plan(command, metadata.offset(), metadata.partition(), commandTime);
    } catch (TributaryException e) {
      return WriteOutcome.failure(command.requestId(), e.code(), e.getMessage());
    } catch (RuntimeException e) {
      // A malformed command (for example row bytes of another schema). Messages of such exceptions
      // may quote user data, so only the type and the place are logged.
      StackTraceElement[] trace = e.getStackTrace();
      LOG.warn(
          "Refusing a malformed command at {}-{} offset {}: {} at {}",
          metadata.topic(),
          metadata.partition(),
          metadata.offset(),
          e.getClass().getName(),
          trace.length > 0 ? trace[0] : "?");
      return WriteOutcome.failure(
          command.requestId(),
          ErrorCode.INTERNAL,
          "Cannot apply the command: it is malformed (" + e.getClass().getSimpleName() + ")");
    }
    List<KeyValue<Bytes, byte[]>> writes = plan.writes();
    KeyValue<Bytes, byte[]> audit = audit(command, plan, metadata);
    if (audit != null) {
      writes = new ArrayList<>(writes);
      writes.add(audit);
    }
    if (!writes.isEmpty()) {
      store.putAll(writes);
    }
    if (plan.applied() != null && !plan.applied().isEmpty()) {
      notifyChanges(plan.applied(), metadata);
    }
    for (RowChange change : plan.changes()) {
      context.forward(
          new Record<>(record.key(), CommandCodec.encode(change), record.timestamp()), changesSink);
      forwardToTopics(change, record.timestamp());
    }
    long affected = plan.previouslyAffected() + plan.changes().size();
    if (plan.next() != null) {
      continueWith(record, CommandCodec.encode(plan.next()), metadata);
      return null;
    }
    return WriteOutcome.success(command.requestId(), affected);
  }

  /**
   * The {@code system.audit} row of a delegated write (EXECUTE AS USER) that applied, or null: it
   * goes into the same batch as the rows, so it exists exactly when the write was applied.
   */
  private KeyValue<Bytes, byte[]> audit(WriteCommand command, Plan plan, RecordMetadata metadata) {
    WriteCommand.Accepted accepted = command.accepted();
    if (accepted == null || accepted.delegation() == null) {
      return null;
    }
    WriteCommand.Delegation d = accepted.delegation();
    String statement =
        command instanceof WriteCommand.InsertRows
            ? "INSERT"
            : command instanceof WriteCommand.UpdateRows ? "UPDATE" : "DELETE";
    String table =
        catalog
            .table(command.tableId())
            .map(TableDef::qualifiedName)
            .orElse("#" + command.tableId());
    long seq = StoreLayout.seq(metadata.offset(), 0);
    Object[] row = {
      d.actorName(),
      d.actorId(),
      d.userName(),
      d.userId(),
      table,
      statement,
      (long) plan.changes().size(),
      metadata.partition(),
      seq,
      accepted.atMillis()
    };
    return KeyValue.pair(
        Bytes.wrap(StoreLayout.auditKey(seq, topicKind == TableKind.STREAM)),
        RowCodec.encode(SystemTables.AUDIT.types(), row));
  }

  /**
   * Appends the next step of a command to the partition it came from, in this step's transaction,
   * and asks Streams to commit soon: the step's effects, the consumed offset and the next step
   * commit together, so a crash either redoes this step or goes on with the next one.
   */
  /** Sends a change to the user topics that take it (CREATE TOPIC ... FROM). */
  private void forwardToTopics(RowChange change, long timestamp) {
    for (TopicRouter.Routed routed : router.route(change)) {
      Headers headers = new RecordHeaders();
      headers.add(TOPIC_HEADER, routed.topic().getBytes(StandardCharsets.UTF_8));
      context.forward(new Record<>(routed.key(), routed.value(), timestamp, headers), topicsSink);
    }
  }

  private void continueWith(Record<byte[], byte[]> record, byte[] next, RecordMetadata metadata) {
    Headers headers = new RecordHeaders();
    headers.add(
        PARTITION_HEADER, ByteBuffer.allocate(Integer.BYTES).putInt(metadata.partition()).array());
    context.forward(new Record<>(record.key(), next, record.timestamp(), headers), continueSink);
    context.commit();
  }

  // ---- Statements that span partitions: two-phase commit through the log (docs/sql.md) ----

  private static final byte INTENT_INSERT = 0;
  private static final byte INTENT_UPDATE = 1;
  private static final byte INTENT_DELETE = 2;

  /**
   * Phase one ({@link WriteCommand.PrepareTx}): plans the piece exactly as {@link #apply} would,
   * and if it would apply, keeps its row versions as intents and reserves their keys, all in one
   * batch, without changing a visible row or emitting a change. The home partition records the
   * transaction even when its piece is refused, so that its deadline is enforced there.
   */
  private WriteOutcome prepare(
      WriteCommand.PrepareTx prepare, Record<byte[], byte[]> record, RecordMetadata metadata) {
    int partition = metadata.partition();
    boolean home = prepare.home() == partition;
    byte[] txKey = StoreLayout.txKey(prepare.txId());
    if (store.get(Bytes.wrap(txKey)) != null) {
      return WriteOutcome.failure(
          prepare.requestId(),
          ErrorCode.INVALID_ARGUMENT,
          "Cannot prepare the statement: its transaction is already prepared here");
    }
    byte[] piece = CommandCodec.encode(prepare.piece());
    List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
    WriteOutcome vote;
    try {
      WriteCommand command = prepare.piece();
      if (command.tableId() != prepare.tableId()) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot prepare the statement: its piece names another table");
      }
      long commandTime =
          command.accepted() != null ? command.accepted().atMillis() : record.timestamp();
      Plan plan = plan(command, metadata.offset(), partition, commandTime);
      TableDef table = catalog.table(command.tableId()).orElseThrow();
      if (plan.next() != null) {
        throw TributaryException.of(
            ErrorCode.TOO_MANY_ROWS,
            "Cannot delete from %s: a statement that spans partitions may change at most %d rows"
                + " in each partition",
            table.qualifiedName(),
            CommandLimits.MAX_CHANGES);
      }
      byte[] intentPrefix = StoreLayout.intentPrefix(prepare.txId());
      for (int i = 0; i < plan.changes().size(); i++) {
        RowChange change = plan.changes().get(i);
        byte kind =
            switch (change.kind()) {
              case INSERT -> INTENT_INSERT;
              case UPDATE -> INTENT_UPDATE;
              case DELETE -> INTENT_DELETE;
            };
        byte[] rowKey = plan.keys().get(i).get();
        writes.add(
            KeyValue.pair(
                Bytes.wrap(StoreLayout.intentKey(intentPrefix, i)),
                StoreLayout.intentValue(kind, rowKey, change.newRow())));
        writes.add(
            KeyValue.pair(
                Bytes.wrap(StoreLayout.reservedKey(rowKey)),
                StoreLayout.reservedValue(prepare.txId(), metadata.offset())));
      }
      writes.add(
          KeyValue.pair(
              Bytes.wrap(txKey),
              StoreLayout.txValue(
                  home, true, prepare.deadlineMillis(), prepare.participants(), piece)));
      vote = WriteOutcome.success(prepare.requestId(), plan.changes().size());
    } catch (TributaryException e) {
      writes.clear();
      if (home) {
        writes.add(
            KeyValue.pair(
                Bytes.wrap(txKey),
                StoreLayout.txValue(
                    true, false, prepare.deadlineMillis(), prepare.participants(), piece)));
      }
      vote = WriteOutcome.failure(prepare.requestId(), e.code(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn(
          "Refusing a malformed prepared piece at {}-{} offset {}: {}",
          metadata.topic(),
          metadata.partition(),
          metadata.offset(),
          e.getClass().getName());
      writes.clear();
      if (home) {
        writes.add(
            KeyValue.pair(
                Bytes.wrap(txKey),
                StoreLayout.txValue(
                    true, false, prepare.deadlineMillis(), prepare.participants(), piece)));
      }
      vote =
          WriteOutcome.failure(
              prepare.requestId(),
              ErrorCode.INTERNAL,
              "Cannot apply the command: it is malformed (" + e.getClass().getSimpleName() + ")");
    }
    if (!writes.isEmpty()) {
      store.putAll(writes);
    }
    return vote;
  }

  /**
   * Phase two ({@link WriteCommand.DecideTx}). In the home partition, the first decision in log
   * order holds: it is applied to the home piece and appended to every other participant, in this
   * Streams transaction; a later one finds no transaction and changes nothing (a commit that comes
   * after an abort reports it). Elsewhere the decision is applied to the partition's piece.
   */
  private WriteOutcome decide(
      WriteCommand.DecideTx decide, Record<byte[], byte[]> record, RecordMetadata metadata) {
    int partition = metadata.partition();
    byte[] txKey = StoreLayout.txKey(decide.txId());
    byte[] txValue = store.get(Bytes.wrap(txKey));
    StoreLayout.Tx tx = txValue == null ? null : StoreLayout.Tx.of(txValue);
    if (!decide.resolve()) {
      if (tx == null || !tx.home()) {
        return decide.commit()
            ? WriteOutcome.failure(
                decide.requestId(),
                ErrorCode.TIMEOUT,
                "Cannot commit the statement: it was aborted first (its deadline passed before"
                    + " the decision); nothing was written, run it again")
            : WriteOutcome.success(decide.requestId(), 0);
      }
      boolean commit = decide.commit() && tx.prepared();
      for (int p : tx.participants()) {
        if (p == partition) {
          continue;
        }
        WriteCommand.DecideTx resolve =
            new WriteCommand.DecideTx(
                decide.txId() + "/" + p + "/resolve",
                decide.tableId(),
                decide.txId(),
                commit,
                tx.participants(),
                true);
        Headers headers = new RecordHeaders();
        headers.add(PARTITION_HEADER, ByteBuffer.allocate(Integer.BYTES).putInt(p).array());
        context.forward(
            new Record<>(record.key(), CommandCodec.encode(resolve), record.timestamp(), headers),
            continueSink);
      }
      long affected;
      try {
        affected = finish(decide.txId(), tx, commit, record, metadata);
      } catch (TributaryException e) {
        if (tx.participants().size() > 1) {
          context.commit();
        }
        return WriteOutcome.failure(decide.requestId(), e.code(), e.getMessage());
      }
      if (tx.participants().size() > 1) {
        context.commit(); // the other participants apply the decision once this commits
      }
      if (decide.commit() && !commit) {
        return WriteOutcome.failure(
            decide.requestId(),
            ErrorCode.INTERNAL,
            "Cannot commit the statement: a piece of it was not prepared; it was aborted");
      }
      return WriteOutcome.success(decide.requestId(), affected);
    }
    if (tx == null) {
      if (!decide.commit()) {
        return WriteOutcome.success(decide.requestId(), 0); // this partition refused its piece
      }
      // A commit means every participant prepared its piece: this one has no record of it.
      LOG.error(
          "Broken invariant: a commit of transaction {} reached {}-{} offset {}, which has no"
              + " prepared piece of it; nothing applied here",
          decide.txId(),
          metadata.topic(),
          partition,
          metadata.offset());
      return WriteOutcome.failure(
          decide.requestId(),
          ErrorCode.INTERNAL,
          "Cannot commit the statement: partition "
              + partition
              + " has no prepared piece of it; its rows there were not written");
    }
    try {
      return WriteOutcome.success(
          decide.requestId(), finish(decide.txId(), tx, decide.commit(), record, metadata));
    } catch (TributaryException e) {
      return WriteOutcome.failure(decide.requestId(), e.code(), e.getMessage());
    }
  }

  /**
   * Applies ({@code commit}) or drops one partition's prepared piece, and releases its keys and
   * transaction record, in one batch. On commit each row version gets the {@code _seq} of the
   * decision's own position (its ordinal in the piece), so a subscriber sees the rows at commit, in
   * this partition's order; each change goes to the {@code changes} partition of its own key value.
   *
   * <p>A runtime exception while doing so (a bug, or a piece the catalog can no longer read) must
   * not stop the partition on every restart: it is logged with the transaction id, the piece is
   * dropped and its keys released, and the failure is reported in the outcome.
   *
   * @return the rows changed
   * @throws TributaryException ({@code INTERNAL}) when applying the decision failed
   */
  private long finish(
      String txId,
      StoreLayout.Tx tx,
      boolean commit,
      Record<byte[], byte[]> record,
      RecordMetadata metadata) {
    try {
      return applyDecision(txId, tx, commit, record, metadata);
    } catch (RuntimeException e) {
      StackTraceElement[] trace = e.getStackTrace();
      LOG.error(
          "Cannot apply the {} of transaction {} at {}-{} offset {}: {} at {}; its piece here is"
              + " dropped and its rows released",
          commit ? "commit" : "abort",
          txId,
          metadata.topic(),
          metadata.partition(),
          metadata.offset(),
          e.getClass().getName(),
          trace.length > 0 ? trace[0] : "?");
      releaseAfterFailure(txId);
      throw TributaryException.of(
          ErrorCode.INTERNAL,
          "Cannot %s the statement: applying its decision in partition %d failed (%s); its rows"
              + " there were not written",
          commit ? "commit" : "abort",
          metadata.partition(),
          e.getClass().getSimpleName());
    }
  }

  /**
   * Removes a transaction's record, intents and reservations in this partition, reading no more of
   * an intent than its row key; best effort, after {@link #applyDecision} failed.
   */
  private void releaseAfterFailure(String txId) {
    List<KeyValue<Bytes, byte[]>> release = new ArrayList<>();
    release.add(KeyValue.pair(Bytes.wrap(StoreLayout.txKey(txId)), null));
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.intentPrefix(txId), PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        release.add(KeyValue.pair(entry.key, null));
        try {
          ByteBuffer buf = ByteBuffer.wrap(entry.value);
          buf.get();
          byte[] rowKey = new byte[buf.getInt()];
          buf.get(rowKey);
          release.add(KeyValue.pair(Bytes.wrap(StoreLayout.reservedKey(rowKey)), null));
        } catch (RuntimeException unreadable) {
          LOG.error("Transaction {} has an unreadable intent; its reservation stays", txId);
        }
      }
    }
    store.putAll(release);
  }

  private long applyDecision(
      String txId,
      StoreLayout.Tx tx,
      boolean commit,
      Record<byte[], byte[]> record,
      RecordMetadata metadata) {
    List<KeyValue<Bytes, byte[]>> release = new ArrayList<>();
    release.add(KeyValue.pair(Bytes.wrap(StoreLayout.txKey(txId)), null));
    List<byte[]> intents = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.intentPrefix(txId), PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        release.add(KeyValue.pair(entry.key, null));
        intents.add(entry.value);
      }
    }
    WriteCommand piece = tx.prepared() ? CommandCodec.decodeCommand(tx.piece()) : null;
    TableDef table = piece == null ? null : catalog.table(piece.tableId()).orElse(null);
    PlanBuilder plan = null;
    List<byte[]> changeKeys = new ArrayList<>();
    if (table != null) {
      plan =
          new PlanBuilder(
              table,
              null,
              StoreLayout.rangePrefix(table, null),
              metadata.partition(),
              piece.accepted() != null ? piece.accepted().atMillis() : record.timestamp());
    }
    List<ColumnType> types = table == null ? null : table.types();
    for (byte[] intent : intents) {
      ByteBuffer buf = ByteBuffer.wrap(intent);
      byte kind = buf.get();
      byte[] rowKey = new byte[buf.getInt()];
      buf.get(rowKey);
      byte[] newBytes = new byte[buf.remaining()];
      buf.get(newBytes);
      release.add(KeyValue.pair(Bytes.wrap(StoreLayout.reservedKey(rowKey)), null));
      if (!commit || plan == null) {
        continue;
      }
      Bytes key = Bytes.wrap(rowKey);
      byte[] existing = store.get(key);
      long seq = StoreLayout.seq(metadata.offset(), plan.size());
      Object[] row;
      if (kind == INTENT_INSERT) {
        boolean tombstone = existing != null && StoreLayout.isTombstone(existing);
        row = RowCodec.decode(types, newBytes, types.size() + 1);
        row[types.size()] = seq;
        plan.add(RowChange.Kind.INSERT, key, seq, null, newBytes, null, row, tombstone);
      } else {
        if (existing == null || StoreLayout.isTombstone(existing)) {
          continue; // cannot happen while the key is reserved; nothing to change
        }
        Object[] oldRow = StoreLayout.decode(types, existing);
        if (kind == INTENT_UPDATE) {
          row = RowCodec.decode(types, newBytes, types.size() + 1);
          row[types.size()] = seq;
          plan.add(
              RowChange.Kind.UPDATE,
              key,
              seq,
              StoreLayout.rowOf(existing),
              newBytes,
              oldRow,
              row,
              StoreLayout.expiresAt(existing),
              StoreLayout.isCold(existing));
        } else {
          row = oldRow;
          plan.add(
              RowChange.Kind.DELETE,
              key,
              seq,
              StoreLayout.rowOf(existing),
              null,
              oldRow,
              null,
              StoreLayout.isCold(existing));
        }
      }
      int column = table.partitionKeyIndex();
      changeKeys.add(
          column < 0
              ? record.key()
              : LogKeys.sharedKey(table.id(), TableDef.partitionValue(row[column])));
    }
    if (plan == null || plan.size() == 0) {
      store.putAll(release);
      return 0;
    }
    Plan built = plan.plan();
    List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>(built.writes());
    writes.addAll(release);
    KeyValue<Bytes, byte[]> audit = audit(piece, built, metadata);
    if (audit != null) {
      writes.add(audit);
    }
    store.putAll(writes);
    if (built.applied() != null && !built.applied().isEmpty()) {
      notifyChanges(built.applied(), metadata);
    }
    for (int i = 0; i < built.changes().size(); i++) {
      RowChange change = built.changes().get(i);
      context.forward(
          new Record<>(changeKeys.get(i), CommandCodec.encode(change), record.timestamp()),
          changesSink);
      forwardToTopics(change, record.timestamp());
    }
    return built.changes().size();
  }

  /**
   * Transactions of this (home) partition whose deadline passed by the clock, each with the
   * wall-clock time an abort was appended for it: one abort per transaction at a time.
   */
  private final Map<String, Long> abortsRequested = new java.util.HashMap<>();

  /**
   * Appends an abort ({@link WriteCommand.DecideTx} with {@code resolve} false) to this partition
   * for every transaction it is the home of whose deadline passed by the clock without a decision.
   * Reads the clock here, never while applying: whether the abort or the coordinator's commit comes
   * first in this partition's log decides, the same way on every replay.
   */
  private void abortExpired(long wallClock) {
    long now = expiry.clock().getAsLong();
    abortsRequested.values().removeIf(at -> wallClock - at >= EXPIRY_RETRY_MS);
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.TX_PREFIX, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        String txId = null;
        try {
          txId = StoreLayout.txIdOf(entry.key.get());
          StoreLayout.Tx tx = StoreLayout.Tx.of(entry.value);
          if (!tx.home() || tx.deadline() > now || abortsRequested.containsKey(txId)) {
            continue;
          }
          WriteCommand piece = CommandCodec.decodeCommand(tx.piece());
          WriteCommand.DecideTx abort =
              new WriteCommand.DecideTx(
                  txId + "/expire", piece.tableId(), txId, false, tx.participants(), false);
          Headers headers = new RecordHeaders();
          headers.add(
              PARTITION_HEADER,
              ByteBuffer.allocate(Integer.BYTES).putInt(context.taskId().partition()).array());
          context.forward(
              new Record<>(
                  LogKeys.sharedKey(piece.tableId()),
                  CommandCodec.encode(abort),
                  wallClock,
                  headers),
              continueSink);
          abortsRequested.put(txId, wallClock);
        } catch (RuntimeException e) {
          // A record that cannot be read or aborted must not stop the partition's thread on
          // every start: its rows here are released (the others end with their own deadline
          // only if they are homes; the ERROR says which transaction to look at).
          LOG.error(
              "Cannot abort expired transaction {} in partition {}: {}; its rows here are"
                  + " released",
              txId,
              context.taskId().partition(),
              e.getClass().getName());
          if (txId != null) {
            abortsRequested.put(txId, wallClock);
            try {
              releaseAfterFailure(txId);
            } catch (RuntimeException releaseFailed) {
              LOG.error("Cannot release the rows of transaction {}", txId);
            }
          }
        }
      }
    }
  }

  private void notifyChanges(List<AppliedChange> applied, RecordMetadata metadata) {
    try {
      changeListener.changed(applied);
    } catch (Exception e) {
      // Messages may quote row values: log the type and the place, not the message.
      StackTraceElement[] trace = e.getStackTrace();
      LOG.error(
          "The change listener threw {} at {} for a command at {}-{} offset {}; ignored",
          e.getClass().getName(),
          trace.length > 0 ? trace[0] : "?",
          metadata.topic(),
          metadata.partition(),
          metadata.offset());
    }
  }

  /**
   * Everything one command writes and emits, computed before anything is written.
   *
   * @param writes the row writes and, if any row changed, the range's watermark entry
   * @param changes the encoded changes for the {@code changes} topic
   * @param applied the same changes decoded for the {@link ChangeListener}, or null when there is
   *     no listener
   */
  private record Plan(
      List<KeyValue<Bytes, byte[]>> writes,
      List<RowChange> changes,
      List<AppliedChange> applied,
      WriteCommand next,
      long previouslyAffected,
      List<Bytes> keys) {}

  /**
   * Collects one command's writes and changes, all in one range. {@link #plan()} adds the range's
   * watermark entry when at least one row changed.
   */
  private final class PlanBuilder {
    private final TableDef table;
    private final String owner;
    private final byte[] prefix;
    private final int partition;
    private final List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
    private final List<RowChange> changes = new ArrayList<>();
    private final List<Bytes> keys = new ArrayList<>();
    private final List<AppliedChange> applied = decodeChanges ? new ArrayList<>() : null;
    private long lastSeq;
    private long bytes;
    private WriteCommand next;
    private long previouslyAffected;

    /** The time the command was accepted: STREAM events expire relative to it. */
    private final long commandTime;

    PlanBuilder(TableDef table, String owner, byte[] prefix, int partition, long commandTime) {
      this.commandTime = commandTime;
      this.table = table;
      this.owner = owner;
      this.prefix = prefix;
      this.partition = partition;
    }

    int size() {
      return changes.size();
    }

    /**
     * Adds one change. {@code oldRow} and {@code newRow} are decoded rows with their {@code _seq}
     * in the last slot (the old and the new one); they are only kept when there is a listener. The
     * change written to the log carries the old row's {@code _seq} too, so that a replay of it
     * shows the same old row as the live delivery.
     */
    void add(
        RowChange.Kind kind,
        Bytes key,
        long seq,
        byte[] oldBytes,
        byte[] newBytes,
        Object[] oldRow,
        Object[] newRow,
        boolean cold) {
      add(kind, key, seq, oldBytes, newBytes, oldRow, newRow, Long.MAX_VALUE, cold);
    }

    /**
     * Adds one change whose new version expires at {@code expiresAt} (a STREAM event), or never
     * ({@link Long#MAX_VALUE}). {@code cold}: the key has a version in the cold tier, so the new
     * version keeps that mark, and a delete leaves a tombstone (see {@link StoreLayout}).
     */
    void add(
        RowChange.Kind kind,
        Bytes key,
        long seq,
        byte[] oldBytes,
        byte[] newBytes,
        Object[] oldRow,
        Object[] newRow,
        long expiresAt,
        boolean cold) {
      byte[] value =
          newBytes == null
              ? (cold ? StoreLayout.tombstoneValue(seq) : null)
              : expiresAt != Long.MAX_VALUE
                  ? StoreLayout.expiringValue(seq, expiresAt, newBytes)
                  : cold ? StoreLayout.coldValue(seq, newBytes) : StoreLayout.value(seq, newBytes);
      writes.add(KeyValue.pair(key, value));
      keys.add(key);
      bytes += (oldBytes == null ? 0 : oldBytes.length) + (newBytes == null ? 0 : newBytes.length);
      long oldSeq = oldRow == null ? RowChange.NO_SEQ : (Long) oldRow[table.columns().size()];
      changes.add(new RowChange(kind, table.id(), owner, seq, oldSeq, oldBytes, newBytes));
      if (applied != null) {
        applied.add(new AppliedChange(kind, table, owner, seq, oldRow, newRow, partition));
      }
      lastSeq = seq;
    }

    Plan plan() {
      if (!changes.isEmpty()) {
        writes.add(KeyValue.pair(Bytes.wrap(prefix), StoreLayout.watermarkValue(lastSeq)));
      }
      return new Plan(writes, changes, applied, next, previouslyAffected, keys);
    }
  }

  private Plan plan(WriteCommand command, long offset, int partition, long commandTime) {
    if (command instanceof WriteCommand.DeleteStep step
        && catalog.table(step.tableId()).isEmpty()) {
      // Dropped between two steps of a DELETE: its rows are gone, and the DELETE is done.
      return new Plan(List.of(), List.of(), null, null, step.deleted(), List.of());
    }
    TableDef table =
        catalog
            .table(command.tableId())
            .orElseThrow(
                () ->
                    new TributaryException(
                        ErrorCode.TABLE_NOT_FOUND, "Cannot write to table: it was dropped"));
    TableKind expected = topicKindOf(table);
    if (expected != topicKind) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot write to %s: commands on a %s table belong to the %s write topic",
          table.qualifiedName(),
          table.kind(),
          expected.name().toLowerCase(java.util.Locale.ROOT));
    }
    String owner = StoreLayout.ownedRows(table) ? command.owner() : null;
    byte[] prefix = StoreLayout.rangePrefix(table, owner);
    PlanBuilder plan = new PlanBuilder(table, owner, prefix, partition, commandTime);
    if (command instanceof WriteCommand.InsertRows insert) {
      insert(plan, insert, offset);
    } else if (command instanceof WriteCommand.UpdateRows update) {
      update(plan, update, offset);
    } else if (command instanceof WriteCommand.DeleteRows delete) {
      // Rows written before this command have a smaller _seq than any change it makes.
      delete(
          plan,
          delete.requestId(),
          delete.where(),
          delete.boundWhere(),
          StoreLayout.seq(offset, 0) - 1,
          0,
          offset,
          delete.accepted());
    } else if (command instanceof WriteCommand.DeleteStep step) {
      delete(
          plan,
          step.requestId(),
          step.where(),
          step.boundWhere(),
          step.maxSeq(),
          step.deleted(),
          offset,
          step.accepted());
    } else {
      throw new IllegalArgumentException("unknown command " + command.getClass().getName());
    }
    Plan built = plan.plan();
    if (table.partitionKeyIndex() >= 0) {
      // A later step of a large DELETE that began before a Prepare may delete a row the Prepare
      // reserved: the prepared piece's commit then finds the row gone and leaves it so. A DELETE
      // that began after the Prepare respects its reservations in every step.
      long since =
          command instanceof WriteCommand.DeleteStep step
              ? (step.maxSeq() + 1) >>> CommandLimits.ORDINAL_BITS
              : Long.MAX_VALUE;
      requireUnreserved(table, built.keys(), since);
    }
    return built;
  }

  /**
   * Refuses a command that would change a row reserved by a prepared piece of a statement that
   * spans partitions (decided purely by log order: the reservation was applied before this
   * command). The writer retries; the reservation ends with the transaction's decision. Only
   * reservations made before {@code commandBegan} (the offset at which the command's statement
   * began: a later step of a large DELETE began with its first step) count.
   */
  private void requireUnreserved(TableDef table, List<Bytes> keys, long commandBegan) {
    for (Bytes key : keys) {
      byte[] reservation = store.get(Bytes.wrap(StoreLayout.reservedKey(key.get())));
      if (reservation != null && StoreLayout.reservedAt(reservation) < commandBegan) {
        throw TributaryException.of(
            ErrorCode.WRITE_CONFLICT,
            "Cannot write to %s: a row it changes is reserved by a statement that spans"
                + " partitions and is not decided yet; retry",
            table.qualifiedName());
      }
    }
  }

  private void insert(PlanBuilder plan, WriteCommand.InsertRows insert, long offset) {
    TableDef table = plan.table;
    List<byte[]> rows = insert.rows();
    if (rows.size() > CommandLimits.MAX_CHANGES) {
      throw tooManyRows("insert into", table);
    }
    List<ColumnType> types = table.types();
    List<ColumnType> keyTypes = table.primaryKeyTypes();
    int[] keyIndexes = table.primaryKeyIndexes();
    long ttlMillis = table.ttlMillis();
    Set<Bytes> batchKeys = new HashSet<>();
    for (int ordinal = 0; ordinal < rows.size(); ordinal++) {
      byte[] rowBytes = rows.get(ordinal);
      Object[] row = RowCodec.decode(types, rowBytes, types.size() + 1);
      Object[] keyValues = new Object[keyIndexes.length];
      for (int i = 0; i < keyIndexes.length; i++) {
        keyValues[i] = row[keyIndexes[i]];
      }
      Bytes key = Bytes.wrap(StoreLayout.key(plan.prefix, RowCodec.encode(keyTypes, keyValues)));
      byte[] existing = batchKeys.add(key) ? store.get(key) : NOT_NEW;
      // An expired event that is not removed yet is gone: its key may be used again.
      // A tombstone (a deleted key whose cold version it hides) frees the key too.
      boolean tombstone = existing != null && StoreLayout.isTombstone(existing);
      if (existing != null && !tombstone && !StoreLayout.expired(existing, plan.commandTime)) {
        throw TributaryException.of(
            ErrorCode.DUPLICATE_KEY,
            "Cannot insert into %s: duplicate primary key %s",
            table.qualifiedName(),
            describeKey(table, keyTypes, keyValues));
      }
      long seq = StoreLayout.seq(offset, ordinal);
      row[types.size()] = seq;
      if (ttlMillis > 0) {
        long expiresAt = saturatedAdd(plan.commandTime, ttlMillis);
        plan.add(RowChange.Kind.INSERT, key, seq, null, rowBytes, null, row, expiresAt, false);
        plan.writes.add(
            KeyValue.pair(Bytes.wrap(StoreLayout.expiryKey(expiresAt, key.get())), new byte[0]));
      } else {
        plan.add(RowChange.Kind.INSERT, key, seq, null, rowBytes, null, row, tombstone);
      }
    }
  }

  private void update(PlanBuilder plan, WriteCommand.UpdateRows update, long offset) {
    TableDef table = plan.table;
    List<String> setColumns = update.setColumns();
    // Bound expressions; SQL text only in commands written before bound expressions existed.
    boolean bound = update.boundSet() != null;
    int setCount = bound ? update.boundSet().size() : update.setExpressions().size();
    if (setColumns.size() != setCount) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot update %s: %d columns but %d expressions",
          table.qualifiedName(),
          setColumns.size(),
          setCount);
    }
    int[] targets = new int[setColumns.size()];
    List<Function<Object[], Object>> expressions = new ArrayList<>(setColumns.size());
    for (int i = 0; i < targets.length; i++) {
      String column = setColumns.get(i);
      targets[i] = table.columnIndex(column);
      if (targets[i] < 0) {
        throw TributaryException.of(
            ErrorCode.COLUMN_NOT_FOUND,
            "Cannot update %s: column %s does not exist",
            table.qualifiedName(),
            column);
      }
      if (table.primaryKey().contains(column)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot update %s: primary key column %s cannot be changed",
            table.qualifiedName(),
            column);
      }
      ColumnDef def = table.columns().get(targets[i]);
      expressions.add(
          bound
              ? compiler.expression(table, update.boundSet().get(i), def.type(), def.name())
              : compiler.expression(table, update.setExpressions().get(i), def.type(), def.name()));
    }
    Predicate<Object[]> where = predicate(table, update.where(), update.boundWhere());
    List<ColumnType> types = table.types();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(plan.prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), plan.prefix)
            || StoreLayout.isTombstone(entry.value)
            || StoreLayout.expired(entry.value, plan.commandTime)) {
          continue;
        }
        Object[] oldRow = StoreLayout.decode(types, entry.value);
        if (!where.test(oldRow)) {
          continue;
        }
        if (plan.size() == CommandLimits.MAX_CHANGES) {
          throw tooManyRows("update", table);
        }
        Object[] newRow = oldRow.clone();
        for (int i = 0; i < targets.length; i++) {
          newRow[targets[i]] = expressions.get(i).apply(oldRow);
        }
        for (int target : targets) {
          ColumnDef def = table.columns().get(target);
          if (newRow[target] == null && !def.nullable()) {
            throw TributaryException.of(
                ErrorCode.NOT_NULL_VIOLATION,
                "Cannot update %s: column %s is NOT NULL",
                table.qualifiedName(),
                def.name());
          }
        }
        long seq = StoreLayout.seq(offset, plan.size());
        byte[] newBytes = RowCodec.encode(types, newRow);
        byte[] oldBytes = StoreLayout.rowOf(entry.value);
        if ((long) oldBytes.length + newBytes.length > MAX_CHANGED_ROW_BYTES) {
          throw TributaryException.of(
              ErrorCode.STATEMENT_TOO_LARGE,
              "Cannot update %s: a row would grow from %,d to %,d bytes; a change (both versions"
                  + " of the row) may take at most %,d bytes",
              table.qualifiedName(),
              oldBytes.length,
              newBytes.length,
              MAX_CHANGED_ROW_BYTES);
        }
        newRow[types.size()] = seq;
        plan.add(
            RowChange.Kind.UPDATE,
            entry.key,
            seq,
            oldBytes,
            newBytes,
            oldRow,
            newRow,
            StoreLayout.expiresAt(entry.value),
            StoreLayout.isCold(entry.value));
      }
    }
  }

  /**
   * Deletes the rows of the range that match {@code where} and have {@code _seq <= maxSeq}, at most
   * one step's worth ({@link Steps}). When more such rows remain, the plan's next command is a
   * {@link WriteCommand.DeleteStep} that goes on from there; the DELETE's outcome, reported by its
   * last step, counts the rows of every step.
   */
  private void delete(
      PlanBuilder plan,
      String requestId,
      String where,
      BoundExpression boundWhere,
      long maxSeq,
      long deleted,
      long offset,
      WriteCommand.Accepted accepted) {
    TableDef table = plan.table;
    Predicate<Object[]> predicate = predicate(table, where, boundWhere);
    List<ColumnType> types = table.types();
    plan.previouslyAffected = deleted;
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(plan.prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), plan.prefix)
            || StoreLayout.isTombstone(entry.value)
            || StoreLayout.seqOf(entry.value) > maxSeq
            || StoreLayout.expired(entry.value, plan.commandTime)) {
          continue;
        }
        Object[] oldRow = StoreLayout.decode(types, entry.value);
        if (!predicate.test(oldRow)) {
          continue;
        }
        if (plan.size() == deleteStepRows || plan.bytes >= deleteStepBytes) {
          plan.next =
              new WriteCommand.DeleteStep(
                  requestId,
                  table.id(),
                  plan.owner,
                  where,
                  maxSeq,
                  deleted + plan.size(),
                  boundWhere,
                  accepted);
          return;
        }
        long seq = StoreLayout.seq(offset, plan.size());
        plan.add(
            RowChange.Kind.DELETE,
            entry.key,
            seq,
            StoreLayout.rowOf(entry.value),
            null,
            oldRow,
            null,
            StoreLayout.isCold(entry.value));
      }
    }
  }

  /**
   * Deletes the rows of a dropped table (or of one owner of a table) in this partition's store, and
   * the watermark entries of their ranges, at most {@link Steps#purgeEntries} entries per step.
   * Emits no changes and tells no {@link ChangeListener}: nobody can read those rows any more.
   * Idempotent, so a replay after a partial purge finishes it.
   *
   * @return the number of rows deleted (watermark entries are not rows), or -1 when entries remain
   *     for a next step
   */
  private long purge(WriteCommand.PurgeTable purge) {
    byte[] prefix =
        purge.owner() == null || topicKind == TableKind.SHARED
            ? StoreLayout.tablePrefix(purge.tableId())
            : StoreLayout.ownerPrefix(purge.tableId(), purge.owner());
    boolean ownedRows = topicKind != TableKind.SHARED;
    long deleted = 0;
    int entries = 0;
    while (true) {
      List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>();
      long rows = 0;
      boolean more = false;
      try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
        while (it.hasNext()) {
          if (batch.size() == PURGE_BATCH || entries + batch.size() == purgeStep) {
            more = true;
            break;
          }
          Bytes key = it.next().key;
          batch.add(KeyValue.pair(key, null));
          if (!StoreLayout.isWatermark(key.get(), ownedRows)) {
            rows++;
          }
        }
      }
      if (!batch.isEmpty()) {
        store.putAll(batch);
        deleted += rows;
        entries += batch.size();
      }
      if (!more) {
        return deleted;
      }
      if (entries == purgeStep) {
        return -1;
      }
    }
  }

  /**
   * Removes the row versions a flush wrote to the cold tier from this partition's store, each only
   * while the store still holds exactly that version ({@code _seq} equal): a row changed after the
   * flush read it stays. Emits no changes and moves no watermark: the rows' visible state is
   * unchanged (the cold tier serves them now). Idempotent.
   *
   * @return the number of rows removed
   */
  private long evict(WriteCommand.EvictFlushed evict) {
    TableDef table = catalog.table(evict.tableId()).orElse(null);
    if (table == null || table.kind() == TableKind.STREAM) {
      return 0; // dropped meanwhile: its purge removes the rows
    }
    if (topicKindOf(table) != topicKind) {
      return 0;
    }
    byte[] prefix =
        StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? evict.owner() : null);
    List<KeyValue<Bytes, byte[]>> removals = new ArrayList<>();
    for (byte[] entry : evict.entries()) {
      ByteBuffer buf = ByteBuffer.wrap(entry);
      long seq = buf.getLong();
      byte[] primaryKey = new byte[buf.remaining()];
      buf.get(primaryKey);
      Bytes key = Bytes.wrap(StoreLayout.key(prefix, primaryKey));
      byte[] value = store.get(key);
      if (value != null
          && StoreLayout.seqOf(value) == seq
          && store.get(Bytes.wrap(StoreLayout.reservedKey(key.get()))) == null) {
        removals.add(KeyValue.pair(key, null));
      }
    }
    if (!removals.isEmpty()) {
      store.putAll(removals);
    }
    return removals.size();
  }

  /** The table of a command of the cold tier, or null when it is gone or not of this topic. */
  private TableDef coldTable(long tableId) {
    TableDef table = catalog.table(tableId).orElse(null);
    if (table == null || table.kind() == TableKind.STREAM) {
      return null;
    }
    return topicKindOf(table) == topicKind ? table : null;
  }

  /**
   * Marks every live row of one range that is not marked yet as bound for the cold tier (see {@link
   * WriteCommand.MarkCold}). Emits no changes, moves no watermark.
   *
   * @return the number of rows marked now
   */
  private long markCold(WriteCommand.MarkCold mark) {
    TableDef table = coldTable(mark.tableId());
    if (table == null) {
      return 0;
    }
    byte[] prefix =
        StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? mark.owner() : null);
    List<KeyValue<Bytes, byte[]>> marks = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (!StoreLayout.isWatermark(entry.key.get(), prefix) && !StoreLayout.isCold(entry.value)) {
          marks.add(KeyValue.pair(entry.key, StoreLayout.markedCold(entry.value)));
        }
      }
    }
    if (!marks.isEmpty()) {
      store.putAll(marks);
    }
    return marks.size();
  }

  /**
   * Puts cold row versions back into one range where it holds no version of their key (see {@link
   * WriteCommand.RestoreRows}). Emits no changes, moves no watermark.
   *
   * @return the number of rows put back
   */
  private long restore(WriteCommand.RestoreRows restore) {
    TableDef table = coldTable(restore.tableId());
    if (table == null) {
      return 0;
    }
    byte[] prefix =
        StoreLayout.rangePrefix(table, StoreLayout.ownedRows(table) ? restore.owner() : null);
    List<ColumnType> types = table.types();
    List<ColumnType> keyTypes = table.primaryKeyTypes();
    int[] keyIndexes = table.primaryKeyIndexes();
    List<KeyValue<Bytes, byte[]>> puts = new ArrayList<>();
    Set<Bytes> seen = new HashSet<>();
    for (byte[] entry : restore.entries()) {
      ByteBuffer buf = ByteBuffer.wrap(entry);
      long seq = buf.getLong();
      byte[] rowBytes = new byte[buf.remaining()];
      buf.get(rowBytes);
      Object[] row = RowCodec.decode(types, rowBytes, types.size());
      Object[] keyValues = new Object[keyIndexes.length];
      for (int i = 0; i < keyIndexes.length; i++) {
        keyValues[i] = row[keyIndexes[i]];
      }
      Bytes key = Bytes.wrap(StoreLayout.key(prefix, RowCodec.encode(keyTypes, keyValues)));
      if (seen.add(key) && store.get(key) == null) {
        puts.add(KeyValue.pair(key, StoreLayout.coldValue(seq, rowBytes)));
      }
    }
    if (!puts.isEmpty()) {
      store.putAll(puts);
    }
    return puts.size();
  }

  /**
   * Removes the STREAM events of this partition that expired at the command's cut-off, oldest
   * first, at most {@link Expiry#step} of them (and a bounded number of stale index entries): each
   * becomes a DELETE change with this command's {@code _seq}, to the {@code changes} topic, the
   * user topics that take DELETEs of the table and the {@link ChangeListener} like any other, and
   * each changed range's watermark moves. While expired events remain, the same command is appended
   * again. Reports no outcome: nobody waits for it.
   */
  private void expire(
      WriteCommand.ExpireRows expire, Record<byte[], byte[]> record, RecordMetadata metadata) {
    expiryRequestedAt = -1;
    long offset = metadata.offset();
    List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();
    Map<Bytes, Long> watermarks = new LinkedHashMap<>();
    List<RowChange> changes = new ArrayList<>();
    List<AppliedChange> applied = decodeChanges ? new ArrayList<>() : null;
    int visited = 0;
    boolean more = false;
    try (KeyValueIterator<Bytes, byte[]> it =
        store.prefixScan(StoreLayout.EXPIRY_PREFIX, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        long expiresAt = StoreLayout.expiryOfIndexKey(entry.key.get());
        if (expiresAt > expire.cutoffMillis()) {
          break;
        }
        if (changes.size() == expiry.step() || visited == 4 * expiry.step()) {
          more = true;
          break;
        }
        visited++;
        writes.add(KeyValue.pair(entry.key, null));
        byte[] rowKey = StoreLayout.rowKeyOfIndexKey(entry.key.get());
        Bytes key = Bytes.wrap(rowKey);
        byte[] value = store.get(key);
        if (value == null || StoreLayout.expiresAt(value) != expiresAt) {
          continue; // deleted, or replaced by an event that expires at another time
        }
        writes.add(KeyValue.pair(key, null));
        TableDef table = catalog.table(StoreLayout.tableIdOf(rowKey)).orElse(null);
        if (table == null) {
          continue; // dropped: nobody reads its rows any more
        }
        String owner = StoreLayout.ownerOf(rowKey);
        long seq = StoreLayout.seq(offset, changes.size());
        Object[] oldRow = StoreLayout.decode(table.types(), value);
        changes.add(
            new RowChange(
                RowChange.Kind.DELETE,
                table.id(),
                owner,
                seq,
                StoreLayout.seqOf(value),
                StoreLayout.rowOf(value),
                null));
        if (applied != null) {
          applied.add(
              new AppliedChange(
                  RowChange.Kind.DELETE, table, owner, seq, oldRow, null, metadata.partition()));
        }
        watermarks.put(Bytes.wrap(StoreLayout.ownerPrefix(table.id(), owner)), seq);
      }
    }
    watermarks.forEach(
        (prefix, seq) -> writes.add(KeyValue.pair(prefix, StoreLayout.watermarkValue(seq))));
    if (!writes.isEmpty()) {
      store.putAll(writes);
    }
    if (applied != null && !applied.isEmpty()) {
      notifyChanges(applied, metadata);
    }
    for (RowChange change : changes) {
      context.forward(
          new Record<>(
              LogKeys.userKey(change.owner()), CommandCodec.encode(change), record.timestamp()),
          changesSink);
      forwardToTopics(change, record.timestamp());
    }
    if (more) {
      continueWith(record, record.value(), metadata);
      // the punctuator's clock now, not the chain's first record's time: a chain that runs longer
      // than EXPIRY_RETRY_MS is still in progress, and no second chain may start
      expiryRequestedAt = context.currentSystemTimeMs();
    }
  }

  /** The kind of the write topic that carries the commands of {@code table}. */
  static TableKind topicKindOf(TableDef table) {
    return table.kind();
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE - 1 : sum;
  }

  /** The condition of a command: bound, or SQL text in an older command, or none (every row). */
  private Predicate<Object[]> predicate(TableDef table, String where, BoundExpression boundWhere) {
    if (boundWhere != null) {
      return compiler.predicate(table, boundWhere);
    }
    if (where == null || where.isBlank()) {
      return row -> true;
    }
    return compiler.predicate(table, where);
  }

  private static TributaryException tooManyRows(String action, TableDef table) {
    return TributaryException.of(
        ErrorCode.TOO_MANY_ROWS,
        "Cannot %s %s: one statement may change at most %d rows",
        action,
        table.qualifiedName(),
        CommandLimits.MAX_CHANGES);
  }

  /** {@code (a, b)=(1, x)}, in the style of PostgreSQL's duplicate key detail. */
  private static String describeKey(TableDef table, List<ColumnType> keyTypes, Object[] values) {
    StringBuilder names = new StringBuilder("(");
    StringBuilder shown = new StringBuilder("(");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        names.append(", ");
        shown.append(", ");
      }
      names.append(table.primaryKey().get(i));
      shown.append(keyTypes.get(i).format(values[i]));
    }
    return names.append(")=").append(shown).append(')').toString();
  }
}
