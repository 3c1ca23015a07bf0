package io.tributary.query.catalog;

import java.util.List;
import java.util.Optional;

/**
 * A read-only view of the catalog: namespaces, tables, users and topics. Implementations are
 * thread-safe; what one call returns is consistent in itself, but two calls may see different
 * catalog versions when DDL is being applied between them.
 */
public interface Catalog {
  /** Names of the reserved namespace that holds the system tables. */
  String SYSTEM_NAMESPACE = "system";

  Optional<NamespaceDef> namespace(String name);

  /** All namespaces, sorted by name (the system namespace excluded). */
  List<NamespaceDef> namespaces();

  Optional<TableDef> table(String namespace, String name);

  Optional<TableDef> table(long id);

  /** Tables of one namespace, or of all namespaces when {@code namespace} is null, sorted. */
  List<TableDef> tables(String namespace);

  /** The account that currently holds a name. */
  Optional<UserDef> user(String name);

  /**
   * The account with an id ({@link UserDef#id()}); empty once it was dropped, even when another
   * account now has its name.
   */
  Optional<UserDef> userById(String id);

  /** All users, sorted by name. */
  List<UserDef> users();

  /** All row-level policies, sorted by table and name (none by default). */
  default List<PolicyDef> policies() {
    return List.of();
  }

  /** The policies of one table (of this table id: not those of a dropped namesake), by name. */
  default List<PolicyDef> policies(TableDef table) {
    return policies().stream().filter(p -> p.tableId() == table.id()).toList();
  }

  /** The source with this name (CREATE SOURCE). */
  default Optional<SourceDef> source(String name) {
    return Optional.empty();
  }

  /** All sources, sorted by name. */
  default List<SourceDef> sources() {
    return List.of();
  }

  /** How far the source's changes are durable in the log, if it has applied any. */
  default Optional<SourcePosition> sourcePosition(String name) {
    return Optional.empty();
  }

  /** The topic with a qualified name. */
  default Optional<TopicDef> topic(String namespace, String name) {
    return Optional.empty();
  }

  /** Topics of one namespace, or of all namespaces when {@code namespace} is null, sorted. */
  default List<TopicDef> topics(String namespace) {
    return List.of();
  }

  /**
   * The topics with a source on the table {@code tableId}; cheap (the materializer asks for every
   * change it applies), and empty when there is none.
   */
  default List<TopicDef> topicsWithSource(long tableId) {
    return List.of();
  }
}
