package io.tributary.server.internal;

import io.tributary.log.Log;
import io.tributary.log.LogRoute;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.FlushPolicy;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.ColdTier;
import io.tributary.query.exec.FlushCommit;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.HotVersions;
import io.tributary.query.exec.KeyPrefixCursor;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.exec.TierMerge;
import io.tributary.query.expr.BoundExpression;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flush jobs of this node and the reads that merge the hot and cold tiers (DESIGN.md section
 * 7). A flush of one table:
 *
 * <ol>
 *   <li>reads the table's hot rows (every owner's range of a USER table, the whole SHARED table);
 *   <li>writes them to the cold tier and commits them there in one Iceberg commit ({@link
 *       ColdTier#flush}), which replaces the cold versions they supersede;
 *   <li>appends, per range, an {@link WriteCommand.EvictFlushed} to the log, which the materializer
 *       applies: it removes each flushed version from the hot store only while the store still
 *       holds exactly that version ({@code _seq} equal), so a row changed after step 1 stays hot.
 * </ol>
 *
 * <p>A crash anywhere loses and duplicates nothing: before the commit the cold tier is unchanged
 * (files written but not committed are never read); after it, a row is in both tiers with the same
 * {@code _seq} until its eviction applies, and a read keeps one version per key ({@link
 * TierMerge}); the next flush writes such rows again, replacing their cold versions with the same
 * ones. The evictions are commands in the log, so they are replicated and replayed like any write.
 *
 * <p>Flushes run one at a time on this node. The flushed position of a table ({@link
 * ColdTier#flushedSeq}) counts the table's flushes (a USER table's ranges live in different
 * partitions of the log, whose {@code _seq}s are not comparable); each flush has a fresh id.
 */
public final class FlushJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FlushJobs.class);

  /** The most entries of one eviction command (each a {@code _seq} and a primary key). */
  static final int EVICT_BATCH = 2_000;

  /** How many finished jobs {@code system.jobs} keeps. */
  static final int KEPT_JOBS = 1_000;

  /** The most bytes of rows one restore command carries. */
  static final long RESTORE_BYTES = 128 * 1024;

  /**
   * The most flushed rows one UPDATE or DELETE may change (each is restored into the hot tier
   * first): past it the statement is refused with LIMIT_EXCEEDED and changes nothing.
   */
  static final long MAX_RESTORED_ROWS = 100_000;

  /** {@link #MAX_RESTORED_ROWS}, lowered by tests. */
  static volatile long maxRestoredRows = MAX_RESTORED_ROWS;

  /** How often the policy checker looks at the tables' flush policies. */
  static final long CHECK_MILLIS = 1_000;

  private final Log log;
  private final Catalog catalog;
  private volatile HotTier hot;
  private final ColdTier cold;
  private final Outcomes outcomes;
  private final Clock clock;
  private final long writeTimeoutMillis;
  private final Object flushLock = new Object();
  private final AtomicLong jobCounter = new AtomicLong();

  /** Whether a table has a cold table with a flush, by table id (absent: not known yet). */
  private final Map<Long, Boolean> hasCold = new ConcurrentHashMap<>();

  /** Rows changed since the table's last flush on this node, by table id. */
  private final Map<Long, AtomicLong> changed = new ConcurrentHashMap<>();

  /** When the table last flushed on this node (or when the node started), by table id. */
  private final Map<Long, Long> lastFlush = new ConcurrentHashMap<>();

  /**
   * Per table: writes that restore cold rows hold the read lock until the write is applied; a flush
   * holds the write lock while its evictions apply, so none drops a restored row meanwhile.
   */
  private final Map<Long, ReadWriteLock> restoreLocks = new ConcurrentHashMap<>();

  /**
   * Tests only: called with the name of each step a flush has finished ("marked", "committed",
   * "evicted 1 of 3", ...); a hook that throws makes the flush fail right there, as a crash of the
   * node at that point would leave it (every step is durable when it returns).
   */
  static volatile java.util.function.Consumer<String> stepHook = step -> {};

  private final long startedAt;
  private ScheduledExecutorService scheduler;

  FlushJobs(
      Log log,
      Catalog catalog,
      ColdTier cold,
      Outcomes outcomes,
      Clock clock,
      long writeTimeoutMillis) {
    this.log = log;
    this.catalog = catalog;
    this.cold = new ColdErrors(cold);
    this.outcomes = outcomes;
    this.clock = clock;
    this.writeTimeoutMillis = writeTimeoutMillis;
    this.startedAt = clock.millis();
  }

  /**
   * Creates the jobs of a server, before its materializer (which takes {@link #counting}); {@link
   * #start} gives them the hot tier and starts the policy checker.
   */
  public static FlushJobs create(
      Log log, Catalog catalog, ColdTier cold, Outcomes outcomes, Clock clock) {
    return new FlushJobs(log, catalog, cold, outcomes, clock, 30_000);
  }

  /**
   * Counts the changed rows of each table for the {@code rows:N} trigger of its flush policy, then
   * hands the changes to {@code next}.
   */
  public ChangeListener counting(ChangeListener next) {
    return changes -> {
      for (AppliedChange c : changes) {
        changed.computeIfAbsent(c.table().id(), id -> new AtomicLong()).incrementAndGet();
      }
      next.changed(changes);
    };
  }

  /**
   * The hot tier merged with the cold one, for the reads that take a point-in-time view of a range
   * (live snapshots, membership): see {@link TieredReads}. Only after {@link #start}.
   */
  public HotTier reads() {
    HotTier current = hot;
    if (current == null) {
      throw new IllegalStateException("Cannot read the tiers: the flush jobs are not started");
    }
    return new TieredReads(current, this);
  }

  /** Reads the hot tier from now on and starts the thread that flushes by FLUSH_POLICY. */
  public synchronized void start(HotTier hotTier) {
    this.hot = hotTier;
    if (scheduler != null) {
      return;
    }
    // A DROP TABLE whose cold drop did not run (a crash after the catalog's append) left its cold
    // table behind: it belongs to no table (cold tables are named by table id), so drop it now.
    try {
      java.util.Set<Long> ids = new java.util.HashSet<>();
      catalog.tables(null).forEach(t -> ids.add(t.id()));
      int orphans = cold.dropOrphans(ids);
      if (orphans > 0) {
        LOG.info("Dropped {} cold tables of tables dropped before a restart", orphans);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not drop the cold tables of dropped tables; they are tried again at start", e);
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tributary-flush");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        this::checkPolicies, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void checkPolicies() {
    try {
      long now = clock.millis();
      for (TableDef table : catalog.tables(null)) {
        FlushPolicy policy = FlushPolicy.of(table);
        if (policy == null || table.partitionKey() != null) {
          continue; // a partitioned SHARED table does not flush yet (flush refuses it)
        }
        long since = lastFlush.getOrDefault(table.id(), startedAt);
        AtomicLong count = changed.get(table.id());
        long rows = count == null ? 0 : count.get();
        boolean byRows = policy.rows() > 0 && rows >= policy.rows();
        boolean byTime =
            policy.intervalSeconds() > 0 && now - since >= policy.intervalSeconds() * 1000;
        if (byRows || byTime) {
          try {
            flush(table);
          } catch (RuntimeException e) {
            // one table's failure must not keep the tables after it from flushing
            LOG.warn(
                "A flush of {} by policy failed; it is retried at the next check",
                table.qualifiedName(),
                e);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Checking the flush policies failed; they are checked again in a second", e);
    }
  }

  /**
   * Flushes one table now and returns its job's row of {@code system.jobs}; a failed flush throws
   * after its job is recorded as FAILED.
   */
  public FlushCommit flush(TableDef table) {
    if (table.kind() == TableKind.STREAM) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot flush table %s: STREAM tables never flush to cold storage",
          table.qualifiedName());
    }
    if (table.partitionKey() != null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot flush table %s: a SHARED table with a PARTITION_KEY cannot flush to cold"
              + " storage yet",
          table.qualifiedName());
    }
    synchronized (flushLock) {
      Job job = begin(table);
      try {
        FlushCommit commit = flushNow(table);
        finish(job, "DONE", commit.rows(), commit.files(), null);
        return commit;
      } catch (RuntimeException e) {
        finish(job, "FAILED", 0, 0, e.getMessage());
        throw e;
      }
    }
  }

  private FlushCommit flushNow(TableDef table) {
    long readAt = clock.millis();
    AtomicLong count = changed.get(table.id());
    long changedBefore = count == null ? 0 : count.get();
    List<String> owners = owners(table);
    // 1. mark every live row of every range as bound for the cold tier: from the mark on, a
    // DELETE of a marked row leaves a tombstone, so no row this flush writes can come back
    List<Map.Entry<LogRoute, WriteCommand>> marks = new ArrayList<>();
    for (String owner : owners) {
      marks.add(
          Map.entry(
              route(table, owner),
              new WriteCommand.MarkCold("mark-" + UUID.randomUUID(), table.id(), owner)));
    }
    appendAndAwait(table, marks, "mark the rows to flush");
    stepHook.accept("marked");
    // 2. the marked versions of every range (rows and tombstones), each with its _seq
    Map<String, List<RowVersion>> ranges = new LinkedHashMap<>();
    List<RowVersion> versions = new ArrayList<>();
    for (String owner : owners) {
      List<RowVersion> range = hot.versions(table, owner, true);
      if (!range.isEmpty()) {
        ranges.put(owner, range);
        versions.addAll(range);
      }
    }
    if (versions.isEmpty()) {
      flushed(table, readAt, count, changedBefore);
      return new FlushCommit("none", cold.flushedSeq(table), 0, 0, -1, false);
    }
    // 3. the cold commit
    cold.ensureTable(table);
    long flushed = cold.flushedSeq(table);
    long generation = flushed < 0 ? 1 : flushed + 1;
    String flushId = "t" + table.id() + "-" + generation + "-" + shortId();
    // Before the commit: from here on every write takes the restore lock and looks for its keys
    // in the cold tier (empty until the commit), so none can miss the rows this flush evicts.
    hasCold.put(table.id(), true);
    FlushCommit commit = cold.flush(table, flushId, generation, versions.iterator());
    stepHook.accept("committed");
    // 4. the evictions, through the log; no restore of cold rows (for a write) runs meanwhile
    List<Map.Entry<LogRoute, WriteCommand>> evictions = new ArrayList<>();
    for (Map.Entry<String, List<RowVersion>> range : ranges.entrySet()) {
      evictions.addAll(evictions(table, range.getKey(), range.getValue()));
    }
    Lock lock = restoreLock(table).writeLock();
    lock.lock();
    try {
      for (int i = 0; i < evictions.size(); i++) {
        appendAndAwait(
            table, evictions.subList(i, i + 1), "drop the flushed rows from the hot tier");
        stepHook.accept("evicted " + (i + 1) + " of " + evictions.size());
      }
    } finally {
      lock.unlock();
    }
    flushed(table, readAt, count, changedBefore);
    return commit;
  }

  private void flushed(TableDef table, long readAt, AtomicLong count, long changedBefore) {
    lastFlush.put(table.id(), readAt);
    if (count != null) {
      count.addAndGet(-changedBefore);
    }
  }

  /** The owners whose ranges hold the table's rows: every account, or null for SHARED. */
  private List<String> owners(TableDef table) {
    if (table.kind() == TableKind.SHARED) {
      List<String> one = new ArrayList<>();
      one.add(null);
      return one;
    }
    return catalog.users().stream().map(UserDef::id).toList();
  }

  private LogRoute route(TableDef table, String owner) {
    return owner == null ? log.topics().sharedWrite(table.id()) : log.topics().userWrite(owner);
  }

  private List<Map.Entry<LogRoute, WriteCommand>> evictions(
      TableDef table, String owner, List<RowVersion> versions) {
    int[] pk = table.primaryKeyIndexes();
    List<ColumnType> pkTypes = table.primaryKeyTypes();
    List<Map.Entry<LogRoute, WriteCommand>> out = new ArrayList<>();
    for (int from = 0; from < versions.size(); from += EVICT_BATCH) {
      List<byte[]> entries = new ArrayList<>();
      for (RowVersion v : versions.subList(from, Math.min(versions.size(), from + EVICT_BATCH))) {
        Object[] key = new Object[pk.length];
        for (int i = 0; i < pk.length; i++) {
          key[i] = v.row()[pk[i]];
        }
        entries.add(WriteCommand.EvictFlushed.entry(v.seq(), RowCodec.encode(pkTypes, key)));
      }
      out.add(
          Map.entry(
              route(table, owner),
              new WriteCommand.EvictFlushed(
                  "evict-" + UUID.randomUUID(), table.id(), owner, entries)));
    }
    return out;
  }

  /** Appends commands of the cold tier, then waits until the materializer has applied each. */
  private void appendAndAwait(
      TableDef table, List<Map.Entry<LogRoute, WriteCommand>> commands, String what) {
    List<CompletableFuture<WriteOutcome>> outcomesOf = new ArrayList<>();
    List<CompletableFuture<?>> appends = new ArrayList<>();
    try {
      for (Map.Entry<LogRoute, WriteCommand> c : commands) {
        outcomesOf.add(outcomes.register(c.getValue().requestId()));
        appends.add(log.writer().append(c.getKey(), CommandCodec.encode(c.getValue())));
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(writeTimeoutMillis);
      for (CompletableFuture<?> append : appends) {
        append.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      for (CompletableFuture<WriteOutcome> outcome : outcomesOf) {
        WriteOutcome result =
            outcome.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (!result.succeeded()) {
          throw new TributaryException(result.error(), result.message());
        }
      }
    } catch (TributaryException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE, "Cannot %s of %s: interrupted", what, table.qualifiedName());
    } catch (Exception e) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot %s of %s: %s (nothing is lost: a later flush or write retries)",
          what,
          table.qualifiedName(),
          e.getClass().getSimpleName());
    } finally {
      for (Map.Entry<LogRoute, WriteCommand> c : commands) {
        outcomes.forget(c.getValue().requestId());
      }
    }
  }

  // ------------------------------------------------------------------ reads and writes

  /** Whether reads of the table must look into the cold tier (it has flushed at least once). */
  public boolean hasCold(TableDef table) {
    if (table.kind() == TableKind.STREAM || table.id() < 0) {
      return false;
    }
    return hasCold.computeIfAbsent(table.id(), id -> cold.flushedSeq(table) >= 0);
  }

  /**
   * The rows of one range as a read sees them, values followed by {@code _seq}: the hot versions
   * merged with the cold ones (the newest {@code _seq} of each key wins, a tombstone hides the
   * key). {@code owner} is the reader's account for a USER table (the cold scan reads only that
   * owner's rows, pruned by the owner's partition), null for SHARED. {@code where}, when not null,
   * is a condition every row the reader keeps must meet: the cold scan is pruned and filtered by it
   * (the hot versions are not, so that a newer hot version still hides an older cold one that
   * matches); the caller still applies its condition to the result.
   */
  public List<Object[]> merged(TableDef table, String owner, Supplier<BoundExpression> where) {
    if (!hasCold(table)) {
      return hot.scan(table, owner);
    }
    BoundExpression filter = where == null ? null : where.get();
    List<RowVersion> hotVersions = hot.versions(table, owner, false);
    try (ColdCursor cursor = cold.scan(table, owner, filter)) {
      return TierMerge.mergeToList(table, hotVersions, cursor, null);
    }
  }

  /**
   * Opens a scan of every owner's flushed rows of a USER table, for its history view ({@code
   * ns.t$history}): the cold tier alone, pruned and filtered by {@code where} (null for none).
   */
  public ColdCursor history(TableDef table, BoundExpression where) {
    return cold.scan(table, null, where);
  }

  /**
   * Opens a point-in-time read of one range across both tiers, for live snapshots and membership
   * reads ({@link TieredReads}): the rows a SELECT of the range would see (merged by {@link
   * TierMerge}), restricted to {@code keyPrefix}, with the hot view's high-water mark H. {@code
   * whereSql}, when not null, is a condition the caller applies to every row; the cold scan is
   * pruned and filtered by it. A table without a cold tier is read from the hot tier alone.
   *
   * <p>Consistency: the cold scan is opened first (it reads the snapshot current then), then the
   * hot view, both under the table's restore lock, which a flush holds while it evicts: no flushed
   * row leaves the hot tier between the two. So a version missing from the hot view was evicted
   * before the cold snapshot, hence committed to it (or superseded there by a newer version), and
   * every cold version is at most H: the merge holds exactly the range's state at H.
   */
  public HotCursor openMerged(
      TableDef table, String owner, List<Object> keyPrefix, String whereSql) {
    if (table.kind() == TableKind.STREAM || table.partitionKey() != null || table.id() < 0) {
      return hot.open(table, owner, keyPrefix);
    }
    Lock lock = restoreLock(table).readLock();
    lock.lock();
    try {
      if (!hasCold(table)) {
        return hot.open(table, owner, keyPrefix);
      }
      String rangeOwner = table.kind() == TableKind.SHARED ? null : owner;
      ColdCursor coldRows = cold.scan(table, rangeOwner, bind(table, whereSql));
      try {
        HotVersions hotView = hot.versionsAt(table, rangeOwner);
        Iterator<Object[]> rows = TierMerge.merge(table, hotView.versions(), coldRows, null);
        HotCursor merged = new MergedCursor(rows, hotView.highWater(), coldRows);
        return keyPrefix.isEmpty() ? merged : KeyPrefixCursor.of(merged, table, keyPrefix);
      } catch (RuntimeException e) {
        coldRows.close();
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** The WHERE of a live query bound to its table for the cold scan; null when it cannot bind. */
  private static BoundExpression bind(TableDef table, String whereSql) {
    if (whereSql == null) {
      return null;
    }
    try {
      return io.tributary.query.expr.Expressions.bindPredicate(table, whereSql);
    } catch (RuntimeException e) {
      return null; // not a condition over the table alone: the scan reads the whole range
    }
  }

  /** The merged rows of one range as a {@link HotCursor} with the hot view's high-water mark. */
  private static final class MergedCursor implements HotCursor {
    private final Iterator<Object[]> rows;
    private final long highWater;
    private final ColdCursor cold;

    MergedCursor(Iterator<Object[]> rows, long highWater, ColdCursor cold) {
      this.rows = rows;
      this.highWater = highWater;
      this.cold = cold;
    }

    @Override
    public boolean hasNext() {
      return rows.hasNext();
    }

    @Override
    public Object[] next() {
      return rows.next();
    }

    @Override
    public long highWater() {
      return highWater;
    }

    @Override
    public void close() {
      cold.close();
    }
  }

  /**
   * Runs a write on a table with a cold tier: first puts back into the hot tier the cold rows the
   * write may touch (an UPDATE's or DELETE's rows that match its condition; the rows of an INSERT
   * whose keys exist in the cold tier), so that the materializer applies the write to them as to
   * any hot row (a restored row that the INSERT collides with makes it a duplicate; a tombstone
   * frees the key). No flush drops restored rows from the hot tier until the write is applied.
   */
  <T> T write(TableDef table, String owner, WriteCommand command, Supplier<T> write) {
    // The lock before the check: a first flush that starts meanwhile waits for this write before
    // it evicts anything, or this write sees its cold rows.
    Lock lock = restoreLock(table).readLock();
    lock.lock();
    try {
      if (!hasCold(table)) {
        return write.get();
      }
      String rangeOwner = table.kind() == TableKind.SHARED ? null : owner;
      List<RowVersion> rows = coldRowsFor(table, rangeOwner, command);
      if (!rows.isEmpty()) {
        appendAndAwait(table, restores(table, rangeOwner, rows), "restore the cold rows to write");
      }
      return write.get();
    } finally {
      lock.unlock();
    }
  }

  private List<RowVersion> coldRowsFor(TableDef table, String owner, WriteCommand command) {
    if (command instanceof WriteCommand.InsertRows insert) {
      int[] pk = table.primaryKeyIndexes();
      List<ColumnType> types = table.types();
      List<Object[]> keys = new ArrayList<>();
      for (byte[] bytes : insert.rows()) {
        Object[] row = RowCodec.decode(types, bytes, types.size());
        Object[] key = new Object[pk.length];
        for (int i = 0; i < pk.length; i++) {
          key[i] = row[pk[i]];
        }
        keys.add(key);
      }
      return cold.lookup(table, owner, keys);
    }
    BoundExpression where;
    if (command instanceof WriteCommand.UpdateRows u) {
      where = u.where() != null ? null : u.boundWhere();
    } else if (command instanceof WriteCommand.DeleteRows d) {
      where = d.where() != null ? null : d.boundWhere();
    } else {
      return List.of();
    }
    List<RowVersion> rows = new ArrayList<>();
    long limit = maxRestoredRows;
    java.util.Set<ByteBuffer> hotKeys = null;
    try (ColdCursor cursor = cold.scan(table, owner, where)) {
      while (cursor.hasNext()) {
        RowVersion next = cursor.next();
        if (hotKeys != null && hotKeys.contains(keyOf(table, next))) {
          continue; // a newer hot version (or tombstone) hides it: nothing to restore
        }
        rows.add(next);
        if (rows.size() > limit && hotKeys == null) {
          // Only the cold rows without a hot version count (and are restored).
          java.util.Set<ByteBuffer> hidden = new java.util.HashSet<>();
          for (RowVersion v : hot.versions(table, owner, false)) {
            hidden.add(keyOf(table, v));
          }
          hotKeys = hidden;
          rows.removeIf(v -> hidden.contains(keyOf(table, v)));
        }
        if (rows.size() > limit) {
          // Every matching flushed row goes back into the hot tier before the write: bounded, so
          // that one statement cannot pull a whole history into memory and the hot stores.
          throw TributaryException.of(
              ErrorCode.LIMIT_EXCEEDED,
              "Cannot %s %s: it matches more than %d flushed rows (the most one UPDATE or DELETE"
                  + " may change in cold storage); narrow its WHERE and run it in parts",
              command instanceof WriteCommand.UpdateRows ? "update" : "delete from",
              table.qualifiedName(),
              limit);
        }
      }
    }
    return rows;
  }

  /** A row version's primary key, encoded: equal for equal keys. */
  private static ByteBuffer keyOf(TableDef table, RowVersion v) {
    int[] pk = table.primaryKeyIndexes();
    Object[] key = new Object[pk.length];
    for (int i = 0; i < pk.length; i++) {
      key[i] = v.row()[pk[i]];
    }
    return ByteBuffer.wrap(RowCodec.encode(table.primaryKeyTypes(), key));
  }

  private List<Map.Entry<LogRoute, WriteCommand>> restores(
      TableDef table, String owner, List<RowVersion> rows) {
    List<ColumnType> types = table.types();
    List<Map.Entry<LogRoute, WriteCommand>> out = new ArrayList<>();
    List<byte[]> entries = new ArrayList<>();
    long bytes = 0;
    for (RowVersion v : rows) {
      if (v.deleted()) {
        continue;
      }
      byte[] row = RowCodec.encode(types, Arrays.copyOf(v.row(), types.size()));
      byte[] entry = ByteBuffer.allocate(Long.BYTES + row.length).putLong(v.seq()).put(row).array();
      if (!entries.isEmpty()
          && (entries.size() == EVICT_BATCH || bytes + entry.length > RESTORE_BYTES)) {
        out.add(restore(table, owner, entries));
        entries = new ArrayList<>();
        bytes = 0;
      }
      entries.add(entry);
      bytes += entry.length;
    }
    if (!entries.isEmpty()) {
      out.add(restore(table, owner, entries));
    }
    return out;
  }

  private Map.Entry<LogRoute, WriteCommand> restore(
      TableDef table, String owner, List<byte[]> entries) {
    return Map.entry(
        route(table, owner),
        new WriteCommand.RestoreRows("restore-" + UUID.randomUUID(), table.id(), owner, entries));
  }

  private ReadWriteLock restoreLock(TableDef table) {
    return restoreLocks.computeIfAbsent(table.id(), id -> new ReentrantReadWriteLock());
  }

  /**
   * Applies ALTER TABLE to the altered table's cold table now (an external engine sees the new
   * schema at once); when it fails, the cold tier applies it before its next flush or scan.
   */
  void altered(TableDef table) {
    if (table.kind() == TableKind.STREAM) {
      return;
    }
    try {
      cold.evolve(table);
    } catch (RuntimeException e) {
      LOG.warn("Could not evolve the cold table of {} yet", table.qualifiedName(), e);
    }
  }

  /**
   * Erases the cold rows of dropped accounts ({@code DROP USER}, after the purges of their hot rows
   * were appended): a flush holds a flushed user's rows until it commits, so the erasure waits for
   * a running flush, and later flushes no longer read the account's ranges (owners are the
   * catalog's accounts). A failure (or a crash before this runs) is logged and leaves the rows in
   * cold storage, out of every user's reach (an account id is never reused) but in the history
   * views with a null {@code _owner}: see docs/cold-tier.md.
   */
  void purged(List<WriteCommand.PurgeTable> purges) {
    synchronized (flushLock) {
      for (WriteCommand.PurgeTable purge : purges) {
        if (purge.owner() == null) {
          continue;
        }
        TableDef table = catalog.table(purge.tableId()).orElse(null);
        if (table == null || table.kind() != TableKind.USER || !hasCold(table)) {
          continue;
        }
        try {
          cold.erase(table, purge.owner());
        } catch (RuntimeException e) {
          LOG.warn(
              "Could not erase the cold rows of a dropped account from {}",
              table.qualifiedName(),
              e);
        }
      }
    }
  }

  /** Drops a dropped table's cold table (its files leave the disk). */
  void dropped(TableDef table) {
    hasCold.remove(table.id());
    changed.remove(table.id());
    lastFlush.remove(table.id());
    if (table.kind() == TableKind.STREAM) {
      return;
    }
    try {
      cold.drop(table);
    } catch (RuntimeException e) {
      LOG.warn("Could not drop the cold table of {}", table.qualifiedName(), e);
    }
  }

  // ------------------------------------------------------------------ system.jobs

  private record Job(String id, String table, long started) {}

  private final Map<String, Object[]> rows = new LinkedHashMap<>();

  private Job begin(TableDef table) {
    Job job =
        new Job("flush-" + jobCounter.incrementAndGet(), table.qualifiedName(), clock.millis());
    synchronized (rows) {
      rows.put(
          job.id(),
          new Object[] {job.id(), job.table(), "RUNNING", 0L, 0, job.started(), null, null});
    }
    return job;
  }

  private void finish(Job job, String state, long rowCount, int files, String error) {
    synchronized (rows) {
      rows.put(
          job.id(),
          new Object[] {
            job.id(), job.table(), state, rowCount, files, job.started(), clock.millis(), error
          });
      while (rows.size() > KEPT_JOBS) {
        String oldest = rows.keySet().iterator().next();
        rows.remove(oldest);
      }
    }
  }

  /** The rows of {@code system.jobs}, oldest first. */
  public List<Object[]> jobRows() {
    synchronized (rows) {
      List<Object[]> out = new ArrayList<>();
      for (Object[] row : rows.values()) {
        out.add(row.clone());
      }
      return out;
    }
  }

  private static String shortId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      scheduler = null;
    }
  }
}
