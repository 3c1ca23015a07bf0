package io.tributary.client.internal;

import io.tributary.client.Column;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Finds a column's position by name; built once per result set and shared by its rows. */
final class ColumnIndex {

  private static final int AMBIGUOUS = -1;

  private final List<Column> columns;
  private final Map<String, Integer> exact = new HashMap<>();
  private final Map<String, Integer> folded = new HashMap<>();

  ColumnIndex(List<Column> columns) {
    this.columns = List.copyOf(columns);
    for (int i = 0; i < this.columns.size(); i++) {
      String name = this.columns.get(i).name();
      exact.putIfAbsent(name, i);
      folded.merge(name.toLowerCase(Locale.ROOT), i, (first, next) -> AMBIGUOUS);
    }
  }

  List<Column> columns() {
    return columns;
  }

  /**
   * The position of the column named {@code name}: the first exact match, or else the only match
   * ignoring case.
   *
   * @throws IllegalArgumentException if no column, or several ignoring case, match
   */
  int positionOf(String name) {
    Integer position = exact.get(name);
    if (position == null) {
      position = folded.get(name.toLowerCase(Locale.ROOT));
    }
    if (position == null || position == AMBIGUOUS) {
      throw new IllegalArgumentException(
          "Cannot find column '"
              + name
              + "': "
              + (position == null ? "no" : "several")
              + " columns match in "
              + columns.stream().map(Column::name).toList());
    }
    return position;
  }
}
