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
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.exec.TierMerge;
import java.time.Clock;
import java.util.ArrayList;
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
    this.cold = cold;
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

  /** Reads the hot tier from now on and starts the thread that flushes by FLUSH_POLICY. */
  public synchronized void start(HotTier hotTier) {
    this.hot = hotTier;
    if (scheduler != null) {
      return;
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
        if (policy == null) {
          continue;
        }
        long since = lastFlush.getOrDefault(table.id(), startedAt);
        AtomicLong count = changed.get(table.id());
        long rows = count == null ? 0 : count.get();
        boolean byRows = policy.rows() > 0 && rows >= policy.rows();
        boolean byTime =
            policy.intervalSeconds() > 0 && now - since >= policy.intervalSeconds() * 1000;
        if (byRows || byTime) {
          flush(table);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("A flush by policy failed; it is retried at the next check", e);
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
    // 1. the hot rows of every range, each with its _seq
    Map<String, List<Object[]>> ranges = new LinkedHashMap<>();
    List<RowVersion> versions = new ArrayList<>();
    for (String owner : owners(table)) {
      List<Object[]> rows = hot.scan(table, owner);
      if (!rows.isEmpty()) {
        ranges.put(owner, rows);
        for (Object[] row : rows) {
          versions.add(RowVersion.of(owner, row));
        }
      }
    }
    if (versions.isEmpty()) {
      flushed(table, readAt, count, changedBefore);
      return new FlushCommit("none", cold.flushedSeq(table), 0, 0, -1, false);
    }
    // 2. the cold commit
    cold.ensureTable(table);
    long flushed = cold.flushedSeq(table);
    long generation = flushed < 0 ? 1 : flushed + 1;
    String flushId = "t" + table.id() + "-" + generation + "-" + shortId();
    FlushCommit commit = cold.flush(table, flushId, generation, versions.iterator());
    hasCold.put(table.id(), true);
    // 3. the evictions, through the log
    for (Map.Entry<String, List<Object[]>> range : ranges.entrySet()) {
      evict(table, range.getKey(), range.getValue());
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

  private void evict(TableDef table, String owner, List<Object[]> rows) {
    int[] pk = table.primaryKeyIndexes();
    List<ColumnType> pkTypes = table.primaryKeyTypes();
    int seqIndex = table.columns().size();
    LogRoute route =
        owner == null ? log.topics().sharedWrite(table.id()) : log.topics().userWrite(owner);
    for (int from = 0; from < rows.size(); from += EVICT_BATCH) {
      List<byte[]> entries = new ArrayList<>();
      for (Object[] row : rows.subList(from, Math.min(rows.size(), from + EVICT_BATCH))) {
        Object[] key = new Object[pk.length];
        for (int i = 0; i < pk.length; i++) {
          key[i] = row[pk[i]];
        }
        entries.add(
            WriteCommand.EvictFlushed.entry((Long) row[seqIndex], RowCodec.encode(pkTypes, key)));
      }
      WriteCommand.EvictFlushed command =
          new WriteCommand.EvictFlushed("evict-" + UUID.randomUUID(), table.id(), owner, entries);
      CompletableFuture<WriteOutcome> outcome = outcomes.register(command.requestId());
      try {
        log.writer()
            .append(route, CommandCodec.encode(command))
            .get(writeTimeoutMillis, TimeUnit.MILLISECONDS);
        WriteOutcome result = outcome.get(writeTimeoutMillis, TimeUnit.MILLISECONDS);
        if (!result.succeeded()) {
          throw new TributaryException(result.error(), result.message());
        }
      } catch (TributaryException e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw TributaryException.of(
            ErrorCode.UNAVAILABLE,
            "Cannot flush table %s: interrupted while dropping flushed rows from the hot tier",
            table.qualifiedName());
      } catch (Exception e) {
        // The rows are in the cold tier; they stay hot too until a later flush drops them.
        throw TributaryException.of(
            ErrorCode.UNAVAILABLE,
            "Cannot flush table %s: the rows are committed to cold storage, but dropping them from"
                + " the hot tier failed (%s); the next flush retries",
            table.qualifiedName(),
            e.getClass().getSimpleName());
      } finally {
        outcomes.forget(command.requestId());
      }
    }
  }

  // ------------------------------------------------------------------ reads

  /** Whether reads of the table must look into the cold tier (it has flushed at least once). */
  public boolean hasCold(TableDef table) {
    if (table.kind() == TableKind.STREAM || table.id() < 0) {
      return false;
    }
    return hasCold.computeIfAbsent(table.id(), id -> cold.flushedSeq(table) >= 0);
  }

  /**
   * The rows of one range as a read sees them, values followed by {@code _seq}: the hot rows merged
   * with the cold ones (the newest {@code _seq} of each key wins). {@code owner} is the reader's
   * account for a USER table (the cold scan reads only that owner's rows), null for SHARED.
   */
  public List<Object[]> merged(TableDef table, String owner, List<Object[]> hotRows) {
    if (!hasCold(table)) {
      return hotRows;
    }
    List<RowVersion> hotVersions = new ArrayList<>(hotRows.size());
    for (Object[] row : hotRows) {
      hotVersions.add(RowVersion.of(owner, row));
    }
    try (ColdCursor cursor = cold.scan(table, owner, null)) {
      return TierMerge.mergeToList(table, hotVersions, cursor, null);
    }
  }

  /**
   * Refuses an INSERT whose primary key already exists in the cold tier only (its hot version was
   * dropped by a flush): primary keys are unique across tiers.
   */
  void checkInsert(TableDef table, String owner, WriteCommand.InsertRows insert) {
    if (!hasCold(table)) {
      return;
    }
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
    List<RowVersion> found =
        cold.lookup(table, table.kind() == TableKind.SHARED ? null : owner, keys);
    for (RowVersion v : found) {
      if (!v.deleted()) {
        StringBuilder names = new StringBuilder("(");
        StringBuilder shown = new StringBuilder("(");
        for (int i = 0; i < pk.length; i++) {
          if (i > 0) {
            names.append(", ");
            shown.append(", ");
          }
          names.append(table.primaryKey().get(i));
          shown.append(types.get(pk[i]).format(v.row()[pk[i]]));
        }
        throw TributaryException.of(
            ErrorCode.DUPLICATE_KEY,
            "Cannot insert into %s: duplicate primary key %s)=%s)",
            table.qualifiedName(),
            names,
            shown);
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
