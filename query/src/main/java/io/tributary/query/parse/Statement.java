package io.tributary.query.parse;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.sql.SqlNode;

/**
 * A parsed statement of the dialect. Standard SQL (queries, INSERT, UPDATE, DELETE) carries the
 * Calcite tree; the dialect's own statements are recognized by {@link StatementParser} and carry
 * their parts. Parameters ({@code $1}, {@code $2}, ...) appear in Calcite trees as dynamic
 * parameters; {@code paramMap[i]} is the 0-based parameter number of the i-th one.
 */
public sealed interface Statement {

  /** Calls the visitor's method for this statement's kind. */
  <R> R accept(Visitor<R> visitor);

  /**
   * One method per statement kind: a new kind of statement fails to compile until every visitor
   * handles it.
   */
  interface Visitor<R> {
    R visit(CreateNamespace s);

    R visit(DropNamespace s);

    R visit(CreateTable s);

    R visit(DropTable s);

    R visit(AlterTable s);

    R visit(ShowNamespaces s);

    R visit(ShowTables s);

    R visit(DescribeTable s);

    R visit(CreateUser s);

    R visit(AlterUser s);

    R visit(DropUser s);

    R visit(ExecuteAs s);

    R visit(Query s);

    R visit(Insert s);

    R visit(Update s);

    R visit(Delete s);

    R visit(Subscribe s);

    R visit(LiveSelect s);

    R visit(KillLiveQuery s);

    R visit(CreatePolicy s);

    R visit(DropPolicy s);

    R visit(ShowPolicies s);

    R visit(Source s);

    R visit(CreateTopic s);

    R visit(DropTopic s);

    R visit(AddTopicSource s);

    R visit(DropTopicSource s);

    R visit(ShowTopics s);

    R visit(Consume s);

    R visit(Ack s);

    R visit(ResetConsumerGroup s);

    R visit(StorageFlush s);
  }

  record CreateNamespace(String name, boolean ifNotExists) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record DropNamespace(String name, boolean ifExists, boolean cascade) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * @param kind null when neither a prefix (CREATE USER TABLE) nor WITH (TYPE = ...) names it
   * @param options WITH options other than TYPE, upper-case keys, values as written
   */
  record CreateTable(
      String namespace,
      String name,
      boolean ifNotExists,
      io.tributary.query.catalog.TableKind kind,
      List<ColumnSpec> columns,
      List<String> primaryKey,
      Map<String, String> options)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * A column of CREATE TABLE.
   *
   * @param defaultFunction SNOWFLAKE_ID, NOW, UUID_V7 or CURRENT_USER, or null
   * @param defaultLiteral the literal default as a Java value (String, BigDecimal, Boolean), or
   *     null
   * @param defaultIsNull DEFAULT NULL was written
   */
  record ColumnSpec(
      String name,
      ColumnType type,
      boolean notNull,
      boolean primaryKey,
      String defaultFunction,
      Object defaultLiteral,
      boolean defaultIsNull) {}

  /** What an ALTER TABLE changes. */
  enum AlterOp {
    ADD_COLUMN,
    DROP_COLUMN,
    RENAME_COLUMN,
    ALTER_COLUMN_TYPE
  }

