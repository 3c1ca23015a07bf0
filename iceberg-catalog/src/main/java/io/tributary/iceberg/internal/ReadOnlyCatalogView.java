package io.tributary.iceberg.internal;

import io.tributary.iceberg.ColdCatalogView;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.jdbc.JdbcCatalog;

/** {@link ColdCatalogView} over the cold tier's {@link JdbcCatalog}; reads only. */
public final class ReadOnlyCatalogView implements ColdCatalogView {
  private final JdbcCatalog catalog;

  public ReadOnlyCatalogView(JdbcCatalog catalog) {
    this.catalog = catalog;
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
    return catalog.listTables(namespace).stream()
        .sorted(Comparator.comparing(TableIdentifier::name))
        .toList();
  }

  @Override
  public TableMetadata table(TableIdentifier table) {
    Table loaded = catalog.loadTable(table);
    if (!(loaded instanceof BaseTable base)) {
      // a metadata table (ns.t.snapshots): JdbcCatalog resolves those names too
      throw new NoSuchTableException("Table does not exist: %s", table);
    }
    return base.operations().current();
  }
}
