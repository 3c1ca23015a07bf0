package io.tributary.live.internal;

import io.tributary.live.EventEncoder;
import io.tributary.live.EventEncoder.ChangeEncoding;
import io.tributary.live.Sink;
import io.tributary.live.StreamOwner;
import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One client connection's event stream: a bounded queue in front of its {@link Sink}, which is
 * written only when the sink's flow control says the client can take more ({@code isReady}). Events
 * are written by one drain task at a time on a shared executor, so no thread ever blocks on a slow
 * client. A drain sends the events waiting at that moment as one batch (up to {@link
 * #MAX_BATCH_EVENTS} events or about {@link #MAX_BATCH_BYTES} bytes), so a burst costs a few
 * messages instead of one per event, while an event that finds the queue empty goes out alone at
 * once. The events of one change always go out in the same batch, even past those limits, so a
 * client knows that a change is complete at the end of a batch.
 *
 * <p>Every change reaches the queue one way, {@link #addChangeLocked}: from the dispatcher's fast
 * path ({@link #offerLive}) or from a subscription that holds its own lock ({@link #offerChange}).
 *
 * <p>Lifecycle ({@link State#isValidTransition}): OPEN (events are accepted) → COMPLETING (the
 * stream ends once its queue is written) → CLOSED; OPEN → CLOSED when the client goes away.
 */
final class LiveStream {
  /** The states of a stream; see the class comment. */
  enum State {
    OPEN,
    COMPLETING,
    CLOSED;

    /** Whether a stream may move from this state to {@code next}. */
    boolean isValidTransition(State next) {
      return switch (this) {
        case OPEN -> next == COMPLETING || next == CLOSED;
        case COMPLETING -> next == CLOSED;
        case CLOSED -> false;
      };
    }
  }

  /** What became of a change offered to a subscription. */
  enum Outcome {
    /** Its events were queued. */
    SENT,
    /** It means nothing for the subscription, or nobody is left to deliver to. */
    NONE,
    /** Its events do not fit: the subscriber cannot keep up and must be closed. */
    FULL
  }

  /** The most events in one batch. */
  static final int MAX_BATCH_EVENTS = 1024;

  /**
   * A batch stops growing past this many bytes (one event larger than this still goes, alone): well
   * under the 4 MiB a gRPC client takes in one message by default.
   */
  static final int MAX_BATCH_BYTES = 256 * 1024;

  private final String id;
  private final StreamOwner owner;
  private final Sink sink;
  private final EventEncoder encoder;
  private final Executor executor;
  private final int capacity;
  private final LiveMetrics metrics;
  private final TimeSource time;
  private final boolean oneShot;

  /** The events not yet written; also the monitor of the fields below it. */
  private final EventQueue queue = new EventQueue();

  /** A change's bodies for one subscription, while they are queued (under the queue's lock). */
  private final List<byte[]> bodies = new ArrayList<>(4);

  private final AtomicBoolean draining = new AtomicBoolean();
  final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

  /** Written under the queue's lock ({@link #transitionTo}); read anywhere. */
  private volatile State state = State.OPEN;

  /**
   * Whether the dispatcher has queued events here and not yet started a drain (its thread only).
   */
  boolean flushPending;

  LiveStream(
      String id,
      StreamOwner owner,
      Sink sink,
      EventEncoder encoder,
      Executor executor,
      int capacity,
      LiveMetrics metrics,
      TimeSource time,
      boolean oneShot) {
    this.id = id;
    this.owner = owner;
    this.sink = sink;
    this.encoder = encoder;
    this.executor = executor;
    this.capacity = capacity;
    this.metrics = metrics;
    this.time = time;
    this.oneShot = oneShot;
    sink.onReady(this::scheduleDrain);
  }

  String id() {
    return id;
  }

  StreamOwner owner() {
    return owner;
  }

  int capacity() {
    return capacity;
  }

  boolean oneShot() {
    return oneShot;
  }

  /** Whether the client went away (or the stream ended): nothing is written any more. */
  boolean cancelled() {
    return state == State.CLOSED;
  }

  State state() {
    return state;
  }

  /** Under the queue's lock. */
  private void transitionTo(State next) {
    if (!state.isValidTransition(next)) {
      throw new IllegalStateException(
          "Cannot transition live stream " + id + " from " + state + " to " + next);
    }
    state = next;
  }

  void markCancelled() {
    synchronized (queue) {
      if (state != State.CLOSED) {
        transitionTo(State.CLOSED);
      }
      queue.clear();
      queue.notifyAll();
    }
  }

  /** Adds an event unless the queue is full; never blocks. */
  boolean offer(Event event, long handoffNanos) {
    synchronized (queue) {
      if (state != State.OPEN) {
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
   * Queues the events a change means for {@code sub}, all or none, from a caller that holds the
   * subscription's lock; never blocks. With {@code drainNow} false the caller starts the drain
   * later ({@link #flush}), so that the events of several changes leave together.
   *
   * @return false when they do not fit (the subscriber must be closed)
   */
  boolean offerChange(
      Subscription sub,
      AppliedChange change,
      ChangeEncoding encoding,
      long handoffNanos,
      boolean drainNow) {
    Outcome outcome;
    synchronized (queue) {
      outcome = addChangeLocked(sub, change, encoding, handoffNanos);
    }
    if (drainNow && outcome == Outcome.SENT) {
      scheduleDrain();
    }
    return outcome != Outcome.FULL;
  }

  /**
   * The dispatcher's fast path: queues one change's events for each of {@code subs[from, to)}, all
   * subscriptions of this stream, under one lock. A subscription it cannot serve this way (not
   * {@link Subscription#servedLive}) goes to {@code elsewhere}, for {@link Subscription#offer}; one
   * whose events do not fit goes to {@code tooSlow}, to be closed. Never blocks; does not start the
   * drain (see {@link #offerChange}).
   */
  void offerLive(
      List<Subscription> subs,
      int from,
      int to,
      AppliedChange change,
      long handoffNanos,
      ChangeEncoding encoding,
      List<Subscription> elsewhere,
      List<Subscription> tooSlow) {
    synchronized (queue) {
      for (int i = from; i < to; i++) {
        Subscription sub = subs.get(i);
        if (!sub.servedLive()) {
          elsewhere.add(sub);
        } else if (addChangeLocked(sub, change, encoding, handoffNanos) == Outcome.FULL) {
          tooSlow.add(sub);
        }
      }
    }
  }

  /**
   * The one way a change reaches the queue (under its lock): the subscription turns it into its
   * events ({@link Subscription#bodies}: none when already applied or outside its view), which are
   * queued together, joined so that they leave in one batch, or not at all; then the subscription
   * records them as sent.
   */
  private Outcome addChangeLocked(
      Subscription sub, AppliedChange change, ChangeEncoding encoding, long handoffNanos) {
    if (state != State.OPEN) {
      return Outcome.NONE; // nobody to deliver to: not the subscriber's fault
    }
    List<byte[]> out = bodies;
    sub.bodies(change, encoding, out);
    int n = out.size();
    if (n == 0) {
      return Outcome.NONE;
    }
    if (queue.size() + n > capacity) {
      out.clear();
      return Outcome.FULL;
    }
    byte[] head = sub.head();
    for (int i = 0; i < n; i++) {
      queue.add(head, out.get(i), handoffNanos, i < n - 1);
    }
    out.clear();
    sub.sent(change.seq(), n);
    return Outcome.SENT;
  }

  /**
   * Queues the events a membership change means for a live subscription (inserts of rows it now
   * sees, deletes of rows it no longer sees), together or not at all, as the change {@code seq}
   * ({@link Subscription#revisionSeq}). Dispatcher only; does not start the drain.
   *
   * @return false when they do not fit (the subscriber must be closed)
   */
  boolean offerRevision(Subscription sub, long seq, List<byte[]> revision, long handoffNanos) {
    synchronized (queue) {
      if (state != State.OPEN || sub.closed()) {
        return true;
      }
      int n = revision.size();
      if (queue.size() + n > capacity) {
        return false;
      }
      byte[] head = sub.head();
      for (int i = 0; i < n; i++) {
        queue.add(head, revision.get(i), handoffNanos, false);
      }
      sub.sent(seq, n);
      return true;
    }
  }

  /** Starts writing what was queued without draining. */
  void flush() {
    scheduleDrain();
  }

  /** Adds an event beyond the capacity: for the one error that closes a subscriber. */
  void force(Event event) {
    synchronized (queue) {
      if (state != State.OPEN) {
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
   * taken from the queue by a drain, and the queue is not full. A drain takes events only while the
   * sink's flow control says the client can take more ({@code isReady}), so a snapshot never has
   * more than one batch waiting here, and the caller reads the next one from the store only after
   * the previous one went out (see {@link #awaitRoom}).
   *
   * @param abandoned checked while waiting, without the stream's lock; true stops the wait
   * @return the event's position, to pass as {@code after} with the next batch; {@link #GONE} or
   *     {@link #TIMED_OUT} (at {@code deadlineNanos}, of the hub's {@link TimeSource#nanoTime()})
   *     when not added
   */
  long putPaced(Event event, long after, long deadlineNanos, BooleanSupplier abandoned)
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
      if (state != State.OPEN || abandoned.getAsBoolean()) {
        return GONE;
      }
      if (queue.taken() > after && queue.size() < capacity) {
        return 0;
      }
      long remaining = deadlineNanos - time.nanoTime();
      if (remaining <= 0) {
        return TIMED_OUT;
      }
      queue.wait(
          Math.max(1, Math.min(ABANDON_CHECK_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining))));
    }
  }

  /** Adds an event, waiting while the queue is full (snapshot and replay only). */
  boolean put(Event event, long timeoutMillis) throws InterruptedException {
    long deadline = time.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (queue) {
      while (queue.size() >= capacity && state != State.CLOSED) {
        long remaining = deadline - time.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        queue.wait(
            Math.max(1, Math.min(ABANDON_CHECK_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining))));
      }
      if (state != State.OPEN) {
        return state != State.CLOSED;
      }
      queue.add(event.head(), event.body(), 0, false);
    }
    scheduleDrain();
    return true;
  }

  /** Ends the stream after the queued events (with {@code last} as the final event, if any). */
  void complete(Event last) {
    synchronized (queue) {
      if (state != State.OPEN) {
        return;
      }
      if (last != null) {
        queue.add(last.head(), last.body(), 0, false);
      }
      transitionTo(State.COMPLETING);
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
          if (state == State.CLOSED || !sink.isReady()) {
            break;
          }
          if (!queue.isEmpty()) {
            n = queue.batchLength(MAX_BATCH_EVENTS, MAX_BATCH_BYTES, encoder);
            heads = new byte[n][];
            bodies = new byte[n][];
            handoffs = new long[n];
            queue.take(n, heads, bodies, handoffs);
            queue.notifyAll();
          }
          end = state == State.COMPLETING && queue.isEmpty();
          if (n == 0 && !end) {
            break;
          }
        }
        try {
          if (n > 0) {
            // Framed outside the lock: the dispatcher keeps queuing meanwhile.
            sink.send(heads, bodies, n);
            metrics.delivered(handoffs, n);
          }
          if (end) {
            sink.complete();
            synchronized (queue) {
              if (state != State.CLOSED) {
                transitionTo(State.CLOSED);
              }
            }
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
      more =
          state != State.CLOSED
              && (!queue.isEmpty() || state == State.COMPLETING)
              && sink.isReady();
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
    int batchLength(int maxEvents, int maxBytes, EventEncoder framing) {
      int mask = heads.length - 1;
      int n = 0;
      int bytes = 0;
      while (n < size) {
        int i = (first + n) & mask;
        boolean insideChange = n > 0 && joined[(i - 1) & mask];
        if (n > 0 && !insideChange && (n >= maxEvents || bytes >= maxBytes)) {
          break;
        }
        bytes += framing.framedSize(heads[i].length + bodies[i].length);
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
