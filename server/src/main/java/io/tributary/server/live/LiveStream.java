package io.tributary.server.live;

import io.grpc.stub.ServerCallStreamObserver;
import io.tributary.server.Principal;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client connection's event stream: a bounded queue in front of a gRPC server stream that is
 * written only when gRPC flow control says the client can take more ({@code isReady}). Events are
 * written by one drain task at a time on a shared executor, so no thread ever blocks on a slow
 * client. A drain sends the events waiting at that moment as one batch (up to {@link
 * #MAX_BATCH_EVENTS} events or about {@link #MAX_BATCH_BYTES} bytes), so a burst costs a few gRPC
 * messages instead of one per event, while an event that finds the queue empty goes out alone at
 * once.
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
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private volatile boolean cancelled;
  private boolean completing;

  /**
   * Whether the dispatcher has queued events here and not yet started a drain (its thread only).
   */
  boolean flushPending;

  /** An event and when its change was handed over by the materializer (0: not a change). */
  record Outgoing(EventBytes event, long handoffNanos, boolean last) {}

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
      queue.add(new Outgoing(event, handoffNanos, false));
    }
    scheduleDrain();
    return true;
  }

  /**
   * Adds the events of one change, all or none: none when they do not all fit; never blocks. With
   * {@code drainNow} false the caller starts the drain later ({@link #flush}), so that the events
   * of several changes leave together.
   */
  boolean offerAll(List<EventBytes> events, long handoffNanos, boolean drainNow) {
    synchronized (queue) {
      if (cancelled || completing) {
        return true; // nobody to deliver to: not the subscriber's fault
      }
      if (queue.size() + events.size() > capacity) {
        return false;
      }
      for (EventBytes event : events) {
        queue.add(new Outgoing(event, handoffNanos, false));
      }
    }
    if (drainNow) {
      scheduleDrain();
    }
    return true;
  }

  /** Starts writing what {@link #offerAll} queued without draining. */
  void flush() {
    scheduleDrain();
  }

  /** Adds an event beyond the capacity: for the one error that closes a subscriber. */
  void force(EventBytes event) {
    synchronized (queue) {
      if (cancelled || completing) {
        return;
      }
      queue.add(new Outgoing(event, 0, false));
    }
    scheduleDrain();
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
      queue.add(new Outgoing(event, 0, false));
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
      completing = true;
      queue.add(new Outgoing(last, 0, true));
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
        EventBytes[] events;
        long[] handoffs;
        int n = 0;
        boolean last = false;
        synchronized (queue) {
          if (cancelled || queue.isEmpty() || !observer.isReady()) {
            break;
          }
          int room = Math.min(queue.size(), MAX_BATCH_EVENTS);
          events = new EventBytes[room];
          handoffs = new long[room];
          int bytes = 0;
          while (!queue.isEmpty() && n < room && (n == 0 || bytes < MAX_BATCH_BYTES)) {
            Outgoing next = queue.poll();
            if (next.event() != null) {
              events[n] = next.event();
              handoffs[n] = next.handoffNanos();
              bytes += EncodedBatch.framedSize(next.event());
              n++;
            }
            if (next.last()) {
              last = true;
              break;
            }
          }
          queue.notifyAll();
        }
        try {
          if (n > 0) {
            observer.onNext(EncodedBatch.of(events, n));
            metrics.delivered(handoffs, n);
          }
          if (last) {
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
      more = !cancelled && !queue.isEmpty() && observer.isReady();
    }
    if (more) {
      scheduleDrain();
    }
  }
}
