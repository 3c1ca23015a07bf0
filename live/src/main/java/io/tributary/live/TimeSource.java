package io.tributary.live;

/**
 * The time the live module reads, injected so that tests drive heartbeats, snapshot deadlines and
 * delivery lags: wall-clock milliseconds for what clients see (heartbeats, {@code system.live}), a
 * monotonic nanosecond count for deadlines and lags.
 */
public interface TimeSource {
  /** Milliseconds since the epoch, as {@link System#currentTimeMillis()}. */
  long millis();

  /** A monotonic count of nanoseconds, as {@link System#nanoTime()}. */
  long nanoTime();

  /** The system's clocks. */
  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public long millis() {
          return System.currentTimeMillis();
        }

        @Override
        public long nanoTime() {
          return System.nanoTime();
        }
      };
}
