package io.tributary.client;

/**
 * A failure reported by a Tributary server or by the transport to it.
 *
 * <p>{@link #errorCode()} is stable and meant for programs (for example {@link
 * ErrorCode#SYNTAX_ERROR}, {@link ErrorCode#TABLE_NOT_FOUND}, {@link ErrorCode#UNAVAILABLE});
 * {@link #code()} is its name, or the name of a code this SDK does not know. {@link #getMessage()}
 * is meant for people and reads {@code "Cannot <action>: <reason>"}. A syntax error also carries
 * the 1-based {@link #line()} and {@link #column()} where it was found. The string constants below
 * are the names of the codes the SDK itself produces, kept for programs that compare {@link
 * #code()}.
 */
public class TributaryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Login was refused: the user does not exist or the password is wrong. */
  public static final String AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED";

  /** A call carried no token, or a token the server does not accept (for example expired). */
  public static final String UNAUTHENTICATED = "UNAUTHENTICATED";

  /** The server cannot be reached, or the connection was lost during the call. */
  public static final String UNAVAILABLE = "UNAVAILABLE";

  /** The call did not complete within the client's call timeout. */
  public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";

  /** Any other call-level failure that the server did not give a code. */
  public static final String INTERNAL = "INTERNAL";

  /**
   * {@link TributaryClient#query} was given other than one statement, or a statement that returns
   * no rows.
   */
  public static final String NOT_A_QUERY = "NOT_A_QUERY";

  private final String code;
  private final ErrorCode errorCode;
  private final int line;
  private final int column;

  /** A failure without a position. */
  public TributaryException(ErrorCode code, String message) {
    this(code.name(), message, 0, 0, null);
  }

  /** A failure without a position, caused by {@code cause}. */
  public TributaryException(ErrorCode code, String message, Throwable cause) {
    this(code.name(), message, 0, 0, cause);
  }

  /** A failure without a position; {@code code} names an {@link ErrorCode} or a newer code. */
  public TributaryException(String code, String message) {
    this(code, message, 0, 0, null);
  }

  /** A failure without a position, caused by {@code cause}. */
  public TributaryException(String code, String message, Throwable cause) {
    this(code, message, 0, 0, cause);
  }

  /**
   * A failure at a position of the statement text.
   *
   * @param code the name of an {@link ErrorCode}, or of a code this SDK does not know
   * @param line the 1-based line, or 0 when the failure has no position
   * @param column the 1-based column, or 0 when the failure has no position
   * @param cause the underlying failure, or null
   */
  public TributaryException(String code, String message, int line, int column, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.errorCode = ErrorCode.of(code);
    this.line = line;
    this.column = column;
  }

  /** The stable error code; {@link ErrorCode#UNRECOGNIZED} for one this SDK does not know. */
  public ErrorCode errorCode() {
    return errorCode;
  }

  /** The name of the stable error code, also of one this SDK does not know. */
  public String code() {
    return code;
  }

  /** The 1-based line of a syntax error, or 0 when the failure has no position. */
  public int line() {
    return line;
  }

  /** The 1-based column of a syntax error, or 0 when the failure has no position. */
  public int column() {
    return column;
  }

  @Override
  public String toString() {
    String position = line > 0 ? " (line " + line + ", column " + column + ")" : "";
    return getClass().getName() + ": [" + code + "] " + getMessage() + position;
  }
}
