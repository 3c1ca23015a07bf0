package io.tributary.query;

/**
 * The root of Tributary's unchecked exceptions. Every instance carries a stable {@link ErrorCode}
 * and a message of the form {@code Cannot <action>: <reason>}, which is safe to show to the user
 * who sent the statement. Syntax errors also carry the 1-based line and column of the fault.
 */
public class TributaryException extends RuntimeException {
  private final ErrorCode code;
  private final int line;
  private final int column;

  public TributaryException(ErrorCode code, String message) {
    this(code, message, 0, 0, null);
  }

  public TributaryException(ErrorCode code, String message, Throwable cause) {
    this(code, message, 0, 0, cause);
  }

  public TributaryException(ErrorCode code, String message, int line, int column, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.line = line;
    this.column = column;
  }

  /** Builds an exception with a formatted {@code Cannot <action>: <reason>} message. */
  public static TributaryException of(ErrorCode code, String format, Object... args) {
    return new TributaryException(code, String.format(format, args));
  }

  public ErrorCode code() {
    return code;
  }

  /** 1-based line of a syntax error, or 0. */
  public int line() {
    return line;
  }

  /** 1-based column of a syntax error, or 0. */
  public int column() {
    return column;
  }
}
