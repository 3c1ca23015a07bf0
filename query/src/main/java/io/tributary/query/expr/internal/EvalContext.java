package io.tributary.query.expr.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;

/** What compiled code needs to report a failure: the text of the expression being evaluated. */
public final class EvalContext {
  private static final int MAX_SHOWN = 200;
  private final String source;

  EvalContext(String source) {
    this.source = shown(source);
  }

  /**
   * The part of an expression's text that errors show: at most 200 characters. Showing it again
   * gives the same text, so a bound expression need carry no more than this.
   */
  public static String shown(String source) {
    String s = source.trim();
    return s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN - 3) + "..." : s;
  }

  /** An INVALID_ARGUMENT failure of evaluation: {@code Cannot evaluate <source>: <reason>}. */
  TributaryException fail(String reason) {
    return new TributaryException(
        ErrorCode.INVALID_ARGUMENT, "Cannot evaluate " + source + ": " + reason);
  }

  /** A TYPE_MISMATCH failure of evaluation: a value that does not convert to a type. */
  TributaryException mismatch(String reason) {
    return new TributaryException(
        ErrorCode.TYPE_MISMATCH, "Cannot evaluate " + source + ": " + reason);
  }

  TributaryException divisionByZero() {
    return fail("division by zero");
  }

  TributaryException overflow(String type) {
    return fail(type + " out of range");
  }
}
