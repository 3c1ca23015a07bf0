package io.tributary.query.exec.internal;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.HistoryTables;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.RowSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.calcite.linq4j.function.Predicate1;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.schema.lookup.Named;

/**
 * One namespace of the catalog (or the system namespace) as a Calcite schema. Tables are looked up
 * in the catalog by name each time Calcite asks, so DDL is seen at once; a table is never listed up
 * front unless Calcite asks for all names.
 */
final class CatalogSchema extends AbstractSchema {
  private final Catalog catalog;
  private final String namespace;
  private final Supplier<RowSource> source;
  private final Consumer<TableDef> onResolve;
  private final Map<String, SourceTable> resolved = new ConcurrentHashMap<>();

  /**
   * @param onResolve told of every table a lookup returns (to know what a prepared plan depends on)
   */
  CatalogSchema(
      Catalog catalog, String namespace, Supplier<RowSource> source, Consumer<TableDef> onResolve) {
    this.catalog = catalog;
    this.namespace = namespace;
    this.source = source;
    this.onResolve = onResolve;
  }

  private boolean isSystem() {
    return Catalog.SYSTEM_NAMESPACE.equals(namespace);
  }

  private Optional<TableDef> find(String name) {
    if (isSystem()) {
      return SystemTables.byName(name);
    }
    Optional<TableDef> table = catalog.table(namespace, name);
    // ns.t$history: every user's flushed rows of a USER table (cross-user analytics)
    return table.isPresent() ? table : HistoryTables.find(catalog, namespace, name);
  }

  private Iterable<TableDef> all() {
    return isSystem() ? SystemTables.ALL : catalog.tables(namespace);
  }

  private SourceTable table(String name) {
    Optional<TableDef> def = find(name);
    if (def.isEmpty()) {
      resolved.remove(name);
      return null;
    }
    TableDef t = def.get();
    onResolve.accept(t);
    SourceTable cached = resolved.get(name);
    if (cached != null && (cached.table() == t || cached.table().equals(t))) {
      return cached;
    }
    SourceTable fresh = new SourceTable(t, source);
    resolved.put(name, fresh);
    return fresh;
  }

  @Override
  public Lookup<Table> tables() {
    return new Lookup<>() {
      @Override
      public Table get(String name) {
        return table(name);
      }

      @Override
      public Named<Table> getIgnoreCase(String name) {
        for (TableDef t : all()) {
          if (t.name().equalsIgnoreCase(name)) {
            return new Named<>(t.name(), table(t.name()));
          }
        }
        return null;
      }

      @Override
      public Set<String> getNames(LikePattern pattern) {
        Predicate1<String> matcher = pattern.matcher();
        return names().stream().filter(matcher::apply).collect(Collectors.toSet());
      }
    };
  }

  @Override
  protected Map<String, Table> getTableMap() {
    Map<String, Table> map = new HashMap<>();
    for (String name : names()) {
      SourceTable t = table(name);
      if (t != null) {
        map.put(name, t);
      }
    }
    return map;
  }

  /**
   * The names of the namespace's tables, and of the history view of each USER table ({@link
   * HistoryTables}), which Calcite finds by listing the names.
   */
  private Set<String> names() {
    Set<String> names = new java.util.HashSet<>();
    for (TableDef t : all()) {
      names.add(t.name());
      if (!isSystem()
          && t.kind() == io.tributary.query.catalog.TableKind.USER
          && t.columnIndex(HistoryTables.OWNER_COLUMN) < 0
          && t.columnIndex(HistoryTables.OWNER_ID_COLUMN) < 0) {
        names.add(t.name() + HistoryTables.SUFFIX);
      }
    }
    return names;
  }

  @Override
  public boolean isMutable() {
    return true;
  }
}
