package io.tributary.query;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.expr.RowPredicate;
import java.util.List;

/** What the server must do to carry out one analyzed statement. */
public sealed interface Action {

  /** Calls the visitor's method for this action's kind. */
  <R> R accept(Visitor<R> visitor);

  /**
   * One method per action kind (what carries actions out, such as the server's engine): a new kind
   * of action fails to compile until every visitor handles it.
   */
  interface Visitor<R> {
    R visit(CatalogChange a);

    R visit(Write a);

    R visit(Read a);

    R visit(Result a);

    R visit(Subscribe a);

    R visit(KillLiveQuery a);

    R visit(Done a);

    R visit(SourceChange a);

    R visit(TopicChange a);

    R visit(Consume a);

    R visit(Ack a);

    R visit(ResetConsumerGroup a);

    R visit(Flush a);
  }

  /**
   * Flush the hot rows of tables to the cold tier now (STORAGE FLUSH; dba and system only): one
   * flush job per table, run one after the other.
   *
   * @param tables the USER and SHARED tables to flush, in order (STREAM tables never flush)
   */
  record Flush(List<TableDef> tables) implements Action {
    public Flush {
      tables = List.copyOf(tables);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Append catalog records; then purge the rows of dropped tables from every partition, and append
   * the {@code purges} of a dropped account's rows.
   *
   * @param tag the confirmation shown when done, e.g. "CREATE TABLE"
   * @param purges commands that remove one owner's rows of one table (DROP USER): each goes to the
   *     user-writes topic under its owner's key, after the records
   */
  record CatalogChange(
      String tag,
      List<CatalogRecord> records,
      List<TableDef> dropped,
      List<WriteCommand.PurgeTable> purges)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    public CatalogChange {
      records = List.copyOf(records);
      dropped = List.copyOf(dropped);
      purges = List.copyOf(purges);
    }

    /** A change that purges no single owner's rows. */
    public CatalogChange(String tag, List<CatalogRecord> records, List<TableDef> dropped) {
      this(tag, records, dropped, List.of());
    }
  }

