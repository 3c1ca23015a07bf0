package io.tributary.server.live;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.live.LiveWindow;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One live subscription. Lifecycle: SNAPSHOT (changes that arrive meanwhile are buffered, at most
 * the stream's queue capacity of them; past that the subscription is closed as too slow once its
 * snapshot is sent, with the snapshot's high-water mark to resume from) → LIVE (changes go straight
 * to the stream) → CLOSED. A change is applied only if its {@code _seq} is larger than the last one
 * applied, which removes both the overlap with the snapshot and the duplicates a replayed Kafka
 * Streams transaction can produce.
 *
 * <p>A change becomes zero or more events, all carrying its {@code _seq}: one insert, update or
 * delete for a SUBSCRIBE or a live SELECT without LIMIT (an update that enters or leaves the filter
 * is an insert or a delete); for a live SELECT with LIMIT, a delete for each row that leaves the
 * window, an update if the changed row stays in it, and an insert for each row that enters it, in
 * that order (so the subscriber never holds more than LIMIT rows). The events of one change are
 * queued together or not at all.
 *
 * <p>Threads: the hub's dispatcher thread delivers changes; the setup thread delivers the ones
 * buffered during the snapshot when it goes live. A LIVE subscription without a window is served by
 * the dispatcher without this lock, under its stream's lock ({@link #servedLive}, {@link
 * #liveBody}, {@link #sent}): once LIVE, only the dispatcher writes its positions, and whoever
 * closes it sets CLOSED before queuing its final event on the stream, so nothing the dispatcher
 * queues can follow that event.
 */
final class Subscription {
  enum State {
    SNAPSHOT,
    LIVE,
    CLOSED
  }

  private record Pending(AppliedChange change, long handoffNanos) {}

  final String id;
  final LiveStream stream;
  final LiveQuery query;

  /**
   * The id of the account the subscription acts as (EXECUTE AS USER: that user's, not the
   * caller's).
   */
  final String userId;

  /** That account's name, for system.live. */
  final String user;

  final long openedAtMillis;

  /** The id field every event of this subscription starts with. */
  private final byte[] idField;

  /** {@code query.columns()}, the same list object as every subscription with equal columns. */
  private final List<Integer> projection;

  private final LiveWindow window;
  private volatile State state = State.SNAPSHOT;
  private final List<Pending> buffer = new ArrayList<>();
  private boolean bufferOverflowed;
  private long appliedSeq;
  private long lastSeq; // written with release semantics on the fast path; see LAST_SEQ
  private long delivered; // likewise; see DELIVERED

