package io.tributary.client.internal;

import io.tributary.client.Column;
import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** A result set decoded eagerly from the protocol. */
final class DecodedResultSet implements ResultSet {

  private final ColumnIndex index;
  private final List<Row> rows;

  private DecodedResultSet(ColumnIndex index, List<Row> rows) {
    this.index = index;
    this.rows = rows;
  }

  static DecodedResultSet decode(io.tributary.api.v1.ResultSet proto) {
    List<Column> columns = new ArrayList<>(proto.getColumnsCount());
    for (io.tributary.api.v1.Column column : proto.getColumnsList()) {
      columns.add(new Column(column.getName(), column.getType(), column.getNullable()));
    }
    ColumnIndex index = new ColumnIndex(columns);
    List<Row> rows = new ArrayList<>(proto.getRowsCount());
    for (io.tributary.api.v1.Row row : proto.getRowsList()) {
      rows.add(DecodedRow.decode(index, row));
    }
    return new DecodedResultSet(index, Collections.unmodifiableList(rows));
  }

  @Override
  public List<Column> columns() {
    return index.columns();
  }

  @Override
  public List<Row> rows() {
    return rows;
  }

  @Override
  public int size() {
    return rows.size();
  }

  @Override
  public Iterator<Row> iterator() {
    return rows.iterator();
  }

  @Override
  public String toString() {
    return "ResultSet[columns=" + columns() + ", rows=" + rows.size() + "]";
  }
}
