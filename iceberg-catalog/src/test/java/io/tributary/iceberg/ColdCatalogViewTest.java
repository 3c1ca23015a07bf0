package io.tributary.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.ColdTier;
import io.tributary.query.exec.RowVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only view of a real cold tier's catalog, and the read-only local FileIO. */
class ColdCatalogViewTest {
  @TempDir Path dir;
  private ColdTier cold;
  private ColdCatalogView view;

  /** The Tributary catalog's tables: the view shows the cold tables of these only. */
  private final List<TableDef> defs = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    cold = IcebergColdTier.open(dir);
    view = ColdCatalogView.of(cold, () -> new TablesCatalog(defs));
  }

  /** A catalog of tables only. */
  private record TablesCatalog(List<TableDef> tables) implements Catalog {
    @Override
    public Optional<NamespaceDef> namespace(String name) {
      return Optional.empty();
    }

    @Override
    public List<NamespaceDef> namespaces() {
      return List.of();
    }

    @Override
    public Optional<TableDef> table(String namespace, String name) {
      return tables.stream()
          .filter(t -> t.namespace().equals(namespace) && t.name().equals(name))
          .findFirst();
    }

    @Override
    public Optional<TableDef> table(long id) {
      return tables.stream().filter(t -> t.id() == id).findFirst();
    }

    @Override
    public List<TableDef> tables(String namespace) {
      return tables.stream().filter(t -> t.namespace().equals(namespace)).toList();
    }

    @Override
    public Optional<UserDef> user(String name) {
      return Optional.empty();
    }

    @Override
    public Optional<UserDef> userById(String id) {
      return Optional.empty();
    }

    @Override
    public List<UserDef> users() {
      return List.of();
    }
  }

  @AfterEach
  void close() throws Exception {
    cold.close();
  }

  private TableDef table(long id, String namespace, String name) {
    TableDef table = tableDef(id, namespace, name);
    defs.add(table);
    return table;
  }

  private static TableDef tableDef(long id, String namespace, String name) {
    return new TableDef(
        id,
        namespace,
        name,
        TableKind.USER,
        List.of(
            new ColumnDef("id", ColumnType.BIGINT, false, null),
            new ColumnDef("body", ColumnType.TEXT, true, null)),
        List.of("id"),
        Map.of(),
        0L);
  }

  @Test
  void shouldListNamespacesAndTablesInNameOrderAndLoadTheCurrentMetadata() {
    TableDef notes = table(3, "zeta", "notes");
    cold.ensureTable(notes);
    cold.ensureTable(table(4, "zeta", "archive"));
    cold.ensureTable(table(5, "alpha", "items"));

    assertThat(view.namespaces()).containsExactly(Namespace.of("alpha"), Namespace.of("zeta"));
    assertThat(view.namespaceExists(Namespace.of("zeta"))).isTrue();
    assertThat(view.namespaceExists(Namespace.of("omega"))).isFalse();
    assertThat(view.namespaceExists(Namespace.empty())).isFalse();
    assertThat(view.namespaceProperties(Namespace.of("zeta"))).isNotNull();
    assertThat(view.tables(Namespace.of("zeta")))
        .containsExactly(
            TableIdentifier.of("zeta", "archive"), TableIdentifier.of("zeta", "notes"));
    // the Iceberg table is named by name and id; the view shows the Tributary name
    assertThat(view.table(TableIdentifier.of("zeta", "archive"))).isNotNull();
    defs.removeIf(t -> t.name().equals("archive")); // dropped from Tributary's catalog
    assertThat(view.tables(Namespace.of("zeta")))
        .containsExactly(TableIdentifier.of("zeta", "notes"));
    assertThatThrownBy(() -> view.table(TableIdentifier.of("zeta", "archive")))
        .isInstanceOf(NoSuchTableException.class);

    TableIdentifier id = TableIdentifier.of("zeta", "notes");
    TableMetadata empty = view.table(id);
    assertThat(empty.metadataFileLocation()).isNotNull();
    assertThat(Path.of(empty.metadataFileLocation())).exists();
    assertThat(empty.currentSnapshot()).isNull();
    assertThat(empty.schema().columns())
        .extracting(f -> f.name())
        .containsExactly("_owner", "_seq", "id", "body");

    cold.flush(
        notes,
        "f1",
        2,
        List.of(
                RowVersion.of("u1", new Object[] {1L, "one", 1L}),
                RowVersion.of("u2", new Object[] {1L, "uno", 2L}))
            .iterator());

    TableMetadata flushed = view.table(id);
    assertThat(flushed.metadataFileLocation()).isNotEqualTo(empty.metadataFileLocation());
    assertThat(flushed.currentSnapshot()).isNotNull();
    assertThat(flushed.currentSnapshot().summary()).containsEntry("added-records", "2");
  }

  @Test
  void shouldRefuseUnknownNamespacesTablesAndMetadataTables() {
    cold.ensureTable(table(3, "zeta", "notes"));

    assertThatThrownBy(() -> view.table(TableIdentifier.of("zeta", "nope")))
        .isInstanceOf(NoSuchTableException.class)
        .hasMessageContaining("zeta.nope");
    assertThatThrownBy(() -> view.tables(Namespace.of("omega")))
        .isInstanceOf(NoSuchNamespaceException.class)
        .hasMessageContaining("omega");
    // Iceberg catalogs resolve ns.table.snapshots to a metadata table: not a table of the view
    assertThatThrownBy(() -> view.table(TableIdentifier.of("zeta", "notes", "snapshots")))
        .isInstanceOf(NoSuchTableException.class)
        .hasMessage("Table does not exist: zeta.notes.snapshots");
  }

  @Test
  void shouldReadDataFilesButNeverWriteOrDeleteThem() throws IOException {
    TableDef notes = table(3, "zeta", "notes");
    cold.flush(
        notes, "f1", 1, List.of(RowVersion.of("u1", new Object[] {1L, "one", 1L})).iterator());
    TableMetadata metadata = view.table(TableIdentifier.of("zeta", "notes"));
    FileIO io = new ReadOnlyLocalFileIO();
    io.initialize(Map.of());
    List<String> files = new ArrayList<>();
    for (DataFile f : metadata.currentSnapshot().addedDataFiles(io)) {
      files.add(f.location());
    }
    assertThat(files).hasSize(1);
    String file = files.get(0);

    InputFile in = io.newInputFile(file);
    assertThat(in.exists()).isTrue();
    assertThat(in.getLength()).isEqualTo(Files.size(Path.of(file))).isPositive();

    assertThatThrownBy(() -> io.deleteFile(file))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage(
            "Cannot delete " + file + ": Tributary's cold tier is read-only to other engines");
    assertThatThrownBy(() -> io.newOutputFile(file + ".copy"))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageStartingWith("Cannot write ");
    assertThat(Path.of(file)).exists();
    assertThat(Path.of(file + ".copy")).doesNotExist();
  }
}
