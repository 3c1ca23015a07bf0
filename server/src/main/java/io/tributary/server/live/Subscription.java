package io.tributary.server.live;

import io.tributary.api.v1.LiveEvent;
import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * One live subscription. Lifecycle: SNAPSHOT (changes that arrive meanwhile are buffered) → LIVE
 * (changes go straight to the stream) → CLOSED. A change is delivered only if its {@code _seq} is
 * larger than the last one delivered, which removes both the overlap with the snapshot and the
 * duplicates a replayed Kafka Streams transaction can produce.
 */
final class Subscription {
  enum State {
    SNAPSHOT,
    LIVE,
    CLOSED
  }

  final String id;
  final LiveStream stream;
  final LiveQuery query;
  final String user;
  final long openedAtMillis;
  private State state = State.SNAPSHOT;
  private final List<LiveEvent> buffer = new ArrayList<>();
  private final List<Long> bufferSeqs = new ArrayList<>();
  private final List<Long> bufferHandoffs = new ArrayList<>();
  private boolean bufferOverflowed;
  private long lastSeq;
  private long delivered;

  Subscription(String id, LiveStream stream, LiveQuery query, String user, long openedAtMillis) {
    this.id = id;
    this.stream = stream;
    this.query = query;
    this.user = user;
    this.openedAtMillis = openedAtMillis;
    this.lastSeq = query.fromSeq(); // -1 when taking a snapshot
  }

  /**
   * Called by the dispatcher with a change event for this subscription.
   *
   * @return false when the subscriber cannot keep up and must be closed
   */
  synchronized boolean offer(LiveEvent event, long seq, long handoffNanos) {
    switch (state) {
      case CLOSED:
        return true;
      case SNAPSHOT:
        if (buffer.size() >= Math.max(1, stream.capacity())) {
          bufferOverflowed = true;
          return true; // reported when the snapshot ends
        }
        buffer.add(event);
        bufferSeqs.add(seq);
        bufferHandoffs.add(handoffNanos);
        return true;
      default:
        if (seq <= lastSeq) {
          return true;
        }
        if (!stream.offer(event, handoffNanos)) {
          return false;
        }
        lastSeq = seq;
        delivered++;
        return true;
    }
  }

  /** Records an event sent during the snapshot or replay phase. */
  synchronized void sentDuringSetup(long seq) {
    if (seq > lastSeq) {
      lastSeq = seq;
    }
    delivered++;
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
    if (bufferOverflowed) {
      return false;
    }
    for (int i = 0; i < buffer.size(); i++) {
      long seq = bufferSeqs.get(i);
      if (seq <= lastSeq) {
        continue;
      }
      if (!stream.offer(buffer.get(i), bufferHandoffs.get(i))) {
        return false;
      }
      lastSeq = seq;
      delivered++;
    }
    buffer.clear();
    bufferSeqs.clear();
    bufferHandoffs.clear();
    state = State.LIVE;
    return true;
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

  synchronized long lastSeq() {
    return lastSeq;
  }

  synchronized long delivered() {
    return delivered;
  }

  synchronized State state() {
    return state;
  }
}