  /**
   * {@code ALTER TABLE ns.t ADD [COLUMN] c type ... | DROP [COLUMN] c | RENAME COLUMN a TO b |
   * ALTER [COLUMN] c [SET DATA] TYPE type}.
   *
   * @param added the column ADD COLUMN adds, else null
   * @param column the column dropped, renamed or retyped, else null
   * @param newName the new name of RENAME COLUMN, else null
   * @param newType the type of ALTER COLUMN ... TYPE, else null
   */
  record AlterTable(
      String namespace,
      String name,
      AlterOp op,
      ColumnSpec added,
      String column,
      String newName,
      ColumnType newType)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record DropTable(String namespace, String name, boolean ifExists) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record ShowNamespaces() implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * @param namespace null for all namespaces
   */
  record ShowTables(String namespace) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record DescribeTable(String namespace, String name) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record CreateUser(String name, String password, Role role) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** Exactly one of password and role is set. */
  record AlterUser(String name, String password, Role role) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record DropUser(String name, boolean ifExists) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record ExecuteAs(String user, Statement inner) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** A query (SELECT, VALUES, UNION, WITH ...) in text form with {@code ?} placeholders. */
  record Query(SqlNode node, String sql, int[] paramMap) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record Insert(org.apache.calcite.sql.SqlInsert node, int[] paramMap) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record Update(org.apache.calcite.sql.SqlUpdate node, int[] paramMap) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  record Delete(org.apache.calcite.sql.SqlDelete node, int[] paramMap) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code SUBSCRIBE TO ns.t [WHERE <expr>] [OPTIONS (last_rows = n, from_seq = s, batch_size =
   * b)]}.
   *
   * @param where the filter as a Calcite expression with {@code ?} dynamic parameters, or null when
   *     there is no WHERE clause
   * @param paramMap {@code paramMap[i]} is the 0-based parameter number of the i-th dynamic
   *     parameter of {@code where}; empty without a WHERE clause
   * @param options the OPTIONS, lower-case keys in the order written, values as written (the text
   *     of a number, a word or a quoted string, without quotes); not validated here
   */
  record Subscribe(
      String namespace, String table, SqlNode where, int[] paramMap, Map<String, String> options)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    public Subscribe {
      paramMap = paramMap == null ? new int[0] : paramMap;
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
  }

  /**
   * A SELECT to keep live, as {@link StatementParser#parseLive} reads it: {@code SELECT ...
   * [OPTIONS (from_seq = s, batch_size = b)]}. Which SELECTs can be kept live is the analyzer's
   * decision.
   *
   * @param query the SELECT without its OPTIONS
   * @param options as for {@link Subscribe}
   */
  record LiveSelect(Query query, Map<String, String> options) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    public LiveSelect {
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
  }

  /** {@code KILL LIVE QUERY 'id'}: close a live subscription by its id. */
  record KillLiveQuery(String id) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code CREATE POLICY name ON ns.t [FOR SELECT|INSERT|UPDATE|DELETE|ALL] [TO role, ...] [USING
   * (predicate)] [WITH CHECK (predicate)]}.
   *
   * @param command upper case; ALL when FOR is not written
   * @param roles lower case as written after TO; empty when TO is not written
   * @param using the USING predicate's text, without its parentheses, or null
   * @param check the WITH CHECK predicate's text, or null
   */
  record CreatePolicy(
      String name,
      String namespace,
      String table,
      String command,
      List<String> roles,
      String using,
      String check)
      implements Statement {
    public CreatePolicy {
      roles = List.copyOf(roles);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code CREATE TOPIC [IF NOT EXISTS] ns.t [PARTITIONS n]}.
   *
   * @param partitions the partition count written, or 0 when PARTITIONS was not given
   */
  record CreateTopic(String namespace, String name, boolean ifNotExists, int partitions)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** {@code DROP TOPIC [IF EXISTS] ns.t}. */
  record DropTopic(String namespace, String name, boolean ifExists) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * A statement about a source of changes (an external database): {@code CREATE SOURCE name FROM
   * POSTGRES WITH (...)}, {@code ALTER SOURCE name MAP TABLE schema.table INTO namespace.table
   * [OWNER COLUMN c]}, {@code ALTER SOURCE name UNMAP TABLE schema.table}, {@code DROP SOURCE [IF
   * EXISTS] name}.
   *
   * @param type CREATE: the database kind as written (upper case), else null
   * @param options CREATE: the WITH options, lower-case keys, values as written; else empty
   * @param sourceTable MAP and UNMAP: {schema, table} of the source's table, else null
   * @param target MAP: {namespace, table} of the Tributary table, else null
   * @param ownerColumn MAP: the OWNER COLUMN, or null
   */
  record Source(
      SourceOp op,
      String name,
      String type,
      Map<String, String> options,
      String[] sourceTable,
      String[] target,
      String ownerColumn,
      boolean ifExists)
      implements Statement {
    public Source {
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** {@code DROP POLICY [IF EXISTS] name ON ns.t}. */
  record DropPolicy(String name, String namespace, String table, boolean ifExists)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code ALTER TOPIC ns.t ADD SOURCE ns.tbl ON INSERT|UPDATE|DELETE [, ...] [WHERE <expr>] [WITH
   * (payload = 'key'|'full'|'diff')]}.
   *
   * @param operations the operations written, upper-case, in the order written
   * @param where the filter (Calcite expression with {@code ?} parameters), or null
   * @param options the WITH options, lower-case keys, values as written; not validated here
   */
  record AddTopicSource(
      String namespace,
      String name,
      String tableNamespace,
      String table,
      List<String> operations,
      SqlNode where,
      int[] paramMap,
      Map<String, String> options)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    public AddTopicSource {
      operations = List.copyOf(operations);
      paramMap = paramMap == null ? new int[0] : paramMap;
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
  }

  /** {@code ALTER TOPIC ns.t DROP SOURCE ns.tbl}. */
  record DropTopicSource(String namespace, String name, String tableNamespace, String table)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** {@code SHOW POLICIES [ON ns.t]}: namespace and table are null without ON. */
  record ShowPolicies(String namespace, String table) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code SHOW TOPICS [IN ns]}.
   *
   * @param namespace null for all namespaces
   */
  record ShowTopics(String namespace) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** What a {@link Source} statement does. */
  enum SourceOp {
    CREATE,
    MAP,
    UNMAP,
    DROP
  }

  /**
   * {@code CONSUME FROM ns.t [WHERE <expr>] [GROUP 'g'] [FROM LATEST|EARLIEST|offset] [LIMIT n]}:
   * {@code ns.t} names a topic or a table (whose change feed is read).
   *
   * @param where the filter, or null
   * @param group the consumer group, or null to read without one
   * @param from "LATEST", "EARLIEST", an offset's digits, or null when FROM was not given
   * @param limit the LIMIT, or -1 when not given
   */
  record Consume(
      String namespace,
      String name,
      SqlNode where,
      int[] paramMap,
      String group,
      String from,
      long limit)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    public Consume {
      paramMap = paramMap == null ? new int[0] : paramMap;
    }
  }

  /**
   * {@code ACK ns.t GROUP 'g' [PARTITION p] UPTO OFFSET n}: commits the group's position past
   * offset n.
   *
   * @param partition the partition, or -1 for every partition
   */
  record Ack(String namespace, String name, String group, int partition, long offset)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code RESET CONSUMER GROUP 'g' ON ns.t [PARTITION p] TO offset|EARLIEST|LATEST}.
   *
   * @param partition the partition, or -1 for every partition
   * @param to "EARLIEST", "LATEST" or an offset's digits
   */
  record ResetConsumerGroup(String group, String namespace, String name, int partition, String to)
      implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * {@code STORAGE FLUSH TABLE ns.t}, {@code STORAGE FLUSH ALL} or {@code STORAGE FLUSH ALL IN ns}:
   * flush hot rows to the cold tier now.
   *
   * @param namespace the table's namespace, the namespace of ALL IN, or null for ALL
   * @param table the table's name, or null for ALL
   */
  record StorageFlush(String namespace, String table) implements Statement {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }
}