  /**
   * Append a write command to the log and wait for its outcome.
   *
   * @param owner the id of the account whose rows the command touches and whose partition it goes
   *     to (USER and STREAM tables), or null for a SHARED table (partitioned by table id)
   * @param partitionValue for a SHARED table with a {@code PARTITION_KEY}, the one value of that
   *     column every row the command writes or touches holds ({@link TableDef#partitionValue}
   *     text): the command goes to that value's partition; null otherwise (and for a statement that
   *     spans values of the key)
   * @param rowPartitionValues for an INSERT into a partitioned table whose rows hold more than one
   *     value of the key, each row's value, in row order; null otherwise (an UPDATE or DELETE that
   *     spans values touches every partition)
   */
  record Write(
      TableDef table,
      String owner,
      WriteCommand command,
      String partitionValue,
      java.util.List<String> rowPartitionValues)
      implements Action {

    /** A write to a table without a partition key. */
    public Write(TableDef table, String owner, WriteCommand command) {
      this(table, owner, command, null, null);
    }

    /** A write of one value of the partition key (or to a table without one). */
    public Write(TableDef table, String owner, WriteCommand command, String partitionValue) {
      this(table, owner, command, partitionValue, null);
    }

    /**
     * Whether the statement spans values of its table's partition key, so that it applies in
     * several partitions by two-phase commit (docs/sql.md "Atomicity").
     */
    public boolean spansPartitions() {
      return owner == null && partitionValue == null && table.partitionKeyIndex() >= 0;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Run a query as {@code user} with {@code role}: USER-table scans see the rows of the account
   * {@code userId}.
   *
   * @param sql the query with {@code ?} placeholders
   * @param params the value of each placeholder, in order
   * @param user the acting user's name (CURRENT_USER, system tables)
   * @param userId the acting account's id ({@link io.tributary.query.catalog.UserDef#id()})
   * @param coldFilters by table id, a condition every row the query reads from that table must meet
   *     (the query's WHERE over one table, bound to it when first asked for, so a query that reads
   *     no cold tier pays nothing; null when it does not bind): the cold tier's scan is pruned and
   *     filtered by it (Calcite still applies the WHERE to the merged rows)
   */
  record Read(
      String sql,
      List<Object> params,
      String user,
      Role role,
      String userId,
      java.util.Map<Long, java.util.function.Supplier<io.tributary.query.expr.BoundExpression>>
          coldFilters)
      implements Action {
    public Read {
      coldFilters = java.util.Map.copyOf(coldFilters);
    }

    /** A read whose cold scans read every row of their range. */
    public Read(String sql, List<Object> params, String user, Role role, String userId) {
      this(sql, params, user, role, userId, java.util.Map.of());
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** A result computed from the catalog (SHOW, DESCRIBE). */
  record Result(QueryResult result) implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Open a live subscription for {@code user} (a name, for display), whose account is {@code
   * userId}. Only the live API runs it; Execute refuses it.
   */
  record Subscribe(
      io.tributary.query.live.LiveQuery query,
      String user,
      Role role,
      String userId,
      long catalogVersion)
      implements Action {
    /**
     * A subscription analyzed at the newest catalog (nothing to check: {@code catalogVersion} is
     * {@link Long#MAX_VALUE}).
     */
    public Subscribe(
        io.tributary.query.live.LiveQuery query, String user, Role role, String userId) {
      this(query, user, role, userId, Long.MAX_VALUE);
    }

    /**
     * The same subscription, analyzed with a catalog that held every record before offset {@code
     * version} (the server's catalog version read before the analysis): the live hub refuses it
     * when a policy of its table changed at or after that offset.
     */
    public Subscribe withCatalogVersion(long version) {
      return new Subscribe(query, user, role, userId, version);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** Close a live subscription by id (KILL LIVE QUERY; dba and system only). */
  record KillLiveQuery(String subscriptionId) implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /** Nothing to do (e.g. CREATE ... IF NOT EXISTS of something that exists). */
  record Done(String tag) implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Create, alter or drop a source (CREATE/ALTER/DROP SOURCE): the server checks it against the
   * source database (and, for MAP TABLE, copies the table's rows) before it appends the record.
   *
   * @param current the source before the statement, null for CREATE
   * @param next the source after it, null for DROP
   * @param table MAP and UNMAP: the mapping added or removed, else null
   * @param target MAP: the Tributary table the source table is mapped into, else null
   */
  record SourceChange(
      String tag,
      io.tributary.query.parse.Statement.SourceOp op,
      io.tributary.query.catalog.SourceDef current,
      io.tributary.query.catalog.SourceDef next,
      io.tributary.query.catalog.SourceDef.SourceTable table,
      TableDef target)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Change a topic: create its Kafka topic first ({@code create}), append {@code record}, then
   * delete the Kafka topic of {@code delete} (so the materializer never routes into a missing
   * topic).
   *
   * @param create the topic whose Kafka topic to create before the record, or null
   * @param delete the topic whose Kafka topic to delete after the record, or null
   */
  record TopicChange(String tag, CatalogRecord record, TopicDef create, TopicDef delete)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * What CONSUME, ACK and RESET CONSUMER GROUP read: a topic, or a table's change feed.
   *
   * @param topic the topic, or null for a table's change feed
   * @param table the table whose change feed is read, or null for a topic
   */
  record ConsumeSource(TopicDef topic, TableDef table) {
    /** The topic's or table's qualified name. */
    public String name() {
      return topic != null ? topic.qualifiedName() : table.qualifiedName();
    }
  }

  /**
   * Read records of a topic or of a table's change feed.
   *
   * @param filter the compiled WHERE, or null; it is bound to {@code filterTable}
   * @param filterTable the table whose rows {@code filter} reads, or null without a filter
   * @param group the consumer group, or null to read without one
   * @param from "LATEST", "EARLIEST", an offset, or null (the group's position, else LATEST)
   * @param limit the most records to return, or -1 for the default
   * @param owner the only owner whose records the actor may read (role user), or null for all
   * @param scope what the group's name is private to (the actor's id for role user), or null
   * @param actor the acting account
   */
  record Consume(
      ConsumeSource source,
      RowPredicate filter,
      TableDef filterTable,
      String group,
      String from,
      long limit,
      String owner,
      String scope,
      UserDef actor)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Commit a group's position past {@code offset} on one partition, or on every partition.
   *
   * @param partition the partition, or -1 for all
   * @param scope as for {@link Consume#scope()}
   */
  record Ack(ConsumeSource source, String group, int partition, long offset, String scope)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }

  /**
   * Move a group's committed position to {@code to} ("EARLIEST", "LATEST" or an offset).
   *
   * @param partition the partition, or -1 for all
   * @param scope as for {@link Consume#scope()}
   */
  record ResetConsumerGroup(
      ConsumeSource source, String group, int partition, String to, String scope)
      implements Action {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }
  }
}
