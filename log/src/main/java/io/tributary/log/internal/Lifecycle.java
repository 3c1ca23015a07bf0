package io.tributary.log.internal;

import io.tributary.log.Log.State;
import io.tributary.log.LogException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The state machine of a {@link io.tributary.log.Log}. Lock-free, because the transition to FAILED
 * comes from broker threads that may run while {@code start()} or {@code close()} holds the log's
 * lifecycle lock and waits for them.
 */
final class Lifecycle {
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final AtomicReference<LogException> failure = new AtomicReference<>();

  State state() {
    return state.get();
  }

  Optional<LogException> failure() {
    return Optional.ofNullable(failure.get());
  }

  /**
   * Moves to {@code next}.
   *
   * @throws IllegalStateException naming both states if the transition is illegal
   */
  void transitionTo(State next) {
    while (true) {
      State current = state.get();
      if (!current.isValidTransition(next)) {
        throw new IllegalStateException("Cannot transition log from " + current + " to " + next);
      }
      if (state.compareAndSet(current, next)) {
        return;
      }
    }
  }

  /** Moves from {@code expected} to {@code next}; false if the state was not {@code expected}. */
  boolean transition(State expected, State next) {
    if (!expected.isValidTransition(next)) {
      throw new IllegalStateException("Cannot transition log from " + expected + " to " + next);
    }
    return state.compareAndSet(expected, next);
  }

  /**
   * Moves to FAILED with {@code cause} unless the log is STOPPED or already FAILED.
   *
   * @return true if this call made the log FAILED
   */
  boolean fail(LogException cause) {
    while (true) {
      State current = state.get();
      if (!current.isValidTransition(State.FAILED)) {
        return false;
      }
      failure.set(cause);
      if (state.compareAndSet(current, State.FAILED)) {
        return true;
      }
    }
  }
}
