package io.tributary.query.parse;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.List;

/**
 * The bounds on what one statement may be, each refused with a coded error before any work that
 * grows with it.
 *
 * <ul>
 *   <li>{@link #MAX_STATEMENT_BYTES}: a statement's text and its parameters, and the write command
 *       it appends to the log, are refused above it with {@code STATEMENT_TOO_LARGE}: an oversized
 *       write fails before it reaches the log, the same way every time. A quarter of the largest
 *       record the log accepts (Kafka's {@code max.request.size}, 1 MiB), so that the change an
 *       update makes, which holds the row twice (before and after), fits too; far below the API's
 *       largest request (10 MiB).
 *   <li>{@link #MAX_NESTING}: an expression nested deeper is refused with {@code SYNTAX_ERROR} and
 *       its position while the statement is tokenized, before Calcite parses it: Calcite's parser
 *       and validator recurse once per level and take time quadratic in the length of an operator
 *       chain, so a deep statement would otherwise cost seconds of server time or overflow the
 *       stack.
 *   <li>{@link #MAX_PARAMETER}: the highest parameter number ({@code $65535}).
 * </ul>
 */
public final class StatementLimits {
  /** The largest statement (UTF-8 text plus parameters) or encoded write command, in bytes. */
  public static final int MAX_STATEMENT_BYTES = 256 * 1024;

  /**
   * The deepest an expression may nest: each parenthesis, each {@code CASE}, and each operator
   * chained at one level ({@code a AND b AND c} is two levels) counts one.
   */
  public static final int MAX_NESTING = 256;

  /** The highest parameter number: {@code $1} to {@code $65535}. */
  public static final int MAX_PARAMETER = 65_535;

  private StatementLimits() {}

  /**
   * Refuses a statement whose UTF-8 text and parameters together exceed {@link
   * #MAX_STATEMENT_BYTES}.
   *
   * @param params parameter values as {@code StatementRunner} takes them (a string counts its UTF-8
   *     bytes, a byte array its length, any other value 16 bytes)
   * @throws TributaryException STATEMENT_TOO_LARGE
   */
  public static void checkStatementSize(String text, List<?> params) {
    long size = utf8Length(text, MAX_STATEMENT_BYTES);
    for (Object p : params) {
      if (size > MAX_STATEMENT_BYTES) {
        break;
      }
      if (p instanceof String s) {
        size += utf8Length(s, MAX_STATEMENT_BYTES);
      } else if (p instanceof byte[] b) {
        size += b.length;
      } else {
        size += 16;
      }
    }
    if (size > MAX_STATEMENT_BYTES) {
      throw TributaryException.of(
          ErrorCode.STATEMENT_TOO_LARGE,
          "Cannot run statement: its text and parameters are more than %,d bytes (%d KiB); split"
              + " it into smaller statements",
          MAX_STATEMENT_BYTES,
          MAX_STATEMENT_BYTES / 1024);
    }
  }

  /** The UTF-8 length of {@code s}, counted up to a little past {@code stopAbove}. */
  private static long utf8Length(String s, long stopAbove) {
    long n = 0;
    for (int i = 0; i < s.length() && n <= stopAbove; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
