package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.parse.SqlParsing;
import io.tributary.query.parse.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.calcite.sql.SqlNode;

/**
 * Analyzes the statements of topics and consumer groups (DESIGN.md section 6): CREATE/DROP TOPIC
 * and ALTER TOPIC ... ADD/DROP SOURCE (dba and system, {@link Authorizer#checkChangesCatalog}),
 * SHOW TOPICS, CONSUME, ACK and RESET CONSUMER GROUP. Topics are named in namespaces like tables; a
 * CONSUME of a name that is no topic reads that table's change feed.
 */
final class TopicAnalyzer extends FamilyAnalyzer {
  /** Partitions of a topic created without PARTITIONS. */
  static final int DEFAULT_PARTITIONS = 4;

  /** The most partitions a topic may have. */
  static final int MAX_PARTITIONS = 1_024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  TopicAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action createTopic(Statement.CreateTopic s, Role role) {
    String qualified = s.namespace() + "." + s.name();
    String action = "create topic " + qualified;
    Authorizer.checkChangesCatalog(role, action);
    if (!NAME.matcher(s.name()).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: a topic name is a letter or _ followed by letters, digits or _ (at most 128)",
          action);
    }
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
    if (catalog.topic(s.namespace(), s.name()).isPresent()) {
      if (s.ifNotExists()) {
        return new Action.Done("CREATE TOPIC");
      }
      throw TributaryException.of(ErrorCode.TOPIC_EXISTS, "Cannot %s: it already exists", action);
    }
    if (catalog.table(s.namespace(), s.name()).isPresent()) {
      throw TributaryException.of(
          ErrorCode.TABLE_EXISTS,
          "Cannot %s: a table has that name (CONSUME FROM %s reads its change feed)",
          action,
          qualified);
    }
    int partitions = s.partitions() == 0 ? DEFAULT_PARTITIONS : s.partitions();
    if (partitions > MAX_PARTITIONS) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: at most %d partitions, not %d",
          action,
          MAX_PARTITIONS,
          partitions);
    }
    TopicDef topic =
        new TopicDef(env.nextId(), s.namespace(), s.name(), partitions, List.of(), env.nowMillis());
    return new Action.TopicChange("CREATE TOPIC", CatalogRecord.topic(topic), topic, null);
  }

  Action dropTopic(Statement.DropTopic s, Role role) {
    String action = "drop topic " + s.namespace() + "." + s.name();
    Authorizer.checkChangesCatalog(role, action);
    TopicDef topic = catalog.topic(s.namespace(), s.name()).orElse(null);
    if (topic == null) {
      if (s.ifExists()) {
        return new Action.Done("DROP TOPIC");
      }
      throw notFound(action);
    }
    return new Action.TopicChange(
        "DROP TOPIC",
        CatalogRecord.tombstone(CatalogRecord.Kind.TOPIC, topic.qualifiedName()),
        null,
        topic);
  }

  Action addSource(Statement.AddTopicSource s, UserDef actor, List<Object> params) {
    String action = "alter topic " + s.namespace() + "." + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    TopicDef topic = topic(s.namespace(), s.name(), action);
    if (s.tableNamespace().equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables have no changes to route", action);
    }
    TableDef table =
        catalog
            .table(s.tableNamespace(), s.table())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND,
                        "Cannot %s: source table %s.%s does not exist",
                        action,
                        s.tableNamespace(),
                        s.table()));
    if (topic.source(table.id()).isPresent()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: %s is already a source of it (DROP SOURCE it first to change it)",
          action,
          table.qualifiedName());
    }
    TopicPayload payload = TopicPayload.FULL;
    for (Map.Entry<String, String> o : s.options().entrySet()) {
      if (!o.getKey().equals("payload")) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: unknown option %s (expected payload)",
            action,
            o.getKey());
      }
      payload = TopicPayload.parse(o.getValue(), action);
    }
    String where = null;
    if (s.where() != null) {
      Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
      where = SqlParsing.unparse(s.where().accept(inliner));
      Expressions.bindPredicate(table, where); // fails now, not in the materializer
    }
    TopicSource source =
        new TopicSource(table.id(), table.qualifiedName(), s.operations(), where, payload);
    return new Action.TopicChange(
        "ALTER TOPIC", CatalogRecord.topic(topic.withSource(source)), null, null);
  }

  Action dropSource(Statement.DropTopicSource s, Role role) {
    String action = "alter topic " + s.namespace() + "." + s.name();
    Authorizer.checkChangesCatalog(role, action);
    TopicDef topic = topic(s.namespace(), s.name(), action);
    TopicSource source =
        topic.sources().stream()
            .filter(x -> x.table().equals(s.tableNamespace() + "." + s.table()))
            .findFirst()
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND,
                        "Cannot %s: %s.%s is not a source of it",
                        action,
                        s.tableNamespace(),
                        s.table()));
    return new Action.TopicChange(
        "ALTER TOPIC", CatalogRecord.topic(topic.withoutSource(source.tableId())), null, null);
  }

  Action showTopics(Statement.ShowTopics s) {
    if (s.namespace() != null && catalog.namespace(s.namespace()).isEmpty()) {
      throw TributaryException.of(
          ErrorCode.NAMESPACE_NOT_FOUND,
          "Cannot show topics in %s: namespace does not exist",
          s.namespace());
    }
    List<Object[]> rows = new ArrayList<>();
    for (TopicDef t : catalog.topics(s.namespace())) {
      rows.add(new Object[] {t.namespace(), t.name(), t.partitions(), sources(t)});
    }
    return new Action.Result(
        new QueryResult(
            List.of(
                new ResultColumn("namespace", ColumnType.TEXT, false),
                new ResultColumn("topic", ColumnType.TEXT, false),
                new ResultColumn("partitions", ColumnType.INT, false),
                new ResultColumn("sources", ColumnType.TEXT, false)),
            rows));
  }

  /** The sources of a topic as SQL, separated by {@code ; }, as SHOW TOPICS lists them. */
  static String sources(TopicDef topic) {
    return topic.sources().stream().map(TopicSource::sql).collect(Collectors.joining("; "));
  }

  Action consume(Statement.Consume s, UserDef actor, List<Object> params) {
    String action = "consume " + s.namespace() + "." + s.name();
    Action.ConsumeSource source = source(s.namespace(), s.name(), actor.role(), action);
    checkGroup(s.group(), action);
    RowPredicate filter = null;
    TableDef filterTable = null;
    if (s.where() != null) {
      filterTable = filterTable(source, action);
      Inliner inliner = new Inliner(actor.name(), s.paramMap(), params, false);
      SqlNode inlined = s.where().accept(inliner);
      String whereSql = SqlParsing.unparse(inlined);
      filter = Expressions.predicate(filterTable, Expressions.bindPredicate(filterTable, whereSql));
    }
    String owner = Authorizer.consumesAcrossUsers(actor.role()) ? null : actor.id();
    return new Action.Consume(
        source, filter, filterTable, s.group(), s.from(), s.limit(), owner, scope(actor), actor);
  }

  Action ack(Statement.Ack s, UserDef actor) {
    String action = "ack " + s.namespace() + "." + s.name();
    Action.ConsumeSource source = source(s.namespace(), s.name(), actor.role(), action);
    checkGroup(s.group(), action);
    if (s.offset() < 0) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: offset %d is negative (ack the offset of the last record handled)",
          action,
          s.offset());
    }
    if (s.partition() < -1) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot %s: partition %d is negative", action, s.partition());
    }
    return new Action.Ack(source, s.group(), s.partition(), s.offset(), scope(actor));
  }

  Action reset(Statement.ResetConsumerGroup s, UserDef actor) {
    String action = "reset consumer group " + s.group();
    Action.ConsumeSource source = source(s.namespace(), s.name(), actor.role(), action);
    checkGroup(s.group(), action);
    return new Action.ResetConsumerGroup(source, s.group(), s.partition(), s.to(), scope(actor));
  }

  /** A consumer group of role user is private to that account; other roles share groups. */
  private static String scope(UserDef actor) {
    return Authorizer.consumesAcrossUsers(actor.role()) ? null : actor.id();
  }

  private static void checkGroup(String group, String action) {
    if (group != null && !GROUP.matcher(group).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: a group name is 1 to 128 letters, digits, '_', '.', ':' or '-'",
          action);
    }
  }

  /** The topic, else the table whose change feed is read. */
  private Action.ConsumeSource source(String namespace, String name, Role role, String action) {
    TopicDef topic = catalog.topic(namespace, name).orElse(null);
    if (topic != null) {
      return new Action.ConsumeSource(topic, null);
    }
    if (namespace.equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables have no change feed", action);
    }
    TableDef table = catalog.table(namespace, name).orElse(null);
    if (table == null) {
      throw TributaryException.of(
          ErrorCode.TOPIC_NOT_FOUND, "Cannot %s: no topic or table has that name", action);
    }
    Authorizer.checkRead(role, table, action);
    return new Action.ConsumeSource(null, table);
  }

  /**
   * The table a CONSUME's WHERE reads: the table, or the one table every source of a topic reads.
   */
  private TableDef filterTable(Action.ConsumeSource source, String action) {
    if (source.table() != null) {
      return source.table();
    }
    List<TopicSource> sources = source.topic().sources();
    if (sources.size() != 1) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: WHERE needs a topic with exactly one source table (it has %d)",
          action,
          sources.size());
    }
    if (sources.get(0).payload() == TopicPayload.KEY) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: WHERE needs rows, and the topic's payload is 'key'",
          action);
    }
    return catalog
        .table(sources.get(0).tableId())
        .orElseThrow(
            () ->
                TributaryException.of(
                    ErrorCode.TABLE_NOT_FOUND,
                    "Cannot %s: its source table %s was dropped",
                    action,
                    sources.get(0).table()));
  }

  private TopicDef topic(String namespace, String name, String action) {
    return catalog.topic(namespace, name).orElseThrow(() -> notFound(action));
  }

  private static TributaryException notFound(String action) {
    return TributaryException.of(ErrorCode.TOPIC_NOT_FOUND, "Cannot %s: it does not exist", action);
  }

  /** Whether a table's changes carry an owner (USER and STREAM tables). */
  static boolean owned(TableDef table) {
    return table.kind() != TableKind.SHARED;
  }
}
