package io.tributary.iceberg;

import io.tributary.iceberg.internal.IcebergColdStore;
import io.tributary.iceberg.internal.ReadOnlyCatalogView;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.exec.ColdTier;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;

/**
 * A read-only view of the cold tier's Iceberg catalog, for engines outside Tributary (the server's
 * Iceberg REST endpoint): the namespaces and tables that hold flushed history, and each table's
 * current metadata. Nothing here changes the catalog; who may call it is the caller's business (the
 * REST endpoint admits dba and system tokens only).
 *
 * <p>A table's metadata names its files by absolute local paths under the server's data directory,
 * so an external engine reads them from the same machine (or the same mount). Answers reflect the
 * catalog at the time of the call: a flush committed meanwhile shows in the next call. Thread-safe.
 *
 * <p>Failures: an unknown namespace fails with {@link NoSuchNamespaceException}, an unknown table
 * with {@link NoSuchTableException}; a storage failure with an unchecked Iceberg exception.
 */
public interface ColdCatalogView {
  /** Every namespace that has (or had) a cold table, in name order. */
  List<Namespace> namespaces();

  /** Whether {@code namespace} exists in the cold catalog. */
  boolean namespaceExists(Namespace namespace);

  /**
   * The properties of {@code namespace}.
   *
   * @throws NoSuchNamespaceException when it does not exist
   */
  Map<String, String> namespaceProperties(Namespace namespace);

  /**
   * The cold tables of {@code namespace}, in name order.
   *
   * @throws NoSuchNamespaceException when it does not exist
   */
  List<TableIdentifier> tables(Namespace namespace);

  /**
   * The current metadata of a cold table, with the location of its metadata file ({@link
   * TableMetadata#metadataFileLocation()}).
   *
   * @throws NoSuchTableException when there is no such table
   */
  TableMetadata table(TableIdentifier table);

  /**
   * The view of a cold tier opened by {@link IcebergColdTier#open}. Tables are shown under their
   * Tributary names ({@code ns.t}), looked up in {@code catalog}: the cold tier names its Iceberg
   * tables by table id as well, so that a re-created name never meets a dropped table's files.
   *
   * @param catalog the current Tributary catalog, read on every call
   * @throws IllegalArgumentException when {@code cold} is another implementation
   */
  static ColdCatalogView of(ColdTier cold, Supplier<Catalog> catalog) {
    if (cold instanceof IcebergColdStore store) {
      return new ReadOnlyCatalogView(store.catalog(), catalog);
    }
    throw new IllegalArgumentException(
        "Cannot view the catalog of the cold tier: "
            + cold.getClass().getName()
            + " is not Iceberg's (open it with IcebergColdTier.open)");
  }
}
