package io.tributary.iceberg.internal;

import io.tributary.iceberg.ColdCatalogView;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * {@link ColdCatalogView} over the cold tier's {@link JdbcCatalog}; reads only. Shows each cold
 * table under its Tributary name: the Iceberg table is {@link IcebergColdStore#identifier} (name
 * and table id), found through the Tributary catalog. A cold table of a dropped table, or one not
 * yet renamed from the name-only form of earlier versions, is not shown.
 */
public final class ReadOnlyCatalogView implements ColdCatalogView {
  private final JdbcCatalog catalog;
  private final Supplier<Catalog> tributary;

  public ReadOnlyCatalogView(JdbcCatalog catalog, Supplier<Catalog> tributary) {
    this.catalog = catalog;
    this.tributary = tributary;
  }

  @Override
  public List<Namespace> namespaces() {
    return catalog.listNamespaces().stream()
        .sorted(Comparator.comparing(Namespace::toString))
        .toList();
  }

  @Override
  public boolean namespaceExists(Namespace namespace) {
    return !namespace.isEmpty() && catalog.namespaceExists(namespace);
  }

  @Override
  public Map<String, String> namespaceProperties(Namespace namespace) {
    return catalog.loadNamespaceMetadata(namespace);
  }

  @Override
  public List<TableIdentifier> tables(Namespace namespace) {
    Set<TableIdentifier> cold = Set.copyOf(catalog.listTables(namespace)); // unknown: throws
    if (namespace.length() != 1) {
      return List.of();
    }
    return tributary.get().tables(namespace.level(0)).stream()
        .filter(t -> t.kind() != TableKind.STREAM)
        .filter(t -> cold.contains(IcebergColdStore.identifier(t)))
        .map(t -> TableIdentifier.of(namespace, t.name()))
        .sorted(Comparator.comparing(TableIdentifier::name))
        .toList();
  }

  @Override
  public TableMetadata table(TableIdentifier table) {
    Namespace namespace = table.namespace();
    TableDef def =
        namespace.length() != 1
            ? null
            : tributary
                .get()
                .table(namespace.level(0), table.name())
                .filter(t -> t.kind() != TableKind.STREAM)
                .orElse(null);
    if (def == null) {
      throw new NoSuchTableException("Table does not exist: %s", table);
    }
    Table loaded = catalog.loadTable(IcebergColdStore.identifier(def));
    if (!(loaded instanceof BaseTable base)) {
      // a metadata table (ns.t.snapshots): JdbcCatalog resolves those names too
      throw new NoSuchTableException("Table does not exist: %s", table);
    }
    return base.operations().current();
  }
}
