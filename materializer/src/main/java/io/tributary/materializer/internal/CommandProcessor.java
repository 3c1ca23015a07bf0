package io.tributary.materializer.internal;

import io.tributary.log.LogConfig;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
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
 */
final class CommandProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  /** The most changes one command may make: the ordinal of {@code _seq} has 16 bits. */
  static final int MAX_CHANGES = 0xFFFF;

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

  private final String storeName;
  private final TableKind topicKind;
  private final Catalog catalog;
  private final RowCompiler compiler;
  private final ApplyListener listener;
  private final ChangeListener changeListener;

  /** Whether to build {@link AppliedChange}s at all: not for {@link ChangeListener#NONE}. */
  private final boolean decodeChanges;

  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Bytes, byte[]> store;

  /**
   * @param topicKind USER for the processor of {@code user-writes} (USER and STREAM tables), SHARED
   *     for {@code shared-writes}
   */
  CommandProcessor(
      String storeName,
      TableKind topicKind,
      Catalog catalog,
      RowCompiler compiler,
      ApplyListener listener,
      ChangeListener changeListener) {
    this.storeName = storeName;
    this.topicKind = topicKind;
    this.catalog = catalog;
    this.compiler = compiler;
    this.listener = listener;
    this.changeListener = changeListener;
    this.decodeChanges = changeListener != ChangeListener.NONE;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
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
    if (command instanceof WriteCommand.PurgeTable) {
      return WriteOutcome.success(command.requestId(), purge(command.tableId()));
    }
    Plan plan;
    try {
      plan = plan(command, metadata.offset(), metadata.partition());
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
    if (!plan.writes().isEmpty()) {
      store.putAll(plan.writes());
    }
    if (plan.applied() != null && !plan.applied().isEmpty()) {
      notifyChanges(plan.applied(), metadata);
    }
    for (RowChange change : plan.changes()) {
      context.forward(new Record<>(record.key(), CommandCodec.encode(change), record.timestamp()));
    }
    return WriteOutcome.success(command.requestId(), plan.changes().size());
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
      List<KeyValue<Bytes, byte[]>> writes, List<RowChange> changes, List<AppliedChange> applied) {}

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
    private final List<AppliedChange> applied = decodeChanges ? new ArrayList<>() : null;
    private long lastSeq;

    PlanBuilder(TableDef table, String owner, byte[] prefix, int partition) {
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
     * in the last slot (the old and the new one); they are only kept when there is a listener.
     */
    void add(
        RowChange.Kind kind,
        Bytes key,
        long seq,
        byte[] oldBytes,
        byte[] newBytes,
        Object[] oldRow,
        Object[] newRow) {
      writes.add(KeyValue.pair(key, newBytes == null ? null : StoreLayout.value(seq, newBytes)));
      changes.add(new RowChange(kind, table.id(), owner, seq, oldBytes, newBytes));
      if (applied != null) {
        applied.add(new AppliedChange(kind, table, owner, seq, oldRow, newRow, partition));
      }
      lastSeq = seq;
    }

    Plan plan() {
      if (!changes.isEmpty()) {
        writes.add(KeyValue.pair(Bytes.wrap(prefix), StoreLayout.watermarkValue(lastSeq)));
      }
      return new Plan(writes, changes, applied);
    }
  }

  private Plan plan(WriteCommand command, long offset, int partition) {
    TableDef table =
        catalog
            .table(command.tableId())
            .orElseThrow(
                () ->
                    new TributaryException(
                        ErrorCode.TABLE_NOT_FOUND, "Cannot write to table: it was dropped"));
    TableKind expected = table.kind() == TableKind.SHARED ? TableKind.SHARED : TableKind.USER;
    if (expected != topicKind) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot write to %s: commands on a %s table belong to the %s write topic",
          table.qualifiedName(),
          table.kind(),
          expected == TableKind.SHARED ? "shared" : "user");
    }
    String owner = StoreLayout.ownedRows(table) ? command.owner() : null;
    byte[] prefix = StoreLayout.rangePrefix(table, owner);
    PlanBuilder plan = new PlanBuilder(table, owner, prefix, partition);
    if (command instanceof WriteCommand.InsertRows insert) {
      insert(plan, insert, offset);
    } else if (command instanceof WriteCommand.UpdateRows update) {
      update(plan, update, offset);
    } else if (command instanceof WriteCommand.DeleteRows delete) {
      delete(plan, delete, offset);
    } else {
      throw new IllegalArgumentException("unknown command " + command.getClass().getName());
    }
    return plan.plan();
  }

  private void insert(PlanBuilder plan, WriteCommand.InsertRows insert, long offset) {
    TableDef table = plan.table;
    List<byte[]> rows = insert.rows();
    if (rows.size() > MAX_CHANGES) {
      throw tooManyRows("insert into", table);
    }
    List<ColumnType> types = table.types();
    List<ColumnType> keyTypes = table.primaryKeyTypes();
    int[] keyIndexes = table.primaryKeyIndexes();
    Set<Bytes> batchKeys = new HashSet<>();
    for (int ordinal = 0; ordinal < rows.size(); ordinal++) {
      byte[] rowBytes = rows.get(ordinal);
      Object[] row = RowCodec.decode(types, rowBytes, types.size() + 1);
      Object[] keyValues = new Object[keyIndexes.length];
      for (int i = 0; i < keyIndexes.length; i++) {
        keyValues[i] = row[keyIndexes[i]];
      }
      Bytes key = Bytes.wrap(StoreLayout.key(plan.prefix, RowCodec.encode(keyTypes, keyValues)));
      if (!batchKeys.add(key) || store.get(key) != null) {
        throw TributaryException.of(
            ErrorCode.DUPLICATE_KEY,
            "Cannot insert into %s: duplicate primary key %s",
            table.qualifiedName(),
            describeKey(table, keyTypes, keyValues));
      }
      long seq = StoreLayout.seq(offset, ordinal);
      row[types.size()] = seq;
      plan.add(RowChange.Kind.INSERT, key, seq, null, rowBytes, null, row);
    }
  }

  private void update(PlanBuilder plan, WriteCommand.UpdateRows update, long offset) {
    TableDef table = plan.table;
    List<String> setColumns = update.setColumns();
    List<String> setExpressions = update.setExpressions();
    if (setColumns.size() != setExpressions.size()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot update %s: %d columns but %d expressions",
          table.qualifiedName(),
          setColumns.size(),
          setExpressions.size());
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
      expressions.add(compiler.expression(table, setExpressions.get(i), def.type(), def.name()));
    }
    Predicate<Object[]> where = predicate(table, update.where());
    List<ColumnType> types = table.types();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(plan.prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), plan.prefix)) {
          continue;
        }
        Object[] oldRow = StoreLayout.decode(types, entry.value);
        if (!where.test(oldRow)) {
          continue;
        }
        if (plan.size() == MAX_CHANGES) {
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
        plan.add(RowChange.Kind.UPDATE, entry.key, seq, oldBytes, newBytes, oldRow, newRow);
      }
    }
  }

  private void delete(PlanBuilder plan, WriteCommand.DeleteRows delete, long offset) {
    TableDef table = plan.table;
    Predicate<Object[]> where = predicate(table, delete.where());
    List<ColumnType> types = table.types();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(plan.prefix, PREFIX_SERIALIZER)) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> entry = it.next();
        if (StoreLayout.isWatermark(entry.key.get(), plan.prefix)) {
          continue;
        }
        Object[] oldRow = StoreLayout.decode(types, entry.value);
        if (!where.test(oldRow)) {
          continue;
        }
        if (plan.size() == MAX_CHANGES) {
          throw tooManyRows("delete from", table);
        }
        long seq = StoreLayout.seq(offset, plan.size());
        plan.add(
            RowChange.Kind.DELETE,
            entry.key,
            seq,
            StoreLayout.rowOf(entry.value),
            null,
            oldRow,
            null);
      }
    }
  }

  /**
   * Deletes every row of a table in this partition's store, and the watermark entries of its
   * ranges, in batches. Emits no changes and tells no {@link ChangeListener}: the table is dropped
   * and nobody can read it any more. Idempotent, so a replay after a partial purge finishes it.
   *
   * @return the number of rows deleted (watermark entries are not rows)
   */
  private long purge(long tableId) {
    byte[] prefix = StoreLayout.tablePrefix(tableId);
    boolean ownedRows = topicKind != TableKind.SHARED;
    long deleted = 0;
    while (true) {
      List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>();
      long rows = 0;
      try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, PREFIX_SERIALIZER)) {
        while (it.hasNext() && batch.size() < PURGE_BATCH) {
          Bytes key = it.next().key;
          batch.add(KeyValue.pair(key, null));
          if (!StoreLayout.isWatermark(key.get(), ownedRows)) {
            rows++;
          }
        }
      }
      if (batch.isEmpty()) {
        return deleted;
      }
      store.putAll(batch);
      deleted += rows;
    }
  }

  private Predicate<Object[]> predicate(TableDef table, String where) {
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
        MAX_CHANGES);
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
