package io.tributary.iceberg.internal;

import static io.tributary.iceberg.internal.ColdFixtures.drain;
import static io.tributary.iceberg.internal.ColdFixtures.shown;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.RowVersion;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALTER TABLE in the cold tier: the Iceberg table follows the table's definition through Iceberg's
 * schema evolution (added columns get the next field id, renamed ones keep theirs), so files
 * written before read correctly, through the store's scans and lookups and through Iceberg's own
 * generic reader (what an external engine sees).
 */
class ColdSchemaEvolutionTest {
  @TempDir java.nio.file.Path dir;
  private IcebergColdStore store;

  @BeforeEach
  void open() {
    store = IcebergColdStore.open(dir, 4);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static TableDef notes(List<ColumnDef> columns) {
    return new TableDef(11, "chat", "notes", TableKind.USER, columns, List.of("id"), Map.of(), 0L);
  }

  private static final ColumnDef ID = new ColumnDef("id", ColumnType.BIGINT, false, null);
  private static final ColumnDef BODY = new ColumnDef("body", ColumnType.TEXT, true, null);
  private static final ColumnDef CONTENT = new ColumnDef("content", ColumnType.TEXT, true, null);
  private static final ColumnDef TAG = new ColumnDef("tag", ColumnType.INT, true, null);

  @Test
  void shouldReadFilesWrittenBeforeAnAddedAndARenamedColumn() throws IOException {
    TableDef v1 = notes(List.of(ID, BODY));
    store.flush(
        v1,
        "f1",
        2,
        List.of(
                RowVersion.of("u1", new Object[] {1L, "one", 1L}),
                RowVersion.of("u2", new Object[] {2L, "two", 2L}))
            .iterator());

    TableDef v2 = notes(List.of(ID, CONTENT, TAG));
    store.evolve(v2);
    store.evolve(v2); // a second time changes nothing

    Table t = store.find(v2);
    assertThat(t.schema().findField("content").fieldId()).isEqualTo(4);
    assertThat(t.schema().findField("tag").fieldId()).isEqualTo(5);
    assertThat(t.schema().findField("body")).isNull();
    assertThat(t.properties()).containsEntry(IcebergColdStore.SPARSE_COLUMNS, "true");

    List<RowVersion> before = drain(store.scan(v2, null, null));
    assertThat(shown(before))
        .containsExactly("u1|[1, one, null, 1]|false", "u2|[2, two, null, 2]|false");

    // a flush under the new definition writes the new column; one key supersedes a cold one
    store.flush(
        v2,
        "f2",
        4,
        List.of(
                RowVersion.of("u1", new Object[] {1L, "one!", 7, 3L}),
                RowVersion.of("u1", new Object[] {3L, "three", 9, 4L}))
            .iterator());
    assertThat(shown(drain(store.scan(v2, null, null))))
        .containsExactly(
            "u1|[1, one!, 7, 3]|false", "u1|[3, three, 9, 4]|false", "u2|[2, two, null, 2]|false");
    assertThat(shown(drain(store.scan(v2, "u2", null))))
        .containsExactly("u2|[2, two, null, 2]|false");
    assertThat(shown(store.lookup(v2, "u2", List.<Object[]>of(new Object[] {2L}))))
        .containsExactly("u2|[2, two, null, 2]|false");

    // what another engine reads: Iceberg's generic reader, by field id, under the new names
    List<String> external = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(store.find(v2)).build()) {
      for (Record r : rows) {
        external.add(
            r.getField("_owner")
                + "|"
                + r.getField("id")
                + "|"
                + r.getField("content")
                + "|"
                + r.getField("tag"));
      }
    }
    external.sort(null);
    assertThat(external).containsExactly("u1|1|one!|7", "u1|3|three|9", "u2|2|two|null");

    // a store opened again finds the evolved table as it is
    store.close();
    store = IcebergColdStore.open(dir, 4);
    assertThat(store.find(v2).schema().findField("tag").fieldId()).isEqualTo(5);
    assertThat(drain(store.scan(v2, null, null))).hasSize(3);
  }

  @Test
  void shouldEvolveATableWithoutFilesAndKeepTheArrowReader() {
    TableDef v1 = notes(List.of(ID, BODY));
    store.ensureTable(v1);
    TableDef v2 = notes(List.of(ID, BODY, TAG));
    store.evolve(v2);

    Table t = store.find(v2);
    assertThat(t.schema().findField("tag").fieldId()).isEqualTo(5);
    assertThat(t.properties()).doesNotContainKey(IcebergColdStore.SPARSE_COLUMNS);
    store.flush(
        v2, "f1", 1, List.of(RowVersion.of("u1", new Object[] {1L, "a", 5, 1L})).iterator());
    assertThat(drain(store.scan(v2, null, null))).extracting(v -> v.row()[2]).containsExactly(5);
  }

  @Test
  void shouldWidenADecimalWhoseOldFilesReadUnderTheLargerPrecision() throws IOException {
    ColumnDef narrow = new ColumnDef("price", ColumnType.decimal(8, 2), true, null);
    ColumnDef wide = new ColumnDef("price", ColumnType.decimal(20, 2), true, null);
    TableDef v1 = notes(List.of(ID, narrow));
    store.flush(
        v1,
        "f1",
        1,
        List.of(RowVersion.of("u1", new Object[] {1L, new BigDecimal("123456.78"), 1L}))
            .iterator());
    TableDef v2 = notes(List.of(ID, wide));
    store.evolve(v2);
    store.flush(
        v2,
        "f2",
        2,
        List.of(RowVersion.of("u1", new Object[] {2L, new BigDecimal("123456789012345678.90"), 2L}))
            .iterator());

    assertThat(store.find(v2).schema().findField("price").type())
        .isEqualTo(Types.DecimalType.of(20, 2));
    assertThat(shown(drain(store.scan(v2, "u1", null))))
        .containsExactly("u1|[1, 123456.78, 1]|false", "u1|[2, 123456789012345678.90, 2]|false");
    List<Object> external = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(store.find(v2)).build()) {
      rows.forEach(r -> external.add(r.getField("price")));
    }
    assertThat(external)
        .containsExactlyInAnyOrder(
            new BigDecimal("123456.78"), new BigDecimal("123456789012345678.90"));
  }

  @Test
  void shouldDoNothingForATableWithoutAColdTable() {
    TableDef v2 = notes(List.of(ID, CONTENT, TAG));
    store.evolve(v2);
    assertThat(store.find(v2)).isNull();
  }
}
