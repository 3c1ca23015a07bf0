package io.tributary.iceberg.internal;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.RowVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Tables and helpers shared by the cold tier's tests. */
final class ColdFixtures {
  private ColdFixtures() {}

  /** chat.messages: one column of every type, primary key id. */
  static TableDef everyType(long id, TableKind kind) {
    return new TableDef(
        id,
        "chat",
        "messages",
        kind,
        List.of(
            new ColumnDef("id", ColumnType.BIGINT, false, null),
            new ColumnDef("flag", ColumnType.BOOLEAN, true, null),
            new ColumnDef("n", ColumnType.INT, true, null),
            new ColumnDef("score", ColumnType.DOUBLE, true, null),
            new ColumnDef("price", ColumnType.decimal(10, 2), true, null),
            new ColumnDef("content", ColumnType.TEXT, true, null),
            new ColumnDef("payload", ColumnType.BYTES, true, null),
            new ColumnDef("doc", ColumnType.JSON, true, null),
            new ColumnDef("created_at", ColumnType.TIMESTAMP, true, null),
            new ColumnDef("born", ColumnType.DATE, true, null),
            new ColumnDef("ref", ColumnType.UUID, true, null)),
        List.of("id"),
        Map.of(),
        0L);
  }

  static List<RowVersion> drain(ColdCursor cursor) {
    List<RowVersion> out = new ArrayList<>();
    try (cursor) {
      cursor.forEachRemaining(out::add);
    }
    return out;
  }

  /** A comparable text form of rows (byte arrays by content), sorted. */
  static List<String> shown(List<RowVersion> rows) {
    List<String> out = new ArrayList<>();
    for (RowVersion v : rows) {
      out.add(v.owner() + "|" + Arrays.deepToString(v.row()) + "|" + v.deleted());
    }
    out.sort(null);
    return out;
  }
}
