package io.tributary.materializer;

import io.tributary.query.command.WriteOutcome;

/**
 * Receives the outcome of every command the materializer applies, in log order per partition.
 *
 * <p>Threading: called on a Kafka Streams thread right after the command's effects were written to
 * the store, before the Streams transaction that holds them commits. If that transaction aborts,
 * the command is applied again after recovery and the listener is called again with the same
 * outcome (application is deterministic), so implementations must tolerate repeated outcomes for
 * one request id. Implementations must return quickly (hand work to another thread) and must not
 * throw; an exception is logged and otherwise ignored.
 */
@FunctionalInterface
public interface ApplyListener {
  /** A listener that ignores every outcome. */
  ApplyListener NONE = outcome -> {};

  /**
   * Called once per applied command: with the rows affected on success, or with the error code and
   * message of a command that was refused and left the state unchanged.
   */
  void applied(WriteOutcome outcome);
}
