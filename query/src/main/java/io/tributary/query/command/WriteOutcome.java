package io.tributary.query.command;

import io.tributary.query.ErrorCode;

/**
 * The outcome of applying one command: rows affected, or the error that left state unchanged.
 *
 * @param error null on success
 */
public record WriteOutcome(String requestId, long rowsAffected, ErrorCode error, String message) {
  public static WriteOutcome success(String requestId, long rowsAffected) {
    return new WriteOutcome(requestId, rowsAffected, null, null);
  }

  public static WriteOutcome failure(String requestId, ErrorCode error, String message) {
    return new WriteOutcome(requestId, 0, error, message);
  }

  public boolean succeeded() {
    return error == null;
  }
}
