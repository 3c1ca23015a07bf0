package io.tributary.log;

/**
 * Unchecked failure of the log: the broker is unavailable, a write failed, an operation timed out
 * or the topic layout does not match the configuration.
 *
 * <p>Messages have the form {@code "Cannot <action>: <reason>"}; the Kafka exception that caused
 * the failure, if any, is the {@linkplain #getCause() cause}. Messages never contain record keys or
 * values.
 */
public class LogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a complete message.
   *
   * @param message a message of the form {@code "Cannot <action>: <reason>"}
   */
  public LogException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a complete message and a cause.
   *
   * @param message a message of the form {@code "Cannot <action>: <reason>"}
   * @param cause the underlying failure
   */
  public LogException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception with the message {@code "Cannot <action>: <reason>"}.
   *
   * @param action what was attempted, e.g. {@code "append to _tributary.catalog"}
   * @param reason why it failed
   * @param cause the underlying failure, or null
   * @return the exception (to be thrown or used to complete a future)
   */
  public static LogException cannot(String action, String reason, Throwable cause) {
    return new LogException("Cannot " + action + ": " + reason, cause);
  }

  /**
   * Creates an exception with the message {@code "Cannot <action>: <reason>"} and no cause.
   *
   * @param action what was attempted
   * @param reason why it failed
   * @return the exception
   */
  public static LogException cannot(String action, String reason) {
    return new LogException("Cannot " + action + ": " + reason);
  }
}
