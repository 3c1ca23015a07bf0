package io.tributary.query.parse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed INSERT, UPDATE and DELETE statements with parameters (also inside EXECUTE AS USER) by
 * their text, so that a client repeating a statement with new {@code $n} parameters skips the
 * parser. Only those are kept: their analysis reads the Calcite tree without changing it, so one
 * parsed statement can serve any number of concurrent executions; and a statement without
 * parameters carries its values in its text, so it is rarely sent twice. Other statements are
 * parsed every time.
 *
 * <p>Thread-safe. Bounded: texts longer than {@code maxTextLength} are not kept, and when {@code
 * maxEntries} are held the cache starts over (an application has few distinct parameterized
 * statements).
 */
public final class StatementCache {
  private final int maxEntries;
  private final int maxTextLength;
  private final Map<String, Statement> parsed = new ConcurrentHashMap<>();

  public StatementCache(int maxEntries, int maxTextLength) {
    if (maxEntries < 1 || maxTextLength < 1) {
      throw new IllegalArgumentException(
          "Cannot create a statement cache: sizes must be positive, not "
              + maxEntries
              + " entries of "
              + maxTextLength
              + " characters");
    }
    this.maxEntries = maxEntries;
    this.maxTextLength = maxTextLength;
  }

  /** As {@link StatementParser#parse}: the statement of {@code text}, parsed now or earlier. */
  public Statement parse(String text) {
    Statement known = parsed.get(text);
    if (known != null) {
      return known;
    }
    Statement statement = StatementParser.parse(text);
    if (text.length() <= maxTextLength && keeps(statement)) {
      if (parsed.size() >= maxEntries) {
        parsed.clear();
      }
      parsed.put(text, statement);
    }
    return statement;
  }

  /** How many statements are held now. */
  public int size() {
    return parsed.size();
  }

  private static boolean keeps(Statement statement) {
    Statement s = statement instanceof Statement.ExecuteAs e ? e.inner() : statement;
    int[] params;
    if (s instanceof Statement.Insert i) {
      params = i.paramMap();
    } else if (s instanceof Statement.Update u) {
      params = u.paramMap();
    } else if (s instanceof Statement.Delete d) {
      params = d.paramMap();
    } else {
      return false;
    }
    return params.length > 0;
  }
}
