package io.tributary.query.catalog;

import java.util.Locale;

/**
 * When a table's hot rows flush to the cold tier on their own (its {@code FLUSH_POLICY = 'rows:N,
 * interval:S'} option, DESIGN.md section 7): once the table has changed {@code rows} rows since its
 * last flush, or {@code intervalSeconds} after its last flush when it changed at all. A part left
 * out takes its default; 0 turns that trigger off. A table without the option never flushes on its
 * own ({@code STORAGE FLUSH} still flushes it).
 *
 * @param rows flush after this many changed rows; 0: never by count
 * @param intervalSeconds flush this long after the last flush; 0: never by time
 */
public record FlushPolicy(long rows, long intervalSeconds) {
  /** The count trigger when the policy names none. */
  public static final long DEFAULT_ROWS = 100_000;

  /** The time trigger when the policy names none: five minutes. */
  public static final long DEFAULT_INTERVAL_SECONDS = 300;

  /** The table's policy, or null when it has no {@code FLUSH_POLICY} (or is a STREAM table). */
  public static FlushPolicy of(TableDef table) {
    String text = table.options().get("FLUSH_POLICY");
    if (text == null || table.kind() == TableKind.STREAM) {
      return null;
    }
    return parse(text);
  }

  /**
   * Parses {@code rows:N,interval:S} (either part may be left out; DDL validated the text).
   *
   * @throws IllegalArgumentException for text DDL would have refused
   */
  public static FlushPolicy parse(String text) {
    long rows = DEFAULT_ROWS;
    long interval = DEFAULT_INTERVAL_SECONDS;
    for (String part : text.replace(" ", "").toLowerCase(Locale.ROOT).split(",")) {
      if (part.isEmpty()) {
        continue;
      }
      int colon = part.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("invalid FLUSH_POLICY part " + part);
      }
      long value = Long.parseLong(part.substring(colon + 1));
      switch (part.substring(0, colon)) {
        case "rows" -> rows = value;
        case "interval" -> interval = value;
        default -> throw new IllegalArgumentException("invalid FLUSH_POLICY part " + part);
      }
    }
    return new FlushPolicy(rows, interval);
  }
}
