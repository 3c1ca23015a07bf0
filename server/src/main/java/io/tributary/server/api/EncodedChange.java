package io.tributary.server.api;

import io.tributary.api.v1.Column;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.SortKey;
import io.tributary.api.v1.Subscribed;
import io.tributary.live.EventEncoder;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * One change's rows and events encoded once per distinct projection (the columns a subscription's
 * events carry), however many subscriptions receive them: the insert, update and delete fields are
 * serialized once and the same bytes go to every matching stream (DESIGN.md section 5). A row that
 * is not the change's own (a live SELECT's window moving) is encoded when asked. Used by one
 * thread.
 */
final class EncodedChange implements EventEncoder.ChangeEncoding {
  private final AppliedChange change;

  /** Encodings by projection, found by identity: equal projections are one list (see LiveHub). */
  private final List<Encoded> byColumns = new ArrayList<>(2);

  private static final class Encoded {
    final List<Integer> columns;

    Row oldRow;
    Row newRow;
    byte[] insert;
    byte[] update;
    byte[] delete;

    Encoded(List<Integer> columns) {
      this.columns = columns;
    }
  }

  EncodedChange(AppliedChange change) {
    this.change = change;
  }

  @Override
  public byte[] insert(List<Integer> columns, Object[] row) {
    if (row != change.newRow()) {
      return insertField(row(columns, row));
    }
    Encoded e = encoded(columns);
    if (e.insert == null) {
      e.insert = insertField(newRow(columns));
    }
    return e.insert;
  }

  @Override
  public byte[] update(List<Integer> columns, Object[] oldRow, Object[] newRow) {
    if (oldRow != change.oldRow() || newRow != change.newRow()) {
      return updateField(row(columns, oldRow), row(columns, newRow));
    }
    Encoded e = encoded(columns);
    if (e.update == null) {
      e.update = updateField(oldRow(columns), newRow(columns));
    }
    return e.update;
  }

  @Override
  public byte[] delete(List<Integer> columns, Object[] row) {
    if (row != change.oldRow()) {
      return deleteField(row(columns, row));
    }
    Encoded e = encoded(columns);
    if (e.delete == null) {
      e.delete = deleteField(oldRow(columns));
    }
    return e.delete;
  }

  private byte[] insertField(Row row) {
    return EventBytes.field(
        LiveEvent.INSERT_FIELD_NUMBER,
        RowInsert.newBuilder().setRow(row).setSeq(change.seq()).build());
  }

  private byte[] updateField(Row oldRow, Row newRow) {
    return EventBytes.field(
        LiveEvent.UPDATE_FIELD_NUMBER,
        RowUpdate.newBuilder().setOldRow(oldRow).setNewRow(newRow).setSeq(change.seq()).build());
  }

  private byte[] deleteField(Row row) {
    return EventBytes.field(
        LiveEvent.DELETE_FIELD_NUMBER,
        RowDelete.newBuilder().setRow(row).setSeq(change.seq()).build());
  }

  /** A row of the change's table: from the cache when it is the change's own old or new row. */
  Row row(List<Integer> columns, Object[] values) {
    if (values == change.newRow()) {
      return newRow(columns);
    }
    if (values == change.oldRow()) {
      return oldRow(columns);
    }
    return row(change.table(), columns, values);
  }

  private Row oldRow(List<Integer> columns) {
    Encoded e = encoded(columns);
    if (e.oldRow == null) {
      e.oldRow = row(change.table(), columns, change.oldRow());
    }
    return e.oldRow;
  }

  private Row newRow(List<Integer> columns) {
    Encoded e = encoded(columns);
    if (e.newRow == null) {
      e.newRow = row(change.table(), columns, change.newRow());
    }
    return e.newRow;
  }

  private Encoded encoded(List<Integer> columns) {
    for (int i = 0; i < byColumns.size(); i++) {
      Encoded e = byColumns.get(i);
      if (e.columns == columns) {
        return e;
      }
    }
    Encoded e = new Encoded(columns);
    byColumns.add(e);
    return e;
  }

  /** The wire form of a row: the values of {@code columns}, then {@code _seq}. */
  static Row row(TableDef table, List<Integer> columns, Object[] values) {
    Row.Builder b = Row.newBuilder();
    List<ColumnDef> defs = table.columns();
    for (int c : columns) {
      b.addValues(Values.toProto(defs.get(c).type(), values[c]));
    }
    b.addValues(Values.toProto(ColumnType.BIGINT, values[defs.size()]));
    return b.build();
  }

  /**
   * The first event of a subscription: its columns (then {@code _seq}), primary key and ORDER BY.
   */
  static Subscribed subscribed(LiveQuery query) {
    TableDef table = query.table();
    Subscribed.Builder b = Subscribed.newBuilder();
    for (int c : query.columns()) {
      ColumnDef def = table.columns().get(c);
      b.addColumns(
          Column.newBuilder()
              .setName(def.name())
              .setType(def.type().toString())
              .setNullable(def.nullable()));
    }
    b.addColumns(
        Column.newBuilder()
            .setName(TableDef.SEQ_COLUMN)
            .setType(ColumnType.BIGINT.toString())
            .setNullable(false));
    b.addAllPrimaryKey(table.primaryKey());
    for (LiveQuery.SortKey key : query.order()) {
      String column =
          key.column() < table.columns().size()
              ? table.columns().get(key.column()).name()
              : TableDef.SEQ_COLUMN;
      b.addOrderBy(
          SortKey.newBuilder()
              .setColumn(column)
              .setDescending(key.descending())
              .setNullsFirst(key.nullsFirst()));
    }
    return b.build();
  }
}
