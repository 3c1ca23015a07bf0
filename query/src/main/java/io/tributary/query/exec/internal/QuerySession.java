package io.tributary.query.exec.internal;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.HistoryTables;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.RowSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.jdbc.Driver;
import org.apache.calcite.schema.SchemaPlus;

/**
 * One Calcite connection, used by one thread at a time, with the statements it prepared. Planning a
 * query with Calcite costs milliseconds (validation, Volcano planning, Janino code generation), so
 * a prepared statement is kept per SQL text and run again with new parameters and a new row source.
 * A kept statement is dropped when a table it was planned against has changed in the catalog.
 */
final class QuerySession {
  private static final Driver DRIVER = new Driver();

  private final Catalog catalog;
  private final Connection connection;
  private final SchemaPlus root;
  private final Set<String> namespaces = new HashSet<>();
  private final Map<String, Prepared> statements;

  /** The row source of the running query; read by the tables when Calcite scans them. */
  private RowSource source;

  /** The tables looked up while preparing, or null when not preparing. */
  private List<TableDef> resolving;

  private record Prepared(PreparedStatement statement, List<TableDef> tables) {}

  QuerySession(Catalog catalog, Properties properties, int maxStatements) throws SQLException {
    this.catalog = catalog;
    this.connection = DRIVER.connect(Driver.CONNECT_STRING_PREFIX, properties);
    this.root = connection.unwrap(CalciteConnection.class).getRootSchema();
    root.setCacheEnabled(false);
    CalciteSchema rootSchema = root.unwrap(CalciteSchema.class);
    if (rootSchema != null) {
      rootSchema.removeSubSchema("metadata");
    }
    addSchema(Catalog.SYSTEM_NAMESPACE);
    this.statements =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Prepared> eldest) {
            if (size() > maxStatements) {
              closeQuietly(eldest.getValue().statement());
              return true;
            }
            return false;
          }
        };
  }

  private void addSchema(String name) {
    SchemaPlus added =
        root.add(name, new CatalogSchema(catalog, name, () -> source, this::resolved));
    added.setCacheEnabled(false);
  }

  private void resolved(TableDef table) {
    if (resolving != null) {
      resolving.add(table);
    }
  }

  /** Whether a statement for this exact SQL text is prepared (so it is known to be a query). */
  boolean isPrepared(String sql) {
    return statements.containsKey(sql);
  }

  /** Runs one query; SQL failures come out as Calcite threw them, for the caller to translate. */
  QueryResult run(String sql, List<Object> params, RowSource rows) throws SQLException {
    syncNamespaces();
    Prepared prepared = statements.get(sql);
    if (prepared != null && !isCurrent(prepared)) {
      statements.remove(sql);
      closeQuietly(prepared.statement());
      prepared = null;
    }
    if (prepared == null) {
      resolving = new ArrayList<>();
      try {
        prepared = new Prepared(connection.prepareStatement(sql), List.copyOf(resolving));
      } finally {
        resolving = null;
      }
      statements.put(sql, prepared);
    }
    PreparedStatement statement = prepared.statement();
    boolean succeeded = false;
    source = rows;
    try {
      JdbcValues.bind(statement, params);
      try (ResultSet rs = statement.executeQuery()) {
        QueryResult result = JdbcValues.read(rs, catalog);
        succeeded = true;
        return result;
      }
    } finally {
      source = null;
      if (!succeeded) {
        // A statement that failed may be unusable (a generated class whose initializer threw).
        statements.remove(sql);
        closeQuietly(statement);
      }
    }
  }

  /** Whether every table the statement was planned against is still the same in the catalog. */
  private boolean isCurrent(Prepared prepared) {
    for (TableDef t : prepared.tables()) {
      Optional<TableDef> now =
          SystemTables.isSystem(t)
              ? SystemTables.byName(t.name())
              : HistoryTables.isHistory(t)
                  ? HistoryTables.find(catalog, t.namespace(), t.name())
                  : catalog.table(t.namespace(), t.name());
      if (now.isEmpty() || (now.get() != t && !now.get().equals(t))) {
        return false;
      }
    }
    return true;
  }

  private void syncNamespaces() {
    List<NamespaceDef> current = catalog.namespaces();
    boolean same = current.size() == namespaces.size();
    if (same) {
      for (NamespaceDef ns : current) {
        if (!namespaces.contains(ns.name())) {
          same = false;
          break;
        }
      }
    }
    if (same) {
      return;
    }
    Set<String> names = new HashSet<>();
    for (NamespaceDef ns : current) {
      if (!Catalog.SYSTEM_NAMESPACE.equals(ns.name())) {
        names.add(ns.name());
      }
    }
    CalciteSchema rootSchema = root.unwrap(CalciteSchema.class);
    for (String gone : namespaces) {
      if (!names.contains(gone) && rootSchema != null) {
        rootSchema.removeSubSchema(gone);
      }
    }
    for (String added : names) {
      if (!namespaces.contains(added)) {
        addSchema(added);
      }
    }
    namespaces.clear();
    namespaces.addAll(names);
  }

  void close() {
    statements.values().forEach(p -> closeQuietly(p.statement()));
    statements.clear();
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing to release beyond memory
    }
  }

  private static void closeQuietly(PreparedStatement statement) {
    try {
      statement.close();
    } catch (SQLException e) {
      // nothing to release beyond memory
    }
  }
}
