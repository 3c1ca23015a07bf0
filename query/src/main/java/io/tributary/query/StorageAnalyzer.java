package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.parse.Statement;
import java.util.List;

/**
 * Analyzes the storage statements: {@code STORAGE FLUSH TABLE ns.t} and {@code STORAGE FLUSH ALL
 * [IN ns]} (dba and system only, {@link Authorizer#checkStorage}).
 */
final class StorageAnalyzer {
  private StorageAnalyzer() {}

  static Action storageFlush(Catalog catalog, Statement.StorageFlush s, Role role) {
    if (s.table() != null) {
      String action = "flush table " + s.namespace() + "." + s.table();
      Authorizer.checkStorage(role, action);
      if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT, "Cannot %s: system tables have no storage", action);
      }
      TableDef table =
          catalog
              .table(s.namespace(), s.table())
              .orElseThrow(
                  () ->
                      TributaryException.of(
                          ErrorCode.TABLE_NOT_FOUND, "Cannot %s: it does not exist", action));
      if (table.kind() == TableKind.STREAM) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot %s: STREAM tables never flush to cold storage (their events expire)",
            action);
      }
      if (table.partitionKey() != null) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot %s: a SHARED table with a PARTITION_KEY cannot flush to cold storage yet",
            action);
      }
      return new Action.Flush(List.of(table));
    }
    String action = s.namespace() == null ? "flush all" : "flush all in " + s.namespace();
    Authorizer.checkStorage(role, action);
    if (s.namespace() != null && catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND, "Cannot %s: the namespace does not exist", action);
    }
    return new Action.Flush(
        catalog.tables(s.namespace()).stream()
            .filter(t -> t.kind() != TableKind.STREAM && t.partitionKey() == null)
            .toList());
  }
}
