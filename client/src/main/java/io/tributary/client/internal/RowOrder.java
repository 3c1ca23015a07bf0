package io.tributary.client.internal;

import io.tributary.api.v1.SortKey;
import io.tributary.client.Row;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The order of a live query's rows, as the server orders the same SELECT: its ORDER BY terms (each
 * with the NULL placement the server resolved), then the key columns ascending, so that no two rows
 * of one result compare equal. Values compare as the server compares them: numbers, text (by UTF-16
 * code unit), booleans (false first), timestamps and dates by value, bytes unsigned, UUIDs by their
 * lower-case text.
 */
final class RowOrder {

  private RowOrder() {}

  /**
   * @param columns the subscription's columns
   * @param orderBy the ORDER BY terms the server sent, each naming one of {@code columns}
   * @param keyPositions the positions of the key columns, the last tie-breaker
   * @throws IllegalArgumentException when a term names no column
   */
  static Comparator<Row> of(ColumnIndex columns, List<SortKey> orderBy, int[] keyPositions) {
    int n = orderBy.size() + keyPositions.length;
    int[] positions = new int[n];
    boolean[] descending = new boolean[n];
    boolean[] nullsFirst = new boolean[n];
    for (int t = 0; t < orderBy.size(); t++) {
      SortKey key = orderBy.get(t);
      positions[t] = columns.positionOf(key.getColumn());
      descending[t] = key.getDescending();
      nullsFirst[t] = key.getNullsFirst();
    }
    for (int k = 0; k < keyPositions.length; k++) {
      positions[orderBy.size() + k] = keyPositions[k];
    }
    return (a, b) -> {
      for (int t = 0; t < n; t++) {
        Object x = value(a, positions[t]);
        Object y = value(b, positions[t]);
        int c;
        if (x == null || y == null) {
          c = x == y ? 0 : (x == null) == nullsFirst[t] ? -1 : 1;
        } else {
          c = compare(x, y);
          c = descending[t] ? -c : c;
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  private static Object value(Row row, int position) {
    return row instanceof DecodedRow decoded ? decoded.value(position) : row.get(position);
  }

  /** Compares two non-null values of one column. */
  static int compare(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.compareUnsigned(x, y);
    }
    if (a instanceof UUID x && b instanceof UUID y) {
      // The server keeps UUIDs as their canonical text; UUID.compareTo compares signed halves.
      return x.toString().compareTo(y.toString());
    }
    @SuppressWarnings("unchecked")
    Comparable<Object> c = (Comparable<Object>) a;
    return c.compareTo(b);
  }
}
