package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the benchmark's clients received, shared by every client stream of one target. Each stream
 * records into its own {@link Track} (gRPC calls one stream's observer from one thread at a time),
 * so recording costs an uncontended append. While capturing, each delivery's change number and
 * arrival time are kept for the latency analysis; otherwise only counted.
 */
final class Deliveries {
  private final LongAdder count = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final List<Track> tracks = new ArrayList<>();
  private volatile boolean capturing;

  /** A new track for one client stream. */
  synchronized Track newTrack() {
    Track t = new Track();
    tracks.add(t);
    return t;
  }

  /** Deliveries (change events) received since this object was made. */
  long count() {
    return count.sum();
  }

  /** Errors received (LiveError events and failed streams). */
  long errors() {
    return errors.sum();
  }

  String firstError() {
    return firstError.get();
  }

  void error(String message) {
    errors.increment();
    firstError.compareAndSet(null, message);
  }

  /** Starts keeping (change, arrival) pairs, dropping those kept before. */
  synchronized void startCapture() {
    for (Track t : tracks) {
      t.clear();
    }
    capturing = true;
  }

  void stopCapture() {
    capturing = false;
  }

  /**
   * How far the slowest stream is behind {@code lastPublished}, in changes, among the streams that
   * received a change numbered {@code from} or later (a stream without matching subscriptions
   * receives nothing and does not count).
   */
  synchronized long maxLag(long lastPublished, long from) {
    long lag = 0;
    for (Track t : tracks) {
      long highest = t.highest;
      if (highest >= from) {
        lag = Math.max(lag, lastPublished - highest);
      }
    }
    return lag;
  }

  /** Calls {@code sink} with every captured (change, arrival nanos) pair. */
  synchronized void forEachCaptured(PairConsumer sink) {
    for (Track t : tracks) {
      t.forEach(sink);
    }
  }

  /** Receives captured pairs. */
  interface PairConsumer {
    void accept(long change, long arrivalNanos);
  }

  /** The deliveries of one client stream. */
  final class Track {
    private long[] changes = new long[16];
    private long[] arrivals = new long[16];
    private int size;

    /** The highest change number received (written by the stream's one calling thread). */
    private volatile long highest;

    void delivered(long change, long arrivalNanos) {
      count.increment();
      if (change > highest) {
        highest = change;
      }
      if (capturing) {
        append(change, arrivalNanos);
      }
    }

    private synchronized void append(long change, long arrivalNanos) {
      if (size == changes.length) {
        changes = Arrays.copyOf(changes, size * 2);
        arrivals = Arrays.copyOf(arrivals, size * 2);
      }
      changes[size] = change;
      arrivals[size] = arrivalNanos;
      size++;
    }

    private synchronized void clear() {
      size = 0;
      if (changes.length > 1024) {
        changes = new long[16];
        arrivals = new long[16];
      }
    }

    private synchronized void forEach(PairConsumer sink) {
      for (int i = 0; i < size; i++) {
        sink.accept(changes[i], arrivals[i]);
      }
    }
  }
}
