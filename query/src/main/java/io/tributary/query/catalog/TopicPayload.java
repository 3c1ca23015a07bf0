package io.tributary.query.catalog;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Locale;

/**
 * What a topic record carries of the row that changed ({@code WITH (payload = ...)} of a topic
 * source).
 */
public enum TopicPayload {
  /** The primary key values only. */
  KEY,
  /** The row after the change (the row before it for a delete). */
  FULL,
  /** The row before and the row after the change. */
  DIFF;

  /** The name as written in SQL: {@code key}, {@code full}, {@code diff}. */
  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws TributaryException INVALID_DEFINITION for any other text
   */
  public static TopicPayload parse(String text, String action) {
    for (TopicPayload p : values()) {
      if (p.sqlName().equalsIgnoreCase(text)) {
        return p;
      }
    }
    throw TributaryException.of(
        ErrorCode.INVALID_DEFINITION,
        "Cannot %s: payload must be 'key', 'full' or 'diff', not '%s'",
        action,
        text);
  }
}
