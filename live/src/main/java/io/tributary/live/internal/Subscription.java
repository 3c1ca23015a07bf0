package io.tributary.live.internal;

import io.tributary.live.EventEncoder;
import io.tributary.live.EventEncoder.ChangeEncoding;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.live.LiveWindow;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One live subscription. Lifecycle ({@link State#isValidTransition}): SNAPSHOT (changes that arrive
 * meanwhile are buffered, at most the stream's queue capacity of them; past that the subscription
 * is closed as too slow once its snapshot is sent, with the snapshot's high-water mark to resume
 * from) → LIVE (changes go straight to the stream) → CLOSED; SNAPSHOT → CLOSED when it is closed
 * before it went live; LIVE → REVISING → LIVE while the revision thread reads and sends the
 * revision of a membership change its row policy reads (changes are buffered meanwhile, at most the
 * stream's queue capacity of them, past which it is closed as too slow). A change is applied only
 * if its {@code _seq} is larger than the last one applied, which removes both the overlap with the
 * snapshot and the duplicates a replayed Kafka Streams transaction can produce.
 *
 * <p>A change becomes zero or more events, all carrying its {@code _seq} ({@link #bodies}, the only
 * place that decides them): one insert, update or delete for a SUBSCRIBE or a live SELECT without
 * LIMIT (an update that enters or leaves the filter is an insert or a delete); for a live SELECT
 * with LIMIT, a delete for each row that leaves the window, an update if the changed row stays in
 * it, and an insert for each row that enters it, in that order (so the subscriber never holds more
 * than LIMIT rows). The events of one change are queued together or not at all, by {@link
 * LiveStream}'s one delivery path.
 *
 * <p>Threads: the hub's dispatcher thread delivers changes; the setup thread delivers the ones
 * buffered during the snapshot when it goes live, and the revision thread those buffered during a
 * revision. A LIVE subscription without a window is served by the dispatcher without this lock,
 * under its stream's lock ({@link #servedLive}): once LIVE, only the dispatcher writes its
 * positions, and whoever closes it sets CLOSED before queuing its final event on the stream, so
 * nothing the dispatcher queues can follow that event.
 */
final class Subscription {
  /** The states of a subscription; see the class comment. */
  enum State {
    SNAPSHOT,
    LIVE,
    /**
     * Live, held at a membership change while the revision thread reads its revision: changes are
     * buffered as during a snapshot, and sent after the revision.
     */
    REVISING,
    CLOSED;

    /** Whether a subscription may move from this state to {@code next}. */
    boolean isValidTransition(State next) {
      return switch (this) {
        case SNAPSHOT -> next == LIVE || next == CLOSED;
        case LIVE -> next == REVISING || next == CLOSED;
        case REVISING -> next == LIVE || next == CLOSED;
        case CLOSED -> false;
      };
    }
  }

  /**
   * A change buffered during the snapshot, with the dispatcher's encoding of it (null where the
   * caller has none): the events it becomes when the subscription goes live share their bytes with
   * every other subscriber of the same projection, so that a thousand subscribers whose snapshots
   * are slow hold each change's bytes once, not a thousand times.
   */
  private record Pending(AppliedChange change, long handoffNanos, ChangeEncoding encoding) {}

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

  /** The encoder of its buffered and replayed changes (the dispatcher passes its own encodings). */
  private final EventEncoder encoder;

  /** The head every event of this subscription starts with. */
  private final byte[] head;

  /** {@code query.columns()}, the same list object as every subscription with equal columns. */
  private final List<Integer> projection;

  private final LiveWindow window;

  /**
   * Revisions sent after membership changes (the dispatcher's only): each holds a column, a value
   * and the high-water mark H of the view the revision was read from; a change with {@code _seq} ≤
   * H of a row with that value is already in the revision and is not sent again. Dropped once a
   * later change has passed H (the changes of a SHARED table arrive in {@code _seq} order).
   */
  private final List<long[]> revisedUpTo = new ArrayList<>(0);

  private final List<Object> revisedValues = new ArrayList<>(0);

  /**
   * For a table with a PARTITION_KEY: the key's column and the value the filter fixes (the
   * subscription follows that value's partition), else -1 and null.
   */
  private final int partitionColumn;

  private final Object partitionValue;

  /**
   * For a query over every partition of a partitioned table ({@link LiveQuery#spread()}): the
   * {@code _seq} last applied in each partition, indexed by the change's partition (-1: none yet),
   * set from the snapshot's high-water marks when it goes live; null otherwise. The {@code _seq} of
   * one partition does not compare with another's, so one position would drop or repeat changes.
   */
  private long[] appliedByPartition;

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
   * @param head the encoder's {@link EventEncoder#subscriptionHead} of {@code id}
   */
  Subscription(
      String id,
      LiveStream stream,
      LiveQuery query,
      List<Integer> projection,
      String userId,
      String user,
      long openedAtMillis,
      EventEncoder encoder,
      byte[] head) {
    this.id = id;
    this.stream = stream;
    this.query = query;
    this.userId = userId;
    this.user = user;
    this.openedAtMillis = openedAtMillis;
    this.encoder = encoder;
    this.head = head;
    this.projection = projection;
    this.window = query.windowed() ? new LiveWindow(query) : null;
    int column = query.table().partitionKeyIndex();
    Object value = null;
    for (LiveQuery.Equality eq : query.equalities()) {
      if (eq.column() == column) {
        value = eq.value();
      }
    }
    this.partitionColumn = value == null ? -1 : column;
    this.partitionValue = value;
    this.lastSeq = query.fromSeq(); // -1 when taking a snapshot
    this.appliedSeq = lastSeq;
  }

  /**
   * Whether role {@code user} runs it (directly or by EXECUTE AS USER): the table's row policies
   * limit it, and a change to them closes it. Set once by the hub before it is registered.
   */
  boolean asUser;

  /**
   * The catalog version its statement was analyzed at ({@link
   * io.tributary.query.Action.Subscribe#catalogVersion}). Set once by the hub before it is
   * registered.
   */
  long catalogVersion = Long.MAX_VALUE;

  /** Revisions handed to the revision thread and not yet sent; under this subscription's lock. */
  private int revisionsPending;

  /**
   * Dispatcher, at a membership change its policy reads: holds a LIVE subscription (or one already
   * held) at this position until the revision thread has sent the revision ({@link #endRevision}).
   * Returns false when it is not live (closed).
   */
  synchronized boolean startRevision() {
    if (state == State.LIVE) {
      transitionTo(State.REVISING);
      revisionsPending = 1;
      return true;
    }
    if (state == State.REVISING) {
      revisionsPending++;
      return true;
    }
    return false;
  }

  /**
   * Revision thread, after sending one revision: once the last one pending is sent, sends the
   * changes buffered meanwhile and goes live again.
   *
   * @return false when the buffered changes do not fit (the subscriber must be closed)
   */
  synchronized boolean endRevision() {
    if (state != State.REVISING || --revisionsPending > 0) {
      return true;
    }
    return flushBuffer();
  }

  /**
   * Whether the dispatcher applied a membership change its row policy reads while it was still
   * sending its snapshot (or replaying): its snapshot may be on either side of the change, so it
   * does not go live. Under this subscription's lock.
   */
  private boolean membershipChangedInSetup;

  /**
   * Dispatcher: notes a membership change its row policy reads. Returns true when it is still being
   * set up ({@link #goLive} then refuses it), false when it is live (or closed), and the dispatcher
   * revises it.
   */
  synchronized boolean noteMembershipChange() {
    if (state == State.SNAPSHOT) {
      membershipChangedInSetup = true;
      return true;
    }
    return false;
  }

  /** Whether {@link #goLive} refused it for a membership change during its set-up. */
  synchronized boolean membershipChangedInSetup() {
    return membershipChangedInSetup;
  }

  /** Under this subscription's lock. */
  private void transitionTo(State next) {
    if (!state.isValidTransition(next)) {
      throw new IllegalStateException(
          "Cannot transition subscription " + id + " from " + state + " to " + next);
    }
    state = next;
  }

  /**
   * Called by the dispatcher with a change of the subscription's range, when it cannot serve it
   * under the stream's lock alone ({@link #servedLive}). Events are queued on the stream without
   * starting its drain: the dispatcher calls {@link LiveStream#flush} afterwards.
   *
   * @return false when the subscriber cannot keep up and must be closed
   */
  synchronized boolean offer(AppliedChange change, long handoffNanos, ChangeEncoding encoding) {
    switch (state) {
      case CLOSED:
        return true;
      case REVISING:
        if (buffer.size() >= Math.max(1, stream.capacity())) {
          return false; // a revision cannot be resumed past: the subscriber takes a new snapshot
        }
        buffer.add(new Pending(change, handoffNanos, encoding));
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
        buffer.add(new Pending(change, handoffNanos, encoding));
        return true;
      default:
        return stream.offerChange(this, change, encoding, handoffNanos, false);
    }
  }

  /**
   * Whether the dispatcher may serve this subscription under its stream's lock alone, without this
   * one: it is LIVE and has no window.
   */
  boolean servedLive() {
    return window == null && state == State.LIVE;
  }

  /**
   * Adds to {@code out} the event bodies a change means for this subscription, in order, and marks
   * it applied; adds none when it was applied already or concerns none of the subscription's rows.
   * Called with the stream's lock (and this one's, except on the dispatcher's fast path) held, or
   * with this one's during a replay; the events go out with {@link #head}.
   */
  void bodies(AppliedChange change, ChangeEncoding encoding, List<byte[]> out) {
    if (partitionColumn >= 0 && !ofPartitionValue(change)) {
      // Another value of a partitioned table's key: a change of another partition, whose _seq
      // does not compare with this subscription's (a row policy's index may offer it).
      return;
    }
    if (appliedByPartition != null) {
      int p = change.partition();
      if (p >= appliedByPartition.length) {
        int from = appliedByPartition.length;
        appliedByPartition = java.util.Arrays.copyOf(appliedByPartition, p + 1);
        java.util.Arrays.fill(appliedByPartition, from, p + 1, -1L);
      }
      if (change.seq() <= appliedByPartition[p]) {
        return;
      }
      appliedByPartition[p] = change.seq();
    } else if (change.seq() <= appliedSeq) {
      return;
    } else {
      appliedSeq = change.seq();
    }
    if (!revisedUpTo.isEmpty()) {
      int covered = inRevision(change);
      if (covered == REVISED_LEFT) {
        // The row was of a value the user lost: the revision, read after this change, could not
        // send its delete. A client that never held it ignores the delete.
        Object[] old = change.oldRow();
        if (old != null && filterOf(query).test(old)) {
          out.add(encoding.delete(projection, old));
        }
        return;
      }
      if (covered == REVISED_ENTERED) {
        return;
      }
    }
    List<Integer> columns = projection;
    if (window == null) {
      Object[] oldRow = change.oldRow();
      Object[] newRow = change.newRow();
      boolean oldMatch = oldRow != null && query.predicate().test(oldRow);
      boolean newMatch = newRow != null && query.predicate().test(newRow);
      if (oldMatch && newMatch) {
        out.add(encoding.update(columns, oldRow, newRow));
      } else if (newMatch) {
        out.add(encoding.insert(columns, newRow));
      } else if (oldMatch) {
        out.add(encoding.delete(columns, oldRow));
      }
      return;
    }
    for (LiveWindow.Transition t : window.apply(change.oldRow(), change.newRow())) {
      if (t.after() == null) {
        out.add(encoding.delete(columns, t.before()));
      } else if (t.before() == null) {
        out.add(encoding.insert(columns, t.after()));
      } else {
        out.add(encoding.update(columns, t.before(), t.after()));
      }
    }
  }

  /**
   * Dispatcher: notes a revision read at high-water mark {@code highWater} for the rows whose
   * {@code column} holds {@code value}.
   */
  synchronized void revised(int column, Object value, long highWater, boolean added) {
    revisedUpTo.add(new long[] {column, highWater, added ? 1 : 0});
    revisedValues.add(value);
  }

  /** Whether a change's row holds the partition key value the subscription's filter fixes. */
  private boolean ofPartitionValue(AppliedChange change) {
    Object[] row = change.newRow() != null ? change.newRow() : change.oldRow();
    return row != null && RowCodec.sameValue(row[partitionColumn], partitionValue);
  }

  private static final int NOT_REVISED = 0;
  private static final int REVISED_ENTERED = 1;
  private static final int REVISED_LEFT = 2;

  /**
   * Whether a revision covers a change: REVISED_ENTERED when it was read after the change, for a
   * value the user gained, and the change's new row holds that value (the row was sent as it is
   * after the change); REVISED_LEFT when the change's old row held a value the user lost (the
   * revision missed it if the change deleted or moved the row); NOT_REVISED otherwise.
   */
  private int inRevision(AppliedChange change) {
    int covered = NOT_REVISED;
    for (int i = revisedUpTo.size() - 1; i >= 0; i--) {
      long[] r = revisedUpTo.get(i);
      int column = (int) r[0];
      Object value = revisedValues.get(i);
      boolean oldOf = change.oldRow() != null && value.equals(change.oldRow()[column]);
      boolean newOf = change.newRow() != null && value.equals(change.newRow()[column]);
      if (appliedByPartition != null && !oldOf && !newOf) {
        // Over every partition: the revision's high-water mark is its value's partition's, and a
        // change of another value may come from another partition, whose _seq does not compare.
        continue;
      }
      if (change.seq() > r[1]) {
        revisedUpTo.remove(i);
        revisedValues.remove(i);
        continue;
      }
      if (r[2] == 0 && oldOf && !newOf) {
        covered = REVISED_LEFT;
      } else if (newOf && covered == NOT_REVISED) {
        // A change that leaves the value (a delete) is not in the revision, which read the row
        // after it: it goes out as usual (a delete the client may never have held, or of a row it
        // held through another policy).
        covered = r[2] == 1 ? REVISED_ENTERED : NOT_REVISED;
      }
    }
    return covered;
  }

  private static io.tributary.query.expr.RowPredicate filterOf(LiveQuery query) {
    return query.predicate() instanceof Hub.Policed p ? p.filter() : query.predicate();
  }

  /**
   * Dispatcher, for a LIVE subscription without a window: the {@code _seq} of a revision's events,
   * just after the last change applied. No later change of the subscription's table takes it: those
   * come from later commands, whose {@code _seq} starts at the next offset shifted by 16 bits,
   * while a command's ordinals stay below {@code CommandLimits.MAX_CHANGES} (2^16 - 1); the
   * position is only reused after that many revisions without a change in between.
   */
  synchronized long revisionSeq() {
    if (appliedByPartition != null) {
      // Over every partition: after every position applied in any of them (positions of
      // different partitions do not compare; a client cannot order its events by them anyway).
      long max = appliedSeq;
      for (long seq : appliedByPartition) {
        max = Math.max(max, seq);
      }
      appliedSeq = max + 1;
      return appliedSeq;
    }
    return ++appliedSeq;
  }

  /** Records that {@code events} events of change {@code seq} were queued. */
  void sent(long seq, int events) {
    LAST_SEQ.setRelease(this, seq);
    DELIVERED.setRelease(this, delivered + events);
  }

  /** The head every event of this subscription starts with. */
  byte[] head() {
    return head;
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
  synchronized List<Event> replayed(AppliedChange change) {
    List<byte[]> bodies = new ArrayList<>(1);
    bodies(change, encoder.change(change), bodies);
    List<Event> events = new ArrayList<>(bodies.size());
    for (byte[] body : bodies) {
      events.add(new Event(head, body));
    }
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
    return goLive(highWater, null);
  }

  /**
   * Like {@link #goLive(long)} for a query over every partition ({@link LiveQuery#spread()}):
   * {@code highWaters} holds each partition's high-water mark, indexed by partition, and a buffered
   * change is delivered when it is after its own partition's.
   */
  synchronized boolean goLive(long highWater, long[] highWaters) {
    if (state != State.SNAPSHOT) {
      return true;
    }
    lastSeq = Math.max(lastSeq, highWater);
    appliedSeq = Math.max(appliedSeq, highWater);
    if (highWaters != null) {
      appliedByPartition = highWaters.clone();
    }
    if (bufferOverflowed || membershipChangedInSetup) {
      return false;
    }
    return flushBuffer();
  }

  /** Sends the buffered changes and goes LIVE; under this subscription's lock. */
  private boolean flushBuffer() {
    for (Pending p : buffer) {
      ChangeEncoding encoding = p.encoding() != null ? p.encoding() : encoder.change(p.change());
      if (!stream.offerChange(this, p.change(), encoding, p.handoffNanos(), true)) {
        return false;
      }
    }
    buffer.clear();
    transitionTo(State.LIVE);
    return true;
  }

  /**
   * @return false if it was already closed
   */
  synchronized boolean close() {
    if (state == State.CLOSED) {
      return false;
    }
    transitionTo(State.CLOSED);
    buffer.clear();
    return true;
  }

  /**
   * Whether a subscriber may resume it with {@code from_seq}: not a live SELECT with LIMIT, nor one
   * under a membership row policy (a replay would be matched with today's membership), nor one over
   * every partition of a partitioned table (no one {@code _seq} to resume from).
   */
  boolean resumable() {
    return window == null && !membershipPoliced(query) && !query.spread();
  }

  /** Whether a row policy with a membership term limits a live query. */
  static boolean membershipPoliced(LiveQuery query) {
    return query.policy() != null && !query.policy().memberships().isEmpty();
  }

  /** The {@code _seq} to resume from, or -1 when the subscriber must subscribe again. */
  synchronized long resumeSeq() {
    return resumable() ? (long) LAST_SEQ.getAcquire(this) : -1;
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
