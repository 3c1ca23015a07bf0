package io.tributary.client;

/**
 * A call-level failure that no Tributary server reported: the server could not be reached, the
 * connection was lost, the call timed out, or the peer did not answer as a Tributary server. Its
 * code is one the SDK gives such failures ({@code UNAVAILABLE}, {@code UNAUTHENTICATED}, {@code
 * DEADLINE_EXCEEDED} or {@code INTERNAL}); {@link #reason()} says what the transport saw, for
 * example {@code "connection refused"}.
 */
public final class TransportException extends TributaryException {

  private static final long serialVersionUID = 1L;

  private final String reason;

  /**
   * A transport failure.
   *
   * @param message {@code "Cannot <action>: <reason>"}
   * @param reason the transport's own description, such as {@code "connection refused"}
   */
  public TransportException(ErrorCode code, String message, String reason, Throwable cause) {
    super(code, message, cause);
    this.reason = reason;
  }

  /** What the transport saw: {@code "connection refused"}, {@code "unknown host h"}, ... */
  public String reason() {
    return reason;
  }
}
