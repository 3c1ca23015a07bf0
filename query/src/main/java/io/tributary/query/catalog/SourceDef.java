package io.tributary.query.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An external transactional database that Tributary reads changes from (CREATE SOURCE ... FROM
 * POSTGRES): where it is, how to log in, which publication and replication slot to use, and which
 * of its tables are mapped into which Tributary table. Immutable; ALTER SOURCE writes a new version
 * of the record.
 *
 * <p>The password never leaves the server: {@code system.sources} and every listing omit it.
 *
 * @param type the kind of database; {@code postgres} is the only one
 * @param tables the mapped tables, in the order they were mapped
 */
public record SourceDef(
    String name,
    String type,
    String url,
    String user,
    String password,
    String publication,
    String slot,
    List<SourceTable> tables,
    long createdAtMillis) {

  public SourceDef {
    tables = List.copyOf(tables == null ? List.of() : tables);
  }

  /**
   * One mapped table: the rows of {@code schema.table} in the source become rows of the Tributary
   * table {@code namespace.target}.
   *
   * @param ownerColumn for a USER table, the source column whose value names the Tributary user
   *     owning the row; null for a SHARED table
   * @param snapshotLsn the position of the snapshot the table's existing rows were copied at:
   *     transactions that committed before it are already in the copy and are skipped
   */
  public record SourceTable(
      String schema,
      String table,
      String namespace,
      String target,
      String ownerColumn,
      long snapshotLsn) {

    public String sourceName() {
      return schema + "." + table;
    }

    public String targetName() {
      return namespace + "." + target;
    }
  }

  public Optional<SourceTable> table(String schema, String table) {
    return tables.stream()
        .filter(t -> t.schema().equals(schema) && t.table().equals(table))
        .findFirst();
  }

  /** This source with {@code mapped} added, or replacing the mapping of the same source table. */
  public SourceDef withTable(SourceTable mapped) {
    List<SourceTable> next = new ArrayList<>();
    for (SourceTable t : tables) {
      if (!(t.schema().equals(mapped.schema()) && t.table().equals(mapped.table()))) {
        next.add(t);
      }
    }
    next.add(mapped);
    return new SourceDef(name, type, url, user, password, publication, slot, next, createdAtMillis);
  }

  /** This source without the mapping of {@code schema.table}. */
  public SourceDef withoutTable(String schema, String table) {
    List<SourceTable> next =
        tables.stream()
            .filter(t -> !(t.schema().equals(schema) && t.table().equals(table)))
            .toList();
    return new SourceDef(name, type, url, user, password, publication, slot, next, createdAtMillis);
  }

  @Override
  public String toString() {
    return "SourceDef[name="
        + name
        + ", url="
        + url
        + ", slot="
        + slot
        + ", tables="
        + tables
        + "]";
  }
}
