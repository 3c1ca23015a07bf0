package io.tributary.query.expr.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;

/** What compiled code needs to report a failure: the text of the expression being evaluated. */
final class EvalContext {
  private static final int MAX_SHOWN = 200;
  private final String source;

  EvalContext(String source) {
    String s = source.trim();
    this.source = s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN - 3) + "..." : s;
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
