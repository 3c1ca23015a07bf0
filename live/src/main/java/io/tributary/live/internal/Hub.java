package io.tributary.live.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.live.EventEncoder;
import io.tributary.live.EventEncoder.ChangeEncoding;
import io.tributary.live.LiveConfig;
import io.tributary.live.LiveHub;
import io.tributary.live.Sink;
import io.tributary.live.StreamOwner;
import io.tributary.live.TimeSource;
import io.tributary.log.Log;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.Action;
import io.tributary.query.Authorizer;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.RowChange;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.RowPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LiveHub}: the streams of connected clients, the subscription index, and the dispatcher
 * that turns the materializer's applied changes into events.
 *
 * <p>Opening a subscription: register it (changes from now on are buffered), open a point-in-time
 * view of its key range (a {@link HotCursor}, whose high-water mark H comes from the same view),
 * send the matching rows batch by batch as the client takes them, then send the buffered changes
 * with {@code _seq} > H and go live. Resuming from {@code from_seq = F} replaces the rows by the
 * changes F < {@code _seq} ≤ H read back from the {@code changes} topic. Either way nothing is
 * missed and nothing is sent twice.
 *
 * <p>Memory: a snapshot holds about two batches at a time (see {@link #sendSnapshot}), except for
 * {@code last_rows = n} (up to n rows), ORDER BY (every matching row, to sort them) and windows
 * (every matching row, by design). Changes buffered during a snapshot are bounded by the stream's
 * queue capacity; past it the subscription still completes its snapshot, then closes with
 * SUBSCRIBER_TOO_SLOW and H as the position to resume from. A snapshot's view is closed on every
 * path, and it may stay open at most {@link LiveConfig#snapshotMaxDuration}.
 *
 * <p>A live SELECT is a subscription whose events carry its columns; with ORDER BY the snapshot is
 * sent in that order, and with LIMIT n the subscription keeps a {@link
 * io.tributary.query.live.LiveWindow} of every matching row of its range (memory grows with the
 * matching rows of one user's range, not with n) and turns each change into the rows that leave and
 * enter the first n. Such a subscription cannot resume from a {@code _seq}: a client that was
 * closed subscribes again and gets a new snapshot.
 *
 * <p>Handoff: the materializer's listener never blocks its Streams thread. It queues each command's
 * changes (at most {@link LiveConfig#handoffCapacity}); when the queue is full it stops queuing and
 * only notes the key ranges of what it could not queue, until the dispatcher has emptied the queue
 * and closed every subscription of those ranges with SUBSCRIBER_TOO_SLOW and its last delivered
 * {@code _seq} (see {@link #changeListener}).
 *
 * <p>Row policies: a subscription under a membership policy matches its snapshot with the
 * dispatcher's membership only once the dispatcher has reached the snapshot's view ({@link
 * #awaitDispatcher}), and one analyzed before a change of its table's policies is refused when it
 * registers after it ({@link #checkPolicies}).
 *
 * <p>Threading: one dispatcher thread matches changes; stream writes happen on a small pool under
 * the sinks' flow control; subscription setup runs on the calling (blocking) thread; the revisions
 * of membership changes are read on one revision thread ({@link #revise}).
 */
public final class Hub implements LiveHub {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

  private volatile HotTier hot;
  private final ChangeReplay replay;
  private final LiveConfig config;
  private final LiveMetrics metrics;
  private final EventEncoder encoder;
  private final TimeSource time;
  private final Memberships memberships = new Memberships(() -> hot);
  private final SubscriptionIndex index = new SubscriptionIndex(memberships);
  private final Map<String, LiveStream> streams = new ConcurrentHashMap<>();
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

  /** Canonical column lists: see {@link #projection}. */
  private final Map<List<Integer>, List<Integer>> projections = new ConcurrentHashMap<>();

  /** Open subscriptions per account id, for the per-user limit. */
  private final Map<String, Integer> perUser = new ConcurrentHashMap<>();

  private final BlockingQueue<Handoff> handoffs;

  /**
   * Whether the listener is overflowing: it queues nothing and notes the key ranges of what it
   * could not queue in {@link #lostRanges}. Written under {@link #overflowLock}; see {@link
   * #changeListener}.
   */
  private volatile boolean overflowing;

  /** Guarded by {@link #overflowLock}; meaningful while {@link #overflowing}. */
  private Set<RangeKey> lostRanges = new HashSet<>();

  private final Object overflowLock = new Object();
  private final ExecutorService writers;
  private final ScheduledExecutorService heartbeats;
  private final ExecutorService setups =
      Executors.newCachedThreadPool(daemon("tributary-live-setup"));
  private final Thread dispatcher;
  private volatile boolean closed;

  /**
   * One command's changes, or (with {@code barrier} set and no changes) a set-up waiting for the
   * dispatcher to reach this point of its order: see {@link #awaitDispatcher}.
   */
  private record Handoff(List<AppliedChange> changes, long nanos, CountDownLatch barrier) {}

  /**
   * The revision reads of membership changes, off the dispatcher thread, one at a time in the
   * dispatcher's order (see {@link #revise}).
   */
  private final ExecutorService revisers =
      Executors.newSingleThreadExecutor(daemon("tributary-live-revision"));

  /** Set-ups waiting for the dispatcher ({@link #awaitDispatcher}); for tests. */
  private final java.util.concurrent.atomic.AtomicInteger awaitingDispatcher =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * The largest catalog offset of a policy change per table ({@code namespace.name}), and the lock
   * that orders policy changes with subscription set-ups: see {@link #policiesChanged} and {@link
   * #checkPolicies}.
   */
  private final Map<String, Long> policiesChangedAt = new java.util.HashMap<>();

  private final Object policyLock = new Object();

  /** A key range: a table, and an owner for a USER table (null for a SHARED one). */
  private record RangeKey(long tableId, String owner) {}

  public Hub(
      Log log, LiveConfig config, MeterRegistry registry, EventEncoder encoder, TimeSource time) {
    this.replay = new ChangeReplay(log, config.resumeTimeout(), time);
    this.config = config;
    this.encoder = encoder;
    this.time = time;
    this.handoffs = new ArrayBlockingQueue<>(config.handoffCapacity());
    this.metrics = new LiveMetrics(registry, subscriptions::size, time);
    this.writers =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            daemon("tributary-live-writer"));
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("tributary-heartbeat"));
    this.dispatcher = new Thread(this::dispatchLoop, "tributary-live-dispatcher");
    dispatcher.setDaemon(true);
  }

  @Override
  public void start(HotTier hotTier) {
    this.hot = hotTier;
    dispatcher.start();
    long every = config.heartbeatInterval().toMillis();
    heartbeats.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Order is what makes dropping safe: once one command's changes could not be queued, no later
   * command's are queued either (they would overtake it; the changes of one key range come from one
   * Streams task, so from one thread at a time) until the dispatcher has taken everything queued
   * before the first lost one and closed the subscriptions of every lost range; each of them then
   * holds, as its resume position, the last change it was sent, which precedes every lost one of
   * its range. Subscriptions of other ranges lose nothing.
   */
  @Override
  public ChangeListener changeListener() {
    return changes -> {
      if (closed || changes.isEmpty()) {
        return;
      }
      Handoff handoff = new Handoff(changes, time.nanoTime(), null);
      if (!overflowing && handoffs.offer(handoff)) {
        return;
      }
      synchronized (overflowLock) {
        if (!overflowing) {
          if (handoffs.offer(handoff)) {
            return; // the dispatcher made room meanwhile
          }
          overflowing = true;
        }
        for (AppliedChange c : changes) {
          lostRanges.add(new RangeKey(c.table().id(), c.owner()));
        }
      }
      metrics.handoffOverflowed();
    };
  }

  /**
   * Dispatcher thread, with the handoff queue empty: closes the subscriptions of every range whose
   * changes the listener could not queue, each with its last delivered {@code _seq}, and lets the
   * listener queue again.
   */
  private void closeLostRanges() {
    if (!overflowing) {
      return;
    }
    Set<RangeKey> lost;
    synchronized (overflowLock) {
      if (!handoffs.isEmpty()) {
        return;
      }
      lost = lostRanges;
      lostRanges = new HashSet<>();
      overflowing = false;
    }
    Set<Long> reloaded = new HashSet<>();
    for (RangeKey range : lost) {
      if (range.owner() == null && memberships.reload(range.tableId())) {
        reloaded.add(range.tableId());
      }
    }
    for (Subscription sub : List.copyOf(subscriptions.values())) {
      if (lost.contains(new RangeKey(sub.query.table().id(), sub.query.owner()))
          || readsMembersOf(sub, reloaded)) {
        metrics.dropped();
        closeWithError(
            sub,
            TributaryException.of(
                ErrorCode.SUBSCRIBER_TOO_SLOW,
                "Cannot deliver to subscription %s: the server could not keep up with the changes"
                    + " of %s (more than %d commands waited to be matched); %s",
                sub.id,
                sub.query.table().qualifiedName(),
                config.handoffCapacity(),
                resumeAdvice(sub)));
      }
    }
  }

  /** Whether a subscription's row policy reads one of these members tables. */
  private static boolean readsMembersOf(Subscription sub, Set<Long> membersTables) {
    RowPolicy policy = sub.query.policy();
    if (policy == null || membersTables.isEmpty()) {
      return false;
    }
    for (Membership m : policy.memberships()) {
      if (membersTables.contains(m.members().id())) {
        return true;
      }
    }
    return false;
  }

  private static String resumeAdvice(Subscription sub) {
    if (sub.resumable()) {
      return "resume with OPTIONS (from_seq = " + sub.resumeSeq() + ")";
    }
    return sub.query.windowed()
        ? "subscribe again (a live SELECT with LIMIT starts from a new snapshot)"
        : "subscribe again (a subscription under a membership row policy starts from a new"
            + " snapshot)";
  }

  // ------------------------------------------------------------------ streams

  @Override
  public String openStream(StreamOwner owner, Sink sink) {
    return open(owner, sink, false);
  }

  @Override
  public String openOneShotStream(StreamOwner owner, Sink sink) {
    return open(owner, sink, true);
  }

  private String open(StreamOwner owner, Sink sink, boolean oneShot) {
    String id = UUID.randomUUID().toString();
    LiveStream stream =
        new LiveStream(
            id,
            owner,
            sink,
            encoder,
            writers,
            config.streamQueueCapacity(),
            metrics,
            time,
            oneShot);
    streams.put(id, stream);
    sink.onCancel(() -> streamGone(stream));
    if (!oneShot) {
      stream.force(Event.of(encoder.opened(id)));
    }
    return id;
  }

  private void streamGone(LiveStream stream) {
    stream.markCancelled();
    streams.remove(stream.id());
    for (Subscription s : List.copyOf(stream.subscriptions.values())) {
      unregister(s);
    }
  }

  @Override
  public String subscribe(StreamOwner caller, String streamId, Action.Subscribe action) {
    LiveStream stream = stream(caller, streamId, "add a subscription");
    LiveQuery query = action.query();
    if (stream.subscriptions.size() >= config.maxSubscriptionsPerStream()) {
      throw TributaryException.of(
          ErrorCode.LIMIT_EXCEEDED,
          "Cannot subscribe to %s: this stream already carries %d subscriptions (the limit)",
          query.table().qualifiedName(),
          config.maxSubscriptionsPerStream());
    }
    long mine = perUser.getOrDefault(action.userId(), 0);
    if (mine >= config.maxSubscriptionsPerUser()) {
      throw TributaryException.of(
          ErrorCode.LIMIT_EXCEEDED,
          "Cannot subscribe to %s: user %s already holds %d subscriptions (the limit)",
          query.table().qualifiedName(),
          action.user(),
          config.maxSubscriptionsPerUser());
    }
    if (query.resumes() && Subscription.membershipPoliced(query)) {
      // A replay would be matched with the membership of now, not of each change's time.
      throw TributaryException.of(
          ErrorCode.RESUME_POSITION_LOST,
          "Cannot resume subscription to %s from _seq %d: a subscription under a membership row"
              + " policy cannot resume (memberships may have changed since); subscribe again"
              + " without from_seq to take a new snapshot",
          query.table().qualifiedName(),
          query.fromSeq());
    }
    Subscription sub = newSubscription(stream, action);
    register(sub);
    try {
      setUp(sub);
    } catch (RuntimeException e) {
      unregister(sub);
      throw e;
    }
    return sub.id;
  }

  private Subscription newSubscription(LiveStream stream, Action.Subscribe action) {
    String id = UUID.randomUUID().toString();
    LiveQuery query = action.query();
    RowPolicy policy = query.policy();
    if (policy != null) {
      for (Membership m : policy.memberships()) {
        memberships.ensureLoaded(m);
      }
      query = query.withPredicate(new Policed(query.predicate(), policy, memberships));
    }
    Subscription sub =
        new Subscription(
            id,
            stream,
            query,
            projection(action.query()),
            action.userId(),
            action.user(),
            time.millis(),
            encoder,
            encoder.subscriptionHead(id));
    sub.asUser = action.role() == Role.USER;
    sub.catalogVersion = action.catalogVersion();
    return sub;
  }

  /**
   * Set-up, with the subscription registered: refuses it when a row policy of its table changed at
   * or after the catalog it was analyzed with. Registration and this check on one side, {@link
   * #policiesChanged} on the other, each under {@link #policyLock}: either the change finds the
   * subscription registered and closes it, or this check finds the change.
   */
  private void checkPolicies(Subscription sub) {
    if (!sub.asUser) {
      return;
    }
    String table = sub.query.table().qualifiedName();
    long changedAt;
    synchronized (policyLock) {
      changedAt = policiesChangedAt.getOrDefault(table, -1L);
    }
    if (changedAt >= sub.catalogVersion) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot subscribe to %s: its row policies changed while the subscription was set up;"
              + " subscribe again",
          table);
    }
  }

  /**
   * Waits until the dispatcher has matched every change handed to it before this call, and so
   * applied every membership change acknowledged before it (the server hands a command to the
   * dispatcher before acknowledging it): a barrier in the handoff queue.
   */
  private void awaitDispatcher(Subscription sub) {
    awaitingDispatcher.incrementAndGet();
    try {
      awaitDispatcher("subscribe to " + sub.query.table().qualifiedName(), "the subscription's");
    } finally {
      awaitingDispatcher.decrementAndGet();
    }
  }

  /**
   * The barrier of {@link #awaitDispatcher(Subscription)} for any reader of a store view that is
   * then judged by the dispatcher's memberships ({@code action}: what fails if it is not reached,
   * {@code whose}: whose snapshot the message names).
   */
  private void awaitDispatcher(String action, String whose) {
    CountDownLatch reached = new CountDownLatch(1);
    long timeout = config.snapshotStallTimeout().toMillis();
    try {
      if (!handoffs.offer(new Handoff(List.of(), time.nanoTime(), reached), timeout, MILLIS)
          || !reachedBeforeClose(reached, timeout)) {
        throw TributaryException.of(
            ErrorCode.UNAVAILABLE,
            "Cannot %s: the live dispatcher did not reach %s snapshot within %d s; subscribe"
                + " again",
            action,
            whose,
            config.snapshotStallTimeout().toSeconds());
      }
      if (overflowing) {
        // Changes were lost (a membership change may be among them): closeLostRanges reloads the
        // memberships and closes this subscription with the others that read them.
        throw TributaryException.of(
            ErrorCode.UNAVAILABLE,
            "Cannot %s: the server could not keep up with the changes; subscribe again",
            action);
      }
    } catch (InterruptedException e) {
      throw interrupted();
    }
  }

  /** Waits for a barrier; false after {@code timeoutMillis} or once the hub is closed. */
  private boolean reachedBeforeClose(CountDownLatch reached, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (reached.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS)) {
        return true;
      }
    }
    return false;
  }

  /** How many set-ups are waiting for the dispatcher (tests). */
  int awaitingDispatcher() {
    return awaitingDispatcher.get();
  }

  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;

  private void setUp(Subscription sub) {
    LiveQuery q = sub.query;
    TableDef table = q.table();
    checkPolicies(sub);
    put(sub, encoder.subscribed(q));
    long highWater;
    long[] highWaters = null;
    if (q.resumes()) {
      highWater = hot.highWater(table, q.range());
      if (q.fromSeq() < highWater) {
        // Only a resume with changes to replay needs the log to hold its position: a quiet range's
        // subscriber resumes even after the write topic was truncated past it.
        replay.check(table, q.range(), q.fromSeq());
        replay.replay(
            table,
            q.range(),
            q.fromSeq(),
            highWater,
            change -> {
              List<Event> events = sub.replayed(change);
              for (Event e : events) {
                put(sub, e);
              }
              if (!events.isEmpty()) {
                sub.sentDuringSetup(change.seq(), events.size());
              }
            });
      }
    } else {
      SnapshotEnd end = sendSnapshot(sub);
      highWater = end.highWater();
      highWaters = end.highWaters();
      if (sub.closed()) {
        return; // killed, or its stream went away, while its snapshot was sent
      }
    }
    put(sub, encoder.ready(highWater));
    if (!sub.goLive(highWater, highWaters)) {
      if (sub.membershipChangedInSetup()) {
        closeWithError(
            sub,
            TributaryException.of(
                ErrorCode.UNAVAILABLE,
                "Cannot continue subscription %s: a membership its row policy reads changed while"
                    + " its snapshot was sent; subscribe again",
                sub.id));
      } else {
        closeSlow(sub);
      }
    }
  }

  /**
   * Sends a subscription's snapshot as InitialRows batches and returns its high-water mark.
   *
   * <p>A SUBSCRIBE or a live SELECT without ORDER BY or LIMIT streams its snapshot: rows go out in
   * the store's key order, and each batch is read from the store's point-in-time view only once the
   * stream has room for it ({@link LiveStream#awaitRoom}), so the server holds about two batches of
   * it (one going out, one waiting), however large the range. The others need every matching row
   * before the first goes out (to pick the last n, to sort, to fill a window): they read the view
   * to the end, close it, then send what they hold, paced the same way.
   */
  private SnapshotEnd sendSnapshot(Subscription sub) {
    LiveQuery q = sub.query;
    SnapshotPacer pacer =
        new SnapshotPacer(
            sub.stream,
            sub::closed,
            q.table().qualifiedName(),
            config.snapshotStallTimeout(),
            config.snapshotMaxDuration(),
            time);
    if (!q.windowed() && q.order().isEmpty() && q.lastRows() < 0) {
      try (CountedCursor cursor = openSnapshot(sub)) {
        sendRows(sub, pacer, new Matching(cursor, q.predicate()));
        return new SnapshotEnd(cursor.highWater(), cursor.highWaters());
      }
    }
    List<Object[]> rows;
    long highWater;
    long[] highWaters;
    try (CountedCursor cursor = openSnapshot(sub)) {
      if (q.windowed()) {
        rows = sub.loadWindow(() -> cursor);
      } else if (q.lastRows() >= 0) {
        rows = lastRows(new Matching(cursor, q.predicate()), q);
      } else {
        rows = new ArrayList<>();
        new Matching(cursor, q.predicate()).forEachRemaining(rows::add);
        rows.sort(q.rowOrder());
      }
      highWater = cursor.highWater();
      highWaters = cursor.highWaters();
    }
    sendRows(sub, pacer, rows.iterator());
    return new SnapshotEnd(highWater, highWaters);
  }

  /**
   * Where a snapshot ends: its high-water mark, and for a query over every partition ({@link
   * LiveQuery#spread()}) each partition's, indexed by partition (the one mark is then -1), else
   * null.
   */
  private record SnapshotEnd(long highWater, long[] highWaters) {}

  /** Opens a snapshot's view of the subscription's range, counted in the metrics until closed. */
  private CountedCursor openSnapshot(Subscription sub) {
    HotCursor cursor =
        sub.query.spread()
            // Every partition's view, all taken now (before the membership barrier below).
            ? new SpreadCursor(hot.openPartitions(sub.query.table()))
            // A filter that fixes the primary key (or its first columns) reads only those rows: a
            // seek.
            // The query's own WHERE may prune a cold tier's scan; a row policy's never does
            // (its rows are matched after the merge, as a SELECT's).
            : hot.open(
                sub.query.table(),
                sub.query.range(),
                sub.query.keyPrefix(),
                sub.query.policy() == null ? sub.query.whereSql() : null);
    metrics.snapshotOpened();
    CountedCursor counted = new CountedCursor(cursor, metrics);
    if (Subscription.membershipPoliced(sub.query)) {
      // The rows are matched with the dispatcher's membership: it must hold every membership
      // change acknowledged before a row of the view was written, or a member removed before a
      // message would receive it in the snapshot. The view is open, so the wait starts after it.
      try {
        awaitDispatcher(sub);
      } catch (RuntimeException e) {
        counted.close();
        throw e;
      }
    }
    return counted;
  }

  /**
   * Sends rows as InitialRows batches of the subscription's batch size (one empty batch when there
   * are none), reading each batch from {@code rows} only once the stream has room for it. Stops
   * early, quietly, when the subscription is closed meanwhile.
   */
  private void sendRows(Subscription sub, SnapshotPacer pacer, Iterator<Object[]> rows) {
    LiveQuery q = sub.query;
    int batch = q.batchSize();
    do {
      if (!pacer.awaitRoom()) {
        return;
      }
      List<Object[]> taken = new ArrayList<>(Math.min(batch, 1024));
      for (int i = 0; i < batch && rows.hasNext(); i++) {
        taken.add(rows.next());
      }
      byte[] body = encoder.initialRows(q, taken, rows.hasNext());
      if (!pacer.put(new Event(sub.head(), body))) {
        return;
      }
    } while (rows.hasNext());
  }

  /**
   * The last {@code n} matching rows by {@code _seq} ({@code last_rows = n}), holding at most n
   * rows while reading: in {@code _seq} order, or in the store's key order when every matching row
   * is among them.
   */
  private static List<Object[]> lastRows(Iterator<Object[]> matching, LiveQuery q) {
    int seqIndex = q.table().columns().size();
    long n = q.lastRows();
    Comparator<Object[]> bySeq = Comparator.comparingLong(r -> (Long) r[seqIndex]);
    // Each held row with its arrival index (its place in key order) in a min-heap by _seq.
    PriorityQueue<Object[][]> newest = new PriorityQueue<>((a, b) -> bySeq.compare(a[0], b[0]));
    long arrived = 0;
    while (matching.hasNext()) {
      Object[] row = matching.next();
      Object[][] held = {row, {arrived++}};
      if (newest.size() < n) {
        newest.add(held);
      } else if (n > 0 && bySeq.compare(row, newest.peek()[0]) > 0) {
        newest.poll();
        newest.add(held);
      }
    }
    List<Object[][]> kept = new ArrayList<>(newest);
    if (arrived <= n) {
      kept.sort(Comparator.comparingLong(h -> (Long) h[1][0]));
    } else {
      kept.sort((a, b) -> bySeq.compare(a[0], b[0]));
    }
    List<Object[]> rows = new ArrayList<>(kept.size());
    for (Object[][] h : kept) {
      rows.add(h[0]);
    }
    return rows;
  }

  /** The rows of a cursor that match a predicate, read one ahead. */
  private static final class Matching implements Iterator<Object[]> {
    private final Iterator<Object[]> rows;
    private final RowPredicate predicate;
    private Object[] next;

    Matching(Iterator<Object[]> rows, RowPredicate predicate) {
      this.rows = rows;
      this.predicate = predicate;
    }

    @Override
    public boolean hasNext() {
      while (next == null && rows.hasNext()) {
        Object[] row = rows.next();
        if (predicate.test(row)) {
          next = row;
        }
      }
      return next != null;
    }

    @Override
    public Object[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException("Cannot read past the last matching row");
      }
      Object[] row = next;
      next = null;
      return row;
    }
  }

  /** A snapshot's cursor that counts the rows it reads, and the open views, in the metrics. */
  private static final class CountedCursor implements HotCursor {
    private final HotCursor cursor;
    private final LiveMetrics metrics;
    private boolean closed;

    CountedCursor(HotCursor cursor, LiveMetrics metrics) {
      this.cursor = cursor;
      this.metrics = metrics;
    }

    @Override
    public boolean hasNext() {
      return cursor.hasNext();
    }

    @Override
    public Object[] next() {
      Object[] row = cursor.next();
      metrics.snapshotRowsRead(1);
      return row;
    }

    @Override
    public long highWater() {
      return cursor.highWater();
    }

    /** Each partition's high-water mark for a query over every partition, else null. */
    long[] highWaters() {
      return cursor instanceof SpreadCursor spread ? spread.highWaters() : null;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          cursor.close();
        } finally {
          metrics.snapshotClosed();
        }
      }
    }
  }

  private void put(Subscription sub, byte[] body) {
    put(sub, new Event(sub.head(), body));
  }

  private void put(Subscription sub, Event event) {
    try {
      if (!sub.stream.put(event, config.snapshotStallTimeout().toMillis())) {
        throw TributaryException.of(
            ErrorCode.SUBSCRIBER_TOO_SLOW,
            "Cannot subscribe to %s: the client read nothing for %d s while the subscription was"
                + " set up",
            sub.query.table().qualifiedName(),
            config.snapshotStallTimeout().toSeconds());
      }
    } catch (InterruptedException e) {
      throw interrupted();
    }
  }

  private static TributaryException interrupted() {
    Thread.currentThread().interrupt();
    return TributaryException.of(ErrorCode.UNAVAILABLE, "Cannot subscribe: interrupted");
  }

  @Override
  public void unsubscribe(StreamOwner caller, String streamId, String subscriptionId) {
    LiveStream stream = stream(caller, streamId, "remove a subscription");
    Subscription sub = stream.subscriptions.get(subscriptionId);
    if (sub == null) {
      throw TributaryException.of(
          ErrorCode.LIVE_QUERY_NOT_FOUND,
          "Cannot remove subscription %s: it is not open on stream %s",
          subscriptionId,
          streamId);
    }
    unregister(sub);
  }

  @Override
  public void kill(String subscriptionId) {
    Subscription sub = subscriptions.get(subscriptionId);
    if (sub == null) {
      throw TributaryException.of(
          ErrorCode.LIVE_QUERY_NOT_FOUND,
          "Cannot kill live query %s: no such subscription is open",
          subscriptionId);
    }
    closeWithError(
        sub,
        TributaryException.of(
            ErrorCode.LIVE_QUERY_KILLED,
            "Cannot continue subscription %s: it was killed by an administrator",
            subscriptionId));
  }

  @Override
  public List<Object[]> systemLiveRows(String userId, Role role) {
    List<Object[]> rows = new ArrayList<>();
    for (Subscription s : subscriptions.values()) {
      if (Authorizer.maySeeAccount(role, userId, s.userId)) {
        rows.add(
            new Object[] {
              s.id,
              s.user,
              s.query.table().qualifiedName(),
              s.query.whereSql(),
              s.openedAtMillis,
              s.delivered(),
              s.lastSeq()
            });
      }
    }
    return rows;
  }

  private LiveStream stream(StreamOwner caller, String streamId, String action) {
    LiveStream stream = streams.get(streamId);
    if (stream == null
        || stream.oneShot()
        || !stream.owner().userId().equals(caller.userId())
        || stream.cancelled()) {
      throw TributaryException.of(
          ErrorCode.LIVE_QUERY_NOT_FOUND,
          "Cannot %s: stream %s is not open for user %s",
          action,
          streamId,
          caller.user());
    }
    return stream;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The snapshot is sent from another thread: a transport such as gRPC delivers the stream's
   * readiness callbacks on the thread of the call that opened it, so waiting there for the client
   * to read would never end.
   */
  @Override
  public void subscribeOneShot(String streamId, Action.Subscribe action) {
    LiveStream stream = streams.get(streamId);
    if (stream == null || !stream.oneShot() || !stream.subscriptions.isEmpty()) {
      throw TributaryException.of(
          ErrorCode.LIVE_QUERY_NOT_FOUND, "Cannot subscribe: stream %s is not open", streamId);
    }
    Subscription sub = newSubscription(stream, action);
    register(sub);
    setups.execute(
        () -> {
          try {
            setUp(sub);
          } catch (TributaryException e) {
            unregister(sub);
            endOneShot(streamId, new Event(sub.head(), encoder.error(e, -1)));
          } catch (RuntimeException e) {
            LOG.error("Setting up a subscription failed unexpectedly", e);
            unregister(sub);
            endOneShot(
                streamId,
                new Event(
                    sub.head(),
                    encoder.error(
                        TributaryException.of(
                            ErrorCode.INTERNAL,
                            "Cannot subscribe: internal error (see server log)"),
                        -1)));
          }
        });
  }

  @Override
  public void failOneShot(String streamId) {
    endOneShot(streamId, null);
  }

  /** Ends a one-shot stream, with {@code last} as its final event (or cancelled, without). */
  private void endOneShot(String streamId, Event last) {
    LiveStream stream = streams.remove(streamId);
    if (stream != null) {
      for (Subscription s : List.copyOf(stream.subscriptions.values())) {
        unregister(s);
      }
      if (last != null) {
        stream.complete(last);
      } else {
        stream.markCancelled();
      }
    }
  }

  /**
   * The one shared list equal to {@code query.columns()}. Projections are few (they are lists of a
   * table's column indexes), so they are kept for the hub's lifetime.
   */
  private List<Integer> projection(LiveQuery query) {
    return projections.computeIfAbsent(query.columns(), c -> c);
  }

  private void register(Subscription sub) {
    synchronized (index) {
      index.add(sub);
    }
    synchronized (policyLock) {
      subscriptions.put(sub.id, sub);
    }
    perUser.merge(sub.userId, 1, Integer::sum);
    sub.stream.subscriptions.put(sub.id, sub);
  }

  private void unregister(Subscription sub) {
    synchronized (index) {
      index.remove(sub);
    }
    if (subscriptions.remove(sub.id) != null) {
      perUser.computeIfPresent(sub.userId, (u, n) -> n == 1 ? null : n - 1);
    }
    sub.stream.subscriptions.remove(sub.id);
    sub.close();
  }

  /**
   * {@inheritDoc}
   *
   * <p>A dropped account's subscriptions include those a service opened with EXECUTE AS USER. Each
   * subscription receives an UNAUTHENTICATED error, then each stream a stream-level one, and ends.
   * Called on the catalog's reader thread.
   */
  @Override
  public void accountChanged(UserDef before, UserDef after) {
    if (before == null) {
      return;
    }
    boolean dropped = after == null || !after.id().equals(before.id());
    if (!dropped && after.credentialVersion() <= before.credentialVersion()) {
      return;
    }
    TributaryException error =
        dropped
            ? TributaryException.of(
                ErrorCode.UNAUTHENTICATED,
                "Cannot continue the live query: user %s was dropped",
                before.name())
            : TributaryException.of(
                ErrorCode.UNAUTHENTICATED,
                "Cannot continue the live query: the password of user %s changed; log in again",
                before.name());
    long revokedBelow = dropped ? Long.MAX_VALUE : after.credentialVersion();
    for (LiveStream stream : List.copyOf(streams.values())) {
      StreamOwner owner = stream.owner();
      if (owner.userId().equals(before.id()) && owner.credentialVersion() < revokedBelow) {
        endStream(stream, error);
      }
    }
    if (dropped) {
      for (Subscription sub : List.copyOf(subscriptions.values())) {
        if (sub.userId.equals(before.id())) {
          closeWithError(sub, error);
        }
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each open subscription of role {@code user} to the table (those services opened with EXECUTE
   * AS USER included) receives UNAVAILABLE, to subscribe again under the table's policies as they
   * are now. Called on the catalog's reader thread.
   */
  @Override
  public void policiesChanged(String qualifiedTable, long catalogOffset) {
    List<Subscription> open;
    synchronized (policyLock) {
      policiesChangedAt.merge(qualifiedTable, catalogOffset, Math::max);
      open = List.copyOf(subscriptions.values());
    }
    for (Subscription sub : open) {
      if (sub.asUser && sub.query.table().qualifiedName().equals(qualifiedTable)) {
        closeWithError(
            sub,
            TributaryException.of(
                ErrorCode.UNAVAILABLE,
                "Cannot continue subscription %s: the row policies of %s changed; subscribe again",
                sub.id,
                qualifiedTable),
            -1);
      }
    }
  }

  /** Closes a stream's subscriptions with {@code error}, then the stream with it. */
  private void endStream(LiveStream stream, TributaryException error) {
    streams.remove(stream.id());
    for (Subscription sub : List.copyOf(stream.subscriptions.values())) {
      closeWithError(sub, error);
    }
    // A no-op for a one-shot stream its subscription's error already completed.
    stream.complete(Event.of(encoder.error(error, -1)));
  }

  private void closeSlow(Subscription sub) {
    metrics.dropped();
    closeWithError(
        sub,
        TributaryException.of(
            ErrorCode.SUBSCRIBER_TOO_SLOW,
            "Cannot deliver to subscription %s: the client fell behind by more than %d events; %s",
            sub.id,
            config.streamQueueCapacity(),
            resumeAdvice(sub)));
  }

  private void closeWithError(Subscription sub, TributaryException error) {
    closeWithError(sub, error, sub.resumeSeq());
  }

  /** Closes a subscription with {@code error} and {@code last} (-1: subscribe again). */
  private void closeWithError(Subscription sub, TributaryException error, long last) {
    unregister(sub);
    Event event = new Event(sub.head(), encoder.error(error, last));
    if (sub.stream.oneShot()) {
      sub.stream.complete(event);
      streams.remove(sub.stream.id());
    } else {
      sub.stream.force(event);
    }
  }

  // ------------------------------------------------------------------ dispatching

  /** The dispatcher's scratch lists for {@link LiveStream#offerLive}. */
  private final List<Subscription> elsewhere = new ArrayList<>();

  private final List<Subscription> tooSlow = new ArrayList<>();

  /** The most handoffs the dispatcher matches before it starts the streams' drains. */
  private static final int MAX_HANDOFFS_PER_FLUSH = 64;

  private void dispatchLoop() {
    List<Subscription> candidates = new ArrayList<>();
    List<LiveStream> touched = new ArrayList<>();
    List<Handoff> batch = new ArrayList<>();
    while (!closed) {
      Handoff first;
      try {
        first = handoffs.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (first == null) {
        closeLostRanges();
        continue;
      }
      // Whatever else is already waiting is matched with it: under load the events of several
      // changes then leave in one message per stream; when idle, a change goes out alone at once.
      batch.add(first);
      handoffs.drainTo(batch, MAX_HANDOFFS_PER_FLUSH - 1);
      try {
        for (Handoff handoff : batch) {
          if (handoff.barrier() != null) {
            handoff.barrier().countDown(); // every change queued before it is matched
          } else {
            dispatch(handoff, candidates, touched);
          }
        }
      } finally {
        for (LiveStream stream : touched) {
          stream.flushPending = false;
          stream.flush();
        }
        touched.clear();
        batch.clear();
      }
      closeLostRanges();
    }
  }

  /** Queues a handoff's events on the matching streams and notes the streams in {@code touched}. */
  private void dispatch(Handoff handoff, List<Subscription> candidates, List<LiveStream> touched) {
    List<Subscription> elsewhere = this.elsewhere;
    List<Subscription> tooSlow = this.tooSlow;
    try {
      for (AppliedChange change : handoff.changes()) {
        List<Memberships.Transition> transitions = memberships.apply(change);
        if (!transitions.isEmpty()) {
          revise(transitions, handoff.nanos());
        }
        candidates.clear();
        synchronized (index) {
          index.candidates(
              change.table().id(), change.owner(), change.oldRow(), change.newRow(), candidates);
        }
        if (candidates.isEmpty() || !sameSchema(change, candidates)) {
          continue;
        }
        ChangeEncoding encoded = encoder.change(change);
        // The index keeps each stream's subscriptions together: one lock per stream and change.
        int n = candidates.size();
        for (int from = 0, to; from < n; from = to) {
          LiveStream stream = candidates.get(from).stream;
          to = from + 1;
          while (to < n && candidates.get(to).stream == stream) {
            to++;
          }
          stream.offerLive(
              candidates, from, to, change, handoff.nanos(), encoded, elsewhere, tooSlow);
          for (Subscription sub : elsewhere) {
            if (!sub.offer(change, handoff.nanos(), encoded)) {
              closeSlow(sub);
            }
          }
          for (Subscription sub : tooSlow) {
            closeSlow(sub);
          }
          elsewhere.clear();
          tooSlow.clear();
          if (!stream.flushPending) {
            stream.flushPending = true;
            touched.add(stream);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.error("Live dispatch failed for a batch of changes", e);
    }
  }

  /**
   * Dispatcher: ends the candidates of a change that were analyzed under other columns of its table
   * than the change was applied with (ALTER TABLE came between), each with SCHEMA_CHANGED and its
   * last delivered {@code _seq}: subscribing again from there resumes under the new columns (a new
   * Subscribed lists them), with no gap and no duplicate. Keeps the others in {@code candidates};
   * false when none is left.
   */
  private boolean sameSchema(AppliedChange change, List<Subscription> candidates) {
    TableDef applied = change.table();
    boolean stale = false;
    for (Subscription sub : candidates) {
      TableDef seen = sub.query.table();
      stale |= seen != applied && !seen.columns().equals(applied.columns());
    }
    if (!stale) {
      return true;
    }
    List<Subscription> kept = new ArrayList<>(candidates.size());
    for (Subscription sub : candidates) {
      TableDef seen = sub.query.table();
      if (seen == applied || seen.columns().equals(applied.columns())) {
        kept.add(sub);
      } else if (!sub.closed()) {
        closeWithError(
            sub,
            TributaryException.of(
                ErrorCode.SCHEMA_CHANGED,
                "Cannot continue subscription %s: table %s was altered (ALTER TABLE); %s",
                sub.id,
                applied.qualifiedName(),
                resumeAdvice(sub)));
      }
    }
    candidates.clear();
    candidates.addAll(kept);
    return !kept.isEmpty();
  }

  /**
   * A subscription's filter and its row policy, with membership as the dispatcher has applied it:
   * the predicate of a policed subscription's every event, snapshot row and replayed change.
   */
  record Policed(RowPredicate filter, RowPolicy policy, Memberships memberships)
      implements RowPredicate {
    @Override
    public boolean test(Object[] row) {
      return policy.allows(row, memberships) && filter.test(row);
    }
  }

  /**
   * Dispatcher: follows membership changes for the open subscriptions of the users they concern, at
   * their position in the dispatcher's order. A live subscription without a window receives an
   * insert for each row of the value the user gained that it now sees, and a delete for each row of
   * the value the user lost that its filter holds and its policy no longer allows; one with a
   * window (a live SELECT with LIMIT) is closed, to subscribe again. A subscription still sending
   * its snapshot (or replaying) is noted, and closed with UNAVAILABLE when it would go live: its
   * snapshot was read at a position that may be on either side of the change.
   *
   * <p>The dispatcher only finds the subscriptions (O(the user's subscriptions)) and holds each one
   * at this position ({@link Subscription#startRevision}: its later changes are buffered); the scan
   * of the table that finds the rows runs on the revision thread ({@link #reviseOffDispatcher}),
   * which sends the revision, then the buffered changes, and lets the subscription go live again.
   */
  private void revise(List<Memberships.Transition> transitions, long nanos) {
    for (Memberships.Transition t : transitions) {
      List<Subscription> subs = new ArrayList<>();
      synchronized (index) {
        index.policedOf(t.user(), subs);
      }
      Map<Long, List<Revision>> byTable = new LinkedHashMap<>();
      for (Subscription sub : subs) {
        if (!(sub.query.predicate() instanceof Policed policed)) {
          continue;
        }
        List<Membership> affected =
            policed.policy().memberships().stream().filter(m -> m.key().equals(t.key())).toList();
        if (affected.isEmpty()
            || sub.noteMembershipChange() // still set up: goLive closes it, to subscribe again
            || sub.closed()) {
          continue;
        }
        if (sub.query.windowed()) {
          closeWithError(
              sub,
              TributaryException.of(
                  ErrorCode.UNAVAILABLE,
                  "Cannot continue subscription %s: a membership its row policy reads changed;"
                      + " subscribe again",
                  sub.id));
          continue;
        }
        if (sub.startRevision()) {
          byTable
              .computeIfAbsent(sub.query.table().id(), id -> new ArrayList<>())
              .add(new Revision(sub, policed, affected));
        }
      }
      if (!byTable.isEmpty()) {
        List<List<Revision>> groups = List.copyOf(byTable.values());
        try {
          revisers.execute(() -> reviseOffDispatcher(t, groups, nanos));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          return; // the hub is closing
        }
      }
    }
  }

  /**
   * Revision thread: reads one membership change's revisions, one scan per table, sends each
   * subscription its revision and then the changes buffered since ({@link
   * Subscription#endRevision}).
   */
  private void reviseOffDispatcher(
      Memberships.Transition t, List<List<Revision>> groups, long nanos) {
    for (List<Revision> revisions : groups) {
      try {
        read(revisions, t);
      } catch (RuntimeException e) {
        // The revision could not be read (the store is unavailable): these subscribers resume.
        TributaryException error =
            e instanceof TributaryException te
                ? te
                : TributaryException.of(
                    ErrorCode.UNAVAILABLE,
                    "Cannot continue the subscription: a membership change could not be read");
        if (!(e instanceof TributaryException)) {
          LOG.error("Reading a membership revision failed", e);
        }
        for (Revision r : revisions) {
          closeWithError(r.sub, error, -1);
        }
        continue;
      }
      for (Revision r : revisions) {
        if (r.failure != null) {
          closeWithError(r.sub, r.failure, -1); // its filter failed on a row of the revision
          continue;
        }
        try {
          send(r, t, nanos);
          if (!r.sub.endRevision()) {
            closeSlow(r.sub);
          }
        } catch (RuntimeException e) {
          // One subscription's failure must not leave the others of this change in REVISING.
          LOG.error("Sending a membership revision to subscription {} failed", r.sub.id, e);
          closeWithError(
              r.sub,
              TributaryException.of(
                  ErrorCode.UNAVAILABLE,
                  "Cannot continue subscription %s: its membership revision could not be sent;"
                      + " subscribe again",
                  r.sub.id),
              -1);
        }
      }
    }
  }

  /** One subscription's part of one membership change: the rows that enter and leave its view. */
  private static final class Revision {
    final Subscription sub;
    final Policed policed;
    final List<Membership> affected;
    final List<Object[]> entering = new ArrayList<>();
    final List<Object[]> leaving = new ArrayList<>();
    long highWater;
    TributaryException failure;

    Revision(Subscription sub, Policed policed, List<Membership> affected) {
      this.sub = sub;
      this.policed = policed;
      this.affected = affected;
    }
  }

  /**
   * Reads the revisions of one membership change for the subscriptions of one table, in one scan of
   * the table shared by all of them.
   */
  private void read(List<Revision> revisions, Memberships.Transition t) {
    TableDef table = revisions.get(0).sub.query.table();
    if (table.partitionKey() == null) {
      read(revisions, t, null);
      return;
    }
    // A partitioned table: each subscription follows the partition of the key value it fixes,
    // so its revision is read there, with that partition's high-water mark.
    Map<String, List<Revision>> byRange = new LinkedHashMap<>();
    for (Revision r : revisions) {
      byRange.computeIfAbsent(r.sub.query.range(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Revision>> e : byRange.entrySet()) {
      read(e.getValue(), t, e.getKey());
    }
  }

  private void read(List<Revision> revisions, Memberships.Transition t, String range) {
    TableDef table = revisions.get(0).sub.query.table();
    try (HotCursor cursor = hot.open(table, range, revisionPrefix(table, revisions, t))) {
      // The view may hold rows written after a later membership change (a removal) that the
      // dispatcher has not applied yet: judge its rows only once the dispatcher's memberships are
      // at least as new as the view, as a snapshot does. Never waited for on the dispatcher.
      awaitDispatcher("revise the subscriptions of " + table.qualifiedName(), "the revision's");
      while (cursor.hasNext()) {
        Object[] row = cursor.next();
        for (Revision r : revisions) {
          boolean ofValue = false;
          for (Membership m : r.affected) {
            ofValue |= t.value().equals(row[m.rowColumn()]);
          }
          if (!ofValue || r.failure != null) {
            continue;
          }
          try {
            boolean sees = r.policed.test(row);
            if (t.added() && sees) {
              r.entering.add(row);
            } else if (!t.added() && !sees && r.policed.filter().test(row)) {
              r.leaving.add(row);
            }
          } catch (TributaryException e) {
            r.failure = e;
          }
        }
      }
      long highWater = cursor.highWater();
      for (Revision r : revisions) {
        r.highWater = highWater;
      }
    }
  }

  /**
   * The key prefix a revision reads: the membership's value when the policed table's primary key
   * starts with the column every revision's membership terms compare with it (a table keyed by
   * conversation then message reads only that conversation's rows, a seek); empty (the whole table)
   * otherwise.
   */
  private static List<Object> revisionPrefix(
      TableDef table, List<Revision> revisions, Memberships.Transition t) {
    int first = table.primaryKeyIndexes()[0];
    ColumnType.Kind kind = table.columns().get(first).type().kind();
    if (kind != ColumnType.Kind.BIGINT
        && kind != ColumnType.Kind.INT
        && kind != ColumnType.Kind.TEXT
        && kind != ColumnType.Kind.UUID) {
      return List.of(); // kinds whose stored keys are equal exactly when their values are
    }
    for (Revision r : revisions) {
      for (Membership m : r.affected) {
        if (m.rowColumn() != first
            || m.members().columns().get(m.valueColumn()).type().kind() != kind) {
          return List.of();
        }
      }
    }
    return List.of(t.value());
  }

  /** Sends one subscription its revision of one membership change; see {@link #revise}. */
  private void send(Revision r, Memberships.Transition t, long nanos) {
    Subscription sub = r.sub;
    TableDef table = sub.query.table();
    List<Membership> affected = r.affected;
    List<Object[]> entering = r.entering;
    List<Object[]> leaving = r.leaving;
    long highWater = r.highWater;
    // The view may be ahead of the dispatcher: the changes it already holds are not sent again.
    for (Membership m : affected) {
      sub.revised(m.rowColumn(), t.value(), highWater, t.added());
    }
    if (entering.isEmpty() && leaving.isEmpty()) {
      return;
    }
    // The events of a revision share one new _seq, so a client that drops repeated positions
    // takes them as one change, after every change it has seen.
    long seq = sub.revisionSeq();
    List<byte[]> bodies = new ArrayList<>();
    for (Object[] row : entering) {
      bodies.add(
          encoder
              .change(new AppliedChange(RowChange.Kind.INSERT, table, null, seq, null, row, 0))
              .insert(sub.query.columns(), row));
    }
    for (Object[] row : leaving) {
      bodies.add(
          encoder
              .change(new AppliedChange(RowChange.Kind.DELETE, table, null, seq, row, null, 0))
              .delete(sub.query.columns(), row));
    }
    if (!sub.stream.offerRevision(sub, seq, bodies, nanos)) {
      // Part of a revision cannot be resumed past: the subscriber takes a new snapshot.
      metrics.dropped();
      closeWithError(
          sub,
          TributaryException.of(
              ErrorCode.SUBSCRIBER_TOO_SLOW,
              "Cannot deliver to subscription %s: the %d events of a membership change did not fit"
                  + " in its stream's queue (%d events); subscribe again",
              sub.id,
              bodies.size(),
              config.streamQueueCapacity()),
          -1);
    } else {
      sub.stream.flush();
    }
  }

  /** Sends a heartbeat to every stream with nothing queued; runs every heartbeat interval. */
  void heartbeat() {
    Event beat = Event.of(encoder.heartbeat(time.millis()));
    for (LiveStream stream : streams.values()) {
      if (stream.queued() == 0) {
        stream.offer(beat, 0);
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    closed = true;
    dispatcher.interrupt();
    heartbeats.shutdownNow();
    setups.shutdownNow();
    revisers.shutdownNow();
    for (LiveStream stream : streams.values()) {
      stream.complete(null);
    }
    writers.shutdown();
    try {
      writers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