  private static final VarHandle LAST_SEQ;
  private static final VarHandle DELIVERED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LAST_SEQ = lookup.findVarHandle(Subscription.class, "lastSeq", long.class);
      DELIVERED = lookup.findVarHandle(Subscription.class, "delivered", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * @param projection {@code query.columns()} as a list shared by every subscription with the same
   *     columns, so that a change's encodings are found by identity
   */
  Subscription(
      String id,
      LiveStream stream,
      LiveQuery query,
      List<Integer> projection,
      String userId,
      String user,
      long openedAtMillis) {
    this.id = id;
    this.stream = stream;
    this.query = query;
    this.userId = userId;
    this.user = user;
    this.openedAtMillis = openedAtMillis;
    this.idField = EventBytes.field(LiveEvent.SUBSCRIPTION_ID_FIELD_NUMBER, id);
    this.projection = projection;
    this.window = query.windowed() ? new LiveWindow(query) : null;
    this.lastSeq = query.fromSeq(); // -1 when taking a snapshot
    this.appliedSeq = lastSeq;
  }

  /**
   * Called by the dispatcher with a change of the subscription's range. Events are queued on the
   * stream without starting its drain: the dispatcher calls {@link LiveStream#flush} afterwards.
   *
   * @return false when the subscriber cannot keep up and must be closed
   */
  synchronized boolean offer(AppliedChange change, long handoffNanos, EncodedChange encoded) {
    switch (state) {
      case CLOSED:
        return true;
      case SNAPSHOT:
        if (bufferOverflowed) {
          return true;
        }
        if (buffer.size() >= Math.max(1, stream.capacity())) {
          // Reported when the snapshot ends: the subscriber then resumes from the snapshot's
          // high-water mark, so the buffered changes will never be sent and need not be kept.
          bufferOverflowed = true;
          buffer.clear();
          return true;
        }
        buffer.add(new Pending(change, handoffNanos));
        return true;
      default:
        return deliver(change, handoffNanos, encoded, false);
    }
  }

  /**
   * Whether the dispatcher may serve this subscription without its lock ({@link #liveBody}): it is
   * LIVE and has no window.
   */
  boolean servedLive() {
    return window == null && state == State.LIVE;
  }

  /**
   * The fast path's part of {@link #deliver}: the event body a change means for this subscription,
   * or null when none (already applied, or outside the filter). Dispatcher thread only, under the
   * stream's lock, and only when {@link #servedLive}; {@link #sent} follows once it is queued.
   */
  byte[] liveBody(AppliedChange change, EncodedChange encoded) {
    if (change.seq() <= appliedSeq) {
      return null;
    }
    appliedSeq = change.seq();
    return body(change, encoded);
  }

  /** Records that the event of change {@code seq} was queued (the fast path). */
  void sent(long seq) {
    LAST_SEQ.setRelease(this, seq);
    DELIVERED.setRelease(this, delivered + 1);
  }

  /** The id field every event of this subscription starts with. */
  byte[] idField() {
    return idField;
  }

  /**
   * @param drainNow whether to start writing at once; the dispatcher flushes the streams it touched
   *     after each handoff instead
   */
  private boolean deliver(
      AppliedChange change, long handoffNanos, EncodedChange encoded, boolean drainNow) {
    if (change.seq() <= appliedSeq) {
      return true;
    }
    appliedSeq = change.seq();
    if (window == null) {
      // The common case, without allocating: the shared body after this subscription's id.
      byte[] body = body(change, encoded);
      if (body == null) {
        return true;
      }
      if (!stream.offerChange(idField, body, handoffNanos, drainNow)) {
        return false;
      }
      lastSeq = change.seq();
      delivered++;
      return true;
    }
    List<EventBytes> events = windowEvents(change, encoded);
    if (events.isEmpty()) {
      return true;
    }
    if (!stream.offerAll(events, handoffNanos, drainNow)) {
      return false;
    }
    lastSeq = change.seq();
    delivered += events.size();
    return true;
  }

  /**
   * Loads the snapshot's rows into the window of a live SELECT with LIMIT. Called by the setup
   * thread before {@link #goLive}: until then the dispatcher only buffers changes and never touches
   * the window, so a large snapshot is loaded without holding the lock the dispatcher needs; {@link
   * #goLive} publishes the window to the dispatcher.
   *
   * @return the rows of the window, in order
   */
  List<Object[]> loadWindow(Iterable<Object[]> snapshot) {
    if (state() == State.CLOSED) {
      return List.of(); // closed meanwhile (its stream went away): nobody will read the window
    }
    window.load(snapshot);
    return window.rows();
  }

  /**
   * Applies a change read back during a resume and returns its events; the caller sends them and
   * then calls {@link #sentDuringSetup}.
   */
  synchronized List<EventBytes> replayed(AppliedChange change) {
    if (change.seq() <= appliedSeq) {
      return List.of();
    }
    List<EventBytes> events = events(change, new EncodedChange(change));
    appliedSeq = change.seq();
    return events;
  }

  /** Records events sent during the snapshot or replay phase. */
  synchronized void sentDuringSetup(long seq, int events) {
    if (seq > lastSeq) {
      lastSeq = seq;
    }
    delivered += events;
  }

  /**
   * Ends the setup phase at high-water mark {@code highWater}: delivers the buffered changes after
   * it, then goes live.
   *
   * @return false when the buffered changes do not fit (the subscriber must be closed)
   */
  synchronized boolean goLive(long highWater) {
    if (state != State.SNAPSHOT) {
      return true;
    }
    lastSeq = Math.max(lastSeq, highWater);
    appliedSeq = Math.max(appliedSeq, highWater);
    if (bufferOverflowed) {
      return false;
    }
    for (Pending p : buffer) {
      if (!deliver(p.change(), p.handoffNanos(), new EncodedChange(p.change()), true)) {
        return false;
      }
    }
    buffer.clear();
    state = State.LIVE;
    return true;
  }

  /** The events a change means for this subscription, in order; empty when it concerns none. */
  private List<EventBytes> events(AppliedChange change, EncodedChange encoded) {
    if (window == null) {
      byte[] body = body(change, encoded);
      return body == null ? List.of() : List.of(new EventBytes(idField, body));
    }
    return windowEvents(change, encoded);
  }

  /**
   * Without a window: the insert, update or delete field a change means for this subscription (an
   * update that enters or leaves the filter is an insert or a delete), or null when none.
   */
  private byte[] body(AppliedChange change, EncodedChange encoded) {
    boolean oldMatch = change.oldRow() != null && query.predicate().test(change.oldRow());
    boolean newMatch = change.newRow() != null && query.predicate().test(change.newRow());
    if (oldMatch && newMatch) {
      return encoded.update(projection);
    } else if (newMatch) {
      return encoded.insert(projection);
    } else if (oldMatch) {
      return encoded.delete(projection);
    }
    return null;
  }

  /** With a window: the rows that leave and enter it, and the changed row if it stays. */
  private List<EventBytes> windowEvents(AppliedChange change, EncodedChange encoded) {
    List<Integer> columns = projection;
    List<EventBytes> events = new ArrayList<>(2);
    long seq = change.seq();
    for (LiveWindow.Transition t : window.apply(change.oldRow(), change.newRow())) {
      byte[] body;
      if (t.after() == null) {
        body =
            EventBytes.field(
                LiveEvent.DELETE_FIELD_NUMBER,
                RowDelete.newBuilder()
                    .setRow(encoded.row(columns, t.before()))
                    .setSeq(seq)
                    .build());
      } else if (t.before() == null) {
        body =
            EventBytes.field(
                LiveEvent.INSERT_FIELD_NUMBER,
                RowInsert.newBuilder().setRow(encoded.row(columns, t.after())).setSeq(seq).build());
      } else {
        body =
            EventBytes.field(
                LiveEvent.UPDATE_FIELD_NUMBER,
                RowUpdate.newBuilder()
                    .setOldRow(encoded.row(columns, t.before()))
                    .setNewRow(encoded.row(columns, t.after()))
                    .setSeq(seq)
                    .build());
      }
      events.add(new EventBytes(idField, body));
    }
    return events;
  }

  /** A LiveEvent of this subscription, to be completed with its event. */
  LiveEvent.Builder event() {
    return LiveEvent.newBuilder().setSubscriptionId(id);
  }

  /**
   * @return false if it was already closed
   */
  synchronized boolean close() {
    if (state == State.CLOSED) {
      return false;
    }
    state = State.CLOSED;
    buffer.clear();
    return true;
  }

  /** Whether a subscriber may resume it with {@code from_seq} (not a live SELECT with LIMIT). */
  boolean resumable() {
    return window == null;
  }

  /** The {@code _seq} to resume from, or -1 when the subscriber must subscribe again. */
  synchronized long resumeSeq() {
    return window == null ? (long) LAST_SEQ.getAcquire(this) : -1;
  }

  synchronized long lastSeq() {
    return (long) LAST_SEQ.getAcquire(this);
  }

  synchronized long delivered() {
    return (long) DELIVERED.getAcquire(this);
  }

  synchronized State state() {
    return state;
  }

  /** Whether it is closed; without this object's lock (a stream may ask under its own lock). */
  boolean closed() {
    return state == State.CLOSED;
  }
}
