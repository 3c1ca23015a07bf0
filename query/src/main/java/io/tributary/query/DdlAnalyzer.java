package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.DefaultValue;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SharedAccess;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.parse.Statement;
import io.tributary.query.policy.Policies;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Analyzes the statements that change namespaces and tables: CREATE/DROP NAMESPACE,
 * CREATE/ALTER/DROP TABLE (dba and system only, {@link Authorizer#checkChangesCatalog}).
 */
final class DdlAnalyzer extends FamilyAnalyzer {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern FLUSH_POLICY =
      Pattern.compile("(rows:\\d+)?(,?interval:\\d+)?", Pattern.CASE_INSENSITIVE);
  private static final Set<String> TABLE_OPTIONS =
      Set.of("FLUSH_POLICY", "TTL_SECONDS", "ACCESS_LEVEL", "PARTITION_KEY");

  DdlAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action createNamespace(Statement.CreateNamespace s, Role role) {
    Authorizer.checkChangesCatalog(role, "create namespace " + s.name());
    checkName(s.name(), "namespace", "create namespace");
    if (s.name().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_EXISTS, "Cannot create namespace system: it is reserved");
    }
    if (catalog.namespace(s.name()).isPresent()) {
      if (s.ifNotExists()) {
        return new Action.Done("CREATE NAMESPACE");
      }
      throw TributaryException.of(
          ErrorCode.NAMESPACE_EXISTS, "Cannot create namespace %s: it already exists", s.name());
    }
    return new Action.CatalogChange(
        "CREATE NAMESPACE",
        List.of(CatalogRecord.namespace(new NamespaceDef(s.name(), env.nowMillis()))),
        List.of());
  }

  Action dropNamespace(Statement.DropNamespace s, Role role) {
    Authorizer.checkChangesCatalog(role, "drop namespace " + s.name());
    if (s.name().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot drop namespace system: it is reserved");
    }
    if (catalog.namespace(s.name()).isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP NAMESPACE");
      }
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND, "Cannot drop namespace %s: it does not exist", s.name());
    }
    List<TableDef> tables = catalog.tables(s.name());
    if (!tables.isEmpty() && !s.cascade()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_EMPTY,
          "Cannot drop namespace %s: it holds %d table(s); drop them or use CASCADE",
          s.name(),
          tables.size());
    }
    checkNoPolicyReads(tables, "drop namespace " + s.name());
    List<CatalogRecord> records = new ArrayList<>();
    for (TableDef t : tables) {
      records.addAll(policyTombstones(t));
      records.add(CatalogRecord.tombstone(CatalogRecord.Kind.TABLE, t.qualifiedName()));
    }
    records.add(CatalogRecord.tombstone(CatalogRecord.Kind.NAMESPACE, s.name()));
    return new Action.CatalogChange("DROP NAMESPACE", records, tables);
  }

  Action createTable(Statement.CreateTable s, Role role) {
    String qualified = s.namespace() + "." + s.name();
    String action = "create table " + qualified;
    Authorizer.checkChangesCatalog(role, action);
    checkName(s.name(), "table", action);
    if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: namespace system is reserved", action);
    }
    if (catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND,
          "Cannot %s: namespace %s does not exist",
          action,
          s.namespace());
    }
    if (catalog.table(s.namespace(), s.name()).isPresent()) {
      if (s.ifNotExists()) {
        return new Action.Done("CREATE TABLE");
      }
      throw TributaryException.of(ErrorCode.TABLE_EXISTS, "Cannot %s: it already exists", action);
    }
    if (s.primaryKey().isEmpty()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION, "Cannot %s: a primary key is required", action);
    }
    TableKind kind = s.kind() == null ? TableKind.USER : s.kind();
    Map<String, String> columnsSeen = new LinkedHashMap<>();
    List<ColumnDef> columns = new ArrayList<>();
    for (Statement.ColumnSpec c : s.columns()) {
      checkName(c.name(), "column", action);
      if (c.name().startsWith("_")) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: column names starting with '_' are reserved (%s)",
            action,
            c.name());
      }
      if (columnsSeen.put(c.name(), c.name()) != null) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: column %s is declared twice",
            action,
            c.name());
      }
      boolean key = s.primaryKey().contains(c.name());
      if (key && c.type().kind() == ColumnType.Kind.JSON) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: primary key column %s cannot be JSON",
            action,
            c.name());
      }
      columns.add(
          new ColumnDef(c.name(), c.type(), !(c.notNull() || key), defaultValue(c, action)));
    }
    Set<String> keySeen = new HashSet<>();
    for (String k : s.primaryKey()) {
      if (!columnsSeen.containsKey(k)) {
        throw TributaryException.of(
            ErrorCode.COLUMN_NOT_FOUND,
            "Cannot %s: primary key column %s is not a column of the table",
            action,
            k);
      }
      if (!keySeen.add(k)) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: primary key column %s is listed twice",
            action,
            k);
      }
    }
    Map<String, String> options = validateOptions(kind, s.options(), action);
    checkPartitionKey(options.get("PARTITION_KEY"), s.primaryKey(), columns, action);
    TableDef table =
        new TableDef(
            env.nextId(),
            s.namespace(),
            s.name(),
            kind,
            columns,
            s.primaryKey(),
            options,
            env.nowMillis());
    return new Action.CatalogChange("CREATE TABLE", List.of(CatalogRecord.table(table)), List.of());
  }

  private static DefaultValue defaultValue(Statement.ColumnSpec c, String action) {
    if (c.defaultFunction() != null) {
      DefaultValue.Kind kind = DefaultValue.Kind.valueOf(c.defaultFunction());
      ColumnType.Kind type = c.type().kind();
      boolean fits =
          switch (kind) {
            case SNOWFLAKE_ID -> type == ColumnType.Kind.BIGINT;
            case NOW -> type == ColumnType.Kind.TIMESTAMP;
            case UUID_V7 -> type == ColumnType.Kind.UUID || type == ColumnType.Kind.TEXT;
            case CURRENT_USER -> type == ColumnType.Kind.TEXT;
            case LITERAL -> true;
          };
      if (!fits) {
        throw TributaryException.of(
            ErrorCode.TYPE_MISMATCH,
            "Cannot %s: DEFAULT %s() does not fit column %s of type %s",
            action,
            c.defaultFunction(),
            c.name(),
            c.type());
      }
      return DefaultValue.of(kind);
    }
    if (c.defaultLiteral() != null) {
      Object value = c.type().coerce(c.defaultLiteral(), c.name());
      return new DefaultValue(DefaultValue.Kind.LITERAL, c.type().format(value));
    }
    return null;
  }

  /**
   * A SHARED table's PARTITION_KEY must be its first primary key column, of a type whose values
   * compare exactly (so the same value always routes to the same partition): every row's key range
   * owner is then fixed for its life (primary key columns cannot be updated), and a filter that
   * fixes the column names one partition.
   */
  private static void checkPartitionKey(
      String partitionKey, List<String> primaryKey, List<ColumnDef> columns, String action) {
    if (partitionKey == null) {
      return;
    }
    ColumnDef column =
        columns.stream().filter(c -> c.name().equals(partitionKey)).findFirst().orElse(null);
    if (column == null) {
      throw TributaryException.of(
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot %s: PARTITION_KEY %s is not a column of the table",
          action,
          partitionKey);
    }
    if (primaryKey.isEmpty() || !primaryKey.get(0).equals(partitionKey)) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: PARTITION_KEY %s must be the first primary key column (e.g. PRIMARY KEY"
              + " (%s, id)), so that a row never moves between partitions",
          action,
          partitionKey,
          partitionKey);
    }
    ColumnType.Kind kind = column.type().kind();
    if (kind != ColumnType.Kind.INT
        && kind != ColumnType.Kind.BIGINT
        && kind != ColumnType.Kind.TEXT
        && kind != ColumnType.Kind.UUID) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: PARTITION_KEY %s must be INT, BIGINT, TEXT or UUID, not %s",
          action,
          partitionKey,
          column.type());
    }
  }

  private static Map<String, String> validateOptions(
      TableKind kind, Map<String, String> options, String action) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!TABLE_OPTIONS.contains(key)) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: unknown option %s (expected TYPE, FLUSH_POLICY, TTL_SECONDS,"
                + " ACCESS_LEVEL or PARTITION_KEY)",
            action,
            key);
      }
      switch (key) {
        case "FLUSH_POLICY" -> {
          if (value.isBlank() || !FLUSH_POLICY.matcher(value.replace(" ", "")).matches()) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: FLUSH_POLICY '%s' must look like 'rows:10000,interval:300'",
                action,
                value);
          }
          if (kind == TableKind.STREAM) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: STREAM tables never flush to cold storage",
                action);
          }
        }
        case "TTL_SECONDS" -> {
          if (kind != TableKind.STREAM) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: TTL_SECONDS applies to STREAM tables only",
                action);
          }
          long ttl;
          try {
            ttl = Long.parseLong(value);
          } catch (NumberFormatException ex) {
            ttl = -1;
          }
          if (ttl <= 0) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: TTL_SECONDS must be a positive number of seconds, not '%s'",
                action,
                value);
          }
          if (ttl > TableDef.MAX_TTL_SECONDS) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: TTL_SECONDS may be at most %d (%d days), not %s",
                action,
                TableDef.MAX_TTL_SECONDS,
                TableDef.MAX_TTL_SECONDS / 86_400,
                value);
          }
          value = Long.toString(ttl);
        }
        case "ACCESS_LEVEL" -> {
          if (kind != TableKind.SHARED) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: ACCESS_LEVEL applies to SHARED tables only",
                action);
          }
          value = SharedAccess.parse(value).sqlName();
        }
        case "PARTITION_KEY" -> {
          if (kind != TableKind.SHARED) {
            throw TributaryException.of(
                ErrorCode.INVALID_DEFINITION,
                "Cannot %s: PARTITION_KEY applies to SHARED tables only (a %s table is already"
                    + " spread over the partitions by its owner)",
                action,
                kind);
          }
        }
        default -> throw new AssertionError(key);
      }
      out.put(key, value);
    }
    if (kind == TableKind.STREAM && !out.containsKey("TTL_SECONDS")) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION, "Cannot %s: a STREAM table needs TTL_SECONDS", action);
    }
    return out;
  }

  /**
   * ALTER TABLE: ADD COLUMN appends a nullable column (rows written before read NULL in it: rows
   * are never rewritten, {@link io.tributary.query.command.RowCodec}); RENAME COLUMN renames a
   * column that is not a primary key column and that no row policy, topic or source names; ALTER
   * COLUMN ... TYPE widens a DECIMAL's precision (same scale: the stored form does not change). The
   * new definition keeps the table's id and its columns' positions, so commands in flight, stored
   * rows and cold files (whose field ids follow the positions) read the same. DROP COLUMN and other
   * type changes are refused after the checks that do not depend on them.
   */
  Action alterTable(Statement.AlterTable s, Role role) {
    String qualified = s.namespace() + "." + s.name();
    String action = "alter table " + qualified;
    Authorizer.checkChangesCatalog(role, action);
    if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables cannot be altered", action);
    }
    TableDef table =
        catalog
            .table(s.namespace(), s.name())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND, "Cannot %s: it does not exist", action));
    List<ColumnDef> columns = new ArrayList<>(table.columns());
    switch (s.op()) {
      case ADD_COLUMN -> columns.add(addedColumn(table, s.added(), action));
      case RENAME_COLUMN -> {
        int index = existingColumn(table, s.column(), action);
        checkName(s.newName(), "column", action);
        checkNotReserved(s.newName(), action);
        if (s.newName().equals(s.column())) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot %s: column %s is already named so",
              action,
              s.column());
        }
        if (table.columnIndex(s.newName()) >= 0) {
          throw TributaryException.of(
              ErrorCode.INVALID_DEFINITION,
              "Cannot %s: column %s already exists",
              action,
              s.newName());
        }
        checkNotKey(table, s.column(), "renamed", action);
        checkNotNamedElsewhere(table, s.column(), "renamed", action);
        ColumnDef c = columns.get(index);
        columns.set(index, new ColumnDef(s.newName(), c.type(), c.nullable(), c.defaultValue()));
      }
      case DROP_COLUMN -> {
        existingColumn(table, s.column(), action);
        checkNotKey(table, s.column(), "dropped", action);
        checkNotNamedElsewhere(table, s.column(), "dropped", action);
        throw TributaryException.of(
            ErrorCode.UNSUPPORTED_STATEMENT,
            "Cannot %s: DROP COLUMN is not supported yet (ADD COLUMN and RENAME COLUMN are); stop"
                + " writing the column, or rename it",
            action);
      }
      case ALTER_COLUMN_TYPE -> {
        int index = existingColumn(table, s.column(), action);
        ColumnType from = table.columns().get(index).type();
        ColumnType to = s.newType();
        if (from.equals(to)) {
          return new Action.Done("ALTER TABLE");
        }
        if (!widens(from, to)) {
          throw TributaryException.of(
              ErrorCode.TYPE_MISMATCH,
              "Cannot %s: column %s cannot change from %s to %s (only widening INT to BIGINT,"
                  + " and DECIMAL(p,s) to a larger precision with the same scale, keeps every"
                  + " value)",
              action,
              s.column(),
              from,
              to);
        }
        checkNotKey(table, s.column(), "retyped", action);
        if (from.kind() != ColumnType.Kind.DECIMAL) {
          throw TributaryException.of(
              ErrorCode.UNSUPPORTED_STATEMENT,
              "Cannot %s: widening %s to %s is not supported yet (stored rows hold %s values in"
                  + " their own width; only DECIMAL precision widens)",
              action,
              from,
              to,
              from);
        }
        // A DECIMAL is stored as its scale and unscaled value, whatever its precision: rows
        // written before read the same under the larger precision.
        ColumnDef c = columns.get(index);
        columns.set(index, new ColumnDef(c.name(), to, c.nullable(), c.defaultValue()));
      }
      default -> throw new AssertionError(s.op());
    }
    TableDef altered =
        new TableDef(
            table.id(),
            table.namespace(),
            table.name(),
            table.kind(),
            columns,
            table.primaryKey(),
            table.options(),
            table.createdAtMillis());
    return new Action.CatalogChange(
        "ALTER TABLE", List.of(CatalogRecord.table(altered)), List.of());
  }

  private static ColumnDef addedColumn(TableDef table, Statement.ColumnSpec c, String action) {
    checkName(c.name(), "column", action);
    checkNotReserved(c.name(), action);
    if (table.columnIndex(c.name()) >= 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION, "Cannot %s: column %s already exists", action, c.name());
    }
    if (c.primaryKey()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: ADD COLUMN cannot add a primary key column (the primary key is fixed when"
              + " the table is created)",
          action);
    }
    if (c.notNull()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: ADD COLUMN %s NOT NULL is not supported: the rows written before have no"
              + " value for it and read NULL; add it without NOT NULL",
          action,
          c.name());
    }
    if (c.defaultFunction() != null || c.defaultLiteral() != null) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: ADD COLUMN %s with a DEFAULT is not supported: the rows written before read"
              + " NULL in it, not the default; add it without DEFAULT",
          action,
          c.name());
    }
    return new ColumnDef(c.name(), c.type(), true, null);
  }

  private static void checkNotReserved(String column, String action) {
    if (column.startsWith("_")) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: column names starting with '_' are reserved (%s)",
          action,
          column);
    }
  }

  private static int existingColumn(TableDef table, String column, String action) {
    int index = table.columnIndex(column);
    if (index < 0) {
      throw TributaryException.of(
          ErrorCode.COLUMN_NOT_FOUND, "Cannot %s: column %s does not exist", action, column);
    }
    return index;
  }

  private static void checkNotKey(TableDef table, String column, String what, String action) {
    if (table.primaryKey().contains(column)) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: primary key column %s cannot be %s%s",
          action,
          column,
          what,
          column.equals(table.partitionKey()) ? " (it is the PARTITION_KEY)" : "");
    }
  }

  /**
   * Refuses to rename or drop a column that a row policy (of this table, or a membership term of
   * another table's policy that reads it), a topic's WHERE on this table or a PostgreSQL source
   * mapped into this table names: they name columns in SQL text, which would stop analyzing. The
   * check looks for the name as a word in that text (a string literal holding it counts too).
   */
  private void checkNotNamedElsewhere(TableDef table, String column, String what, String action) {
    Pattern word =
        Pattern.compile(
            "(?<![A-Za-z0-9_$])[`\"]?" + Pattern.quote(column) + "[`\"]?(?![A-Za-z0-9_$])",
            Pattern.CASE_INSENSITIVE);
    List<String> users = new ArrayList<>();
    for (PolicyDef p : catalog.policies()) {
      boolean reads =
          p.tableId() == table.id() || Policies.membersTables(catalog, p).contains(table.id());
      if (reads && (mentions(word, p.using()) || mentions(word, p.check()))) {
        users.add("row policy " + p.name() + " ON " + p.qualifiedTable());
      }
    }
    for (TopicDef topic : catalog.topics(null)) {
      for (TopicSource source : topic.sources()) {
        if (source.tableId() == table.id() && mentions(word, source.where())) {
          users.add("topic " + topic.qualifiedName());
        }
      }
    }
    for (SourceDef source : catalog.sources()) {
      for (SourceDef.SourceTable mapped : source.tables()) {
        if (table.namespace().equals(mapped.namespace()) && table.name().equals(mapped.target())) {
          users.add("source " + source.name());
        }
      }
    }
    if (!users.isEmpty()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: column %s cannot be %s while %s names it; drop or change %s first",
          action,
          column,
          what,
          String.join(", ", users),
          users.size() == 1 ? "it" : "them");
    }
  }

  private static boolean mentions(Pattern word, String sql) {
    return sql != null && word.matcher(sql).find();
  }

  /** Whether every value of {@code from} is a value of {@code to}. */
  static boolean widens(ColumnType from, ColumnType to) {
    return switch (from.kind()) {
      case INT -> to.kind() == ColumnType.Kind.BIGINT;
      case DECIMAL ->
          to.kind() == ColumnType.Kind.DECIMAL
              && to.scale() == from.scale()
              && to.precision() > from.precision();
      default -> false;
    };
  }

  Action dropTable(Statement.DropTable s, Role role) {
    String action = "drop table " + s.namespace() + "." + s.name();
    Authorizer.checkChangesCatalog(role, action);
    if (s.namespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables cannot be dropped", action);
    }
    var table = catalog.table(s.namespace(), s.name());
    if (table.isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP TABLE");
      }
      throw TributaryException.of(
          ErrorCode.TABLE_NOT_FOUND, "Cannot %s: it does not exist", action);
    }
    checkNoPolicyReads(List.of(table.get()), action);
    List<CatalogRecord> records = new ArrayList<>(policyTombstones(table.get()));
    records.add(CatalogRecord.tombstone(CatalogRecord.Kind.TABLE, table.get().qualifiedName()));
    return new Action.CatalogChange("DROP TABLE", records, List.of(table.get()));
  }

  /**
   * Refuses to drop tables that a membership term of a row policy of another table (one not dropped
   * with them) reads: the policy would be left reading nothing. Drop those policies first.
   */
  private void checkNoPolicyReads(List<TableDef> dropped, String action) {
    Set<Long> ids = new HashSet<>();
    dropped.forEach(t -> ids.add(t.id()));
    List<String> readers = new ArrayList<>();
    for (PolicyDef p : catalog.policies()) {
      if (ids.contains(p.tableId())) {
        continue;
      }
      Set<Long> reads = Policies.membersTables(catalog, p);
      reads.retainAll(ids);
      if (!reads.isEmpty()) {
        readers.add(p.name() + " ON " + p.qualifiedTable());
      }
    }
    if (!readers.isEmpty()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: the row policies %s read it in their membership terms; drop them first",
          action,
          String.join(", ", readers));
    }
  }

  /** The tombstones of a dropped table's row policies. */
  private List<CatalogRecord> policyTombstones(TableDef table) {
    List<CatalogRecord> out = new ArrayList<>();
    for (var p : catalog.policies(table)) {
      out.add(CatalogRecord.tombstone(CatalogRecord.Kind.POLICY, p.key()));
    }
    return out;
  }

  private static void checkName(String name, String what, String action) {
    if (!NAME.matcher(name).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: '%s' is not a valid %s name (letters, digits and _, starting with a letter"
              + " or _)",
          action,
          name,
          what);
    }
  }
}
