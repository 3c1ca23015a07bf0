package io.tributary.server.live;

import io.grpc.stub.ServerCallStreamObserver;
import io.tributary.materializer.AppliedChange;
import io.tributary.server.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One client connection's event stream: a bounded queue in front of a gRPC server stream that is
 * written only when gRPC flow control says the client can take more ({@code isReady}). Events are
 * written by one drain task at a time on a shared executor, so no thread ever blocks on a slow
 * client. A drain sends the events waiting at that moment as one batch (up to {@link
 * #MAX_BATCH_EVENTS} events or about {@link #MAX_BATCH_BYTES} bytes), so a burst costs a few gRPC
 * messages instead of one per event, while an event that finds the queue empty goes out alone at
 * once. The events of one change ({@link #offerAll}) always go out in the same batch, even past
 * those limits, so a client knows that a change is complete at the end of a batch.
 */
final class LiveStream {
  /** The most events in one batch. */
  static final int MAX_BATCH_EVENTS = 1024;

  /**
   * A batch stops growing past this many bytes (one event larger than this still goes, alone): well
   * under gRPC's default 4 MiB limit for a received message.
   */
  static final int MAX_BATCH_BYTES = 256 * 1024;

  private final String id;
  private final Principal principal;
  private final ServerCallStreamObserver<EncodedBatch> observer;
  private final Executor executor;
  private final int capacity;
  private final LiveMetrics metrics;
  private final boolean oneShot;

  /** The events not yet written; also the monitor of the fields below it. */
  private final EventQueue queue = new EventQueue();

  private final AtomicBoolean draining = new AtomicBoolean();
  final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private volatile boolean cancelled;

  /** No event is accepted any more; the stream ends once the queue is empty. */
  private boolean completing;

  /**
   * Whether the dispatcher has queued events here and not yet started a drain (its thread only).
   */
  boolean flushPending;

  LiveStream(
      String id,
      Principal principal,
      ServerCallStreamObserver<EncodedBatch> observer,
      Executor executor,
      int capacity,
      LiveMetrics metrics,
      boolean oneShot) {
    this.id = id;
    this.principal = principal;
    this.observer = observer;
    this.executor = executor;
    this.capacity = capacity;
    this.metrics = metrics;
    this.oneShot = oneShot;
    observer.setOnReadyHandler(this::scheduleDrain);
  }

  String id() {
    return id;
  }

  Principal principal() {
    return principal;
  }

  int capacity() {
    return capacity;
  }

  boolean oneShot() {
    return oneShot;
  }

  boolean cancelled() {
    return cancelled;
  }

  void markCancelled() {
    cancelled = true;
    synchronized (queue) {
      queue.clear();
      queue.notifyAll();
    }
  }

  /** Adds an event unless the queue is full; never blocks. */
  boolean offer(EventBytes event, long handoffNanos) {
    synchronized (queue) {
      if (cancelled || completing) {
        return true; // nobody to deliver to: not the subscriber's fault
      }
      if (queue.size() >= capacity) {
        return false;
      }
      queue.add(event.head(), event.body(), handoffNanos, false);
    }
    scheduleDrain();
    return true;
  }

  /**
   * Adds one change's event of a subscription, {@code head} then {@code body}, unless the queue is
   * full; never blocks. With {@code drainNow} false the caller starts the drain later ({@link
   * #flush}), so that the events of several changes leave together.
   */
  boolean offerChange(byte[] head, byte[] body, long handoffNanos, boolean drainNow) {
    synchronized (queue) {
      if (cancelled || completing) {
        return true; // nobody to deliver to: not the subscriber's fault
      }
      if (queue.size() >= capacity) {
        return false;
      }
      queue.add(head, body, handoffNanos, false);
    }
    if (drainNow) {
      scheduleDrain();
    }
    return true;
  }

  /**
   * The dispatcher's fast path: queues one change's event for each of {@code subs[from, to)}, all
   * subscriptions of this stream, under one lock. A subscription it cannot serve this way (not
   * {@link Subscription#servedLive}) goes to {@code elsewhere}, for {@link Subscription#offer}; one
   * whose event does not fit goes to {@code tooSlow}, to be closed. Never blocks; does not start
   * the drain (see {@link #offerChange}).
   */
  void offerLive(
      List<Subscription> subs,
      int from,
      int to,
      AppliedChange change,
      long handoffNanos,
      EncodedChange encoded,
      List<Subscription> elsewhere,
      List<Subscription> tooSlow) {
    synchronized (queue) {
      boolean gone = cancelled || completing;
      for (int i = from; i < to; i++) {
        Subscription sub = subs.get(i);
        if (!sub.servedLive()) {
          elsewhere.add(sub);
          continue;
        }
        byte[] body = gone ? null : sub.liveBody(change, encoded);
        if (body == null) {
          continue; // nothing for it, or nobody to deliver to (not the subscriber's fault)
        }
        if (queue.size() >= capacity) {
          tooSlow.add(sub);
          continue;
        }
        queue.add(sub.idField(), body, handoffNanos, false);
        sub.sent(change.seq());
      }
    }
  }

  /**
   * Adds the events of one change, all or none: none when they do not all fit; never blocks. They
   * will leave in one batch. See {@link #offerChange} for {@code drainNow}.
   */
  boolean offerAll(List<EventBytes> events, long handoffNanos, boolean drainNow) {
    synchronized (queue) {
      if (cancelled || completing) {
        return true; // nobody to deliver to: not the subscriber's fault
      }
      if (queue.size() + events.size() > capacity) {
        return false;
      }
      int last = events.size() - 1;
      for (int i = 0; i <= last; i++) {
        EventBytes event = events.get(i);
        queue.add(event.head(), event.body(), handoffNanos, i < last);
      }
    }
    if (drainNow) {
      scheduleDrain();
    }
    return true;
  }

  /** Starts writing what was queued without draining. */
  void flush() {
    scheduleDrain();
  }

  /** Adds an event beyond the capacity: for the one error that closes a subscriber. */
  void force(EventBytes event) {
    synchronized (queue) {
      if (cancelled || completing) {
        return;
      }
      queue.add(event.head(), event.body(), 0, false);
    }
    scheduleDrain();
  }

  /** {@link #putPaced}: the stream was cancelled or is ending, or the caller gave up. */
  static final long GONE = -1;

  /** {@link #putPaced}: the client took nothing before the deadline. */
  static final long TIMED_OUT = -2;

  /** How often a waiting {@link #putPaced} looks whether its caller gave up. */
  private static final long ABANDON_CHECK_MILLIS = 100;

  /**
   * Waits until the stream has room for the next snapshot batch of a subscription, then adds it:
   * room means that the batch queued before it (at position {@code after}; -1 for none) has been
   * taken from the queue by a drain, and the queue is not full. A drain takes events only while
   * gRPC flow control says the client can take more ({@code isReady}), so a snapshot never has more
   * than one batch waiting here, and the caller reads the next one from the store only after the
   * previous one went out (see {@link #awaitRoom}).
   *
   * @param abandoned checked while waiting, without the stream's lock; true stops the wait
   * @return the event's position, to pass as {@code after} with the next batch; {@link #GONE} or
   *     {@link #TIMED_OUT} (at {@code deadlineNanos}, of {@link System#nanoTime()}) when not added
   */
  long putPaced(EventBytes event, long after, long deadlineNanos, BooleanSupplier abandoned)
      throws InterruptedException {
    long position;
    synchronized (queue) {
      long waited = awaitRoomLocked(after, deadlineNanos, abandoned);
      if (waited < 0) {
        return waited;
      }
      position = queue.added();
      queue.add(event.head(), event.body(), 0, false);
    }
    scheduleDrain();
    return position;
  }

  /**
   * Waits, as {@link #putPaced} does, until a batch after the one at {@code after} would be added
   * at once: so the caller reads that batch from the store only when it can go out.
   *
   * @return 0, or {@link #GONE} or {@link #TIMED_OUT}
   */
  long awaitRoom(long after, long deadlineNanos, BooleanSupplier abandoned)
      throws InterruptedException {
    synchronized (queue) {
      return awaitRoomLocked(after, deadlineNanos, abandoned);
    }
  }

  private long awaitRoomLocked(long after, long deadlineNanos, BooleanSupplier abandoned)
      throws InterruptedException {
    while (true) {
      if (cancelled || completing || abandoned.getAsBoolean()) {
        return GONE;
      }
      if (queue.taken() > after && queue.size() < capacity) {
        return 0;
      }
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return TIMED_OUT;
      }
      queue.wait(
          Math.max(1, Math.min(ABANDON_CHECK_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining))));
    }
  }

  /** Adds an event, waiting while the queue is full (snapshot and replay only). */
  boolean put(EventBytes event, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (queue) {
      while (queue.size() >= capacity && !cancelled) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        queue.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
      }
      if (cancelled || completing) {
        return !cancelled;
      }
      queue.add(event.head(), event.body(), 0, false);
    }
    scheduleDrain();
    return true;
  }

  /** Ends the stream after the queued events (with {@code last} as the final event, if any). */
  void complete(EventBytes last) {
    synchronized (queue) {
      if (cancelled || completing) {
        return;
      }
      if (last != null) {
        queue.add(last.head(), last.body(), 0, false);
      }
      completing = true;
      queue.notifyAll();
    }
    scheduleDrain();
  }

  int queued() {
    synchronized (queue) {
      return queue.size();
    }
  }

  private void scheduleDrain() {
    if (draining.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    try {
      while (true) {
        byte[][] heads = null;
        byte[][] bodies = null;
        long[] handoffs = null;
        int n = 0;
        boolean end;
        synchronized (queue) {
          if (cancelled || !observer.isReady()) {
            break;
          }
          if (!queue.isEmpty()) {
            n = queue.batchLength(MAX_BATCH_EVENTS, MAX_BATCH_BYTES);
            heads = new byte[n][];
            bodies = new byte[n][];
            handoffs = new long[n];
            queue.take(n, heads, bodies, handoffs);
            queue.notifyAll();
          }
          end = completing && queue.isEmpty();
          if (n == 0 && !end) {
            break;
          }
        }
        try {
          if (n > 0) {
            // Encoded outside the lock: the dispatcher keeps queuing meanwhile.
            observer.onNext(EncodedBatch.of(heads, bodies, n));
            metrics.delivered(handoffs, n);
          }
          if (end) {
            observer.onCompleted();
            cancelled = true;
            return;
          }
        } catch (RuntimeException e) {
          // The call was cancelled or closed under us: nothing more to deliver.
          markCancelled();
          return;
        }
      }
    } finally {
      draining.set(false);
    }
    // An event or a readiness change may have arrived between the check and the reset.
    boolean more;
    synchronized (queue) {
      more = !cancelled && (!queue.isEmpty() || completing) && observer.isReady();
    }
    if (more) {
      scheduleDrain();
    }
  }

  /**
   * A ring of events: parallel arrays, so queuing an event allocates nothing. Grows as needed and
   * shrinks back when emptied after a backlog. Guarded by its own monitor (the stream's lock).
   */
  private static final class EventQueue {
    private static final int INITIAL = 16;

    /** A ring longer than this is dropped once empty, so a past backlog does not hold memory. */
    private static final int KEEP = 4096;

    private byte[][] heads = new byte[INITIAL][];
    private byte[][] bodies = new byte[INITIAL][];
    private long[] handoffs = new long[INITIAL];

    /** Whether the next event belongs to the same change (they must leave in one batch). */
    private boolean[] joined = new boolean[INITIAL];

    private int first;
    private int size;

    /** Events ever added and ever taken: an event added at position p has left once taken > p. */
    private long added;

    private long taken;

    int size() {
      return size;
    }

    long added() {
      return added;
    }

    long taken() {
      return taken;
    }

    boolean isEmpty() {
      return size == 0;
    }

    /**
     * @param joinedToNext whether the event that is added next belongs to the same change
     */
    void add(byte[] head, byte[] body, long handoffNanos, boolean joinedToNext) {
      if (size == heads.length) {
        grow();
      }
      int i = (first + size) & (heads.length - 1);
      heads[i] = head;
      bodies[i] = body;
      handoffs[i] = handoffNanos;
      joined[i] = joinedToNext;
      size++;
      added++;
    }

    /**
     * How many events from the front make the next batch: at most {@code maxEvents} and, past the
     * first, while their bytes stay under {@code maxBytes}; but a batch never ends inside a change,
     * so the rest of a change whose first event is in comes along past either limit.
     */
    int batchLength(int maxEvents, int maxBytes) {
      int mask = heads.length - 1;
      int n = 0;
      int bytes = 0;
      while (n < size) {
        int i = (first + n) & mask;
        boolean insideChange = n > 0 && joined[(i - 1) & mask];
        if (n > 0 && !insideChange && (n >= maxEvents || bytes >= maxBytes)) {
          break;
        }
        bytes += EncodedBatch.framedSize(heads[i].length + bodies[i].length);
        n++;
      }
      return n;
    }

    /** Removes the first {@code n} events, copying them into the arrays given. */
    void take(int n, byte[][] intoHeads, byte[][] intoBodies, long[] intoHandoffs) {
      int mask = heads.length - 1;
      for (int k = 0; k < n; k++) {
        int i = first;
        intoHeads[k] = heads[i];
        intoBodies[k] = bodies[i];
        intoHandoffs[k] = handoffs[i];
        heads[i] = null;
        bodies[i] = null;
        first = (first + 1) & mask;
        size--;
      }
      taken += n;
      if (size == 0) {
        first = 0;
        if (heads.length > KEEP) {
          clear();
        }
      }
    }

    /** Drops every event (the counts of {@link #added} and {@link #taken} stay). */
    void clear() {
      heads = new byte[INITIAL][];
      bodies = new byte[INITIAL][];
      handoffs = new long[INITIAL];
      joined = new boolean[INITIAL];
      first = 0;
      size = 0;
    }

    private void grow() {
      int n = heads.length;
      byte[][] h = new byte[n * 2][];
      byte[][] b = new byte[n * 2][];
      long[] t = new long[n * 2];
      boolean[] j = new boolean[n * 2];
      for (int k = 0; k < size; k++) {
        int i = (first + k) & (n - 1);
        h[k] = heads[i];
        b[k] = bodies[i];
        t[k] = handoffs[i];
        j[k] = joined[i];
      }
      heads = h;
      bodies = b;
      handoffs = t;
      joined = j;
      first = 0;
    }
  }
}
