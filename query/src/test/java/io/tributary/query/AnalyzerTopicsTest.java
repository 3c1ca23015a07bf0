package io.tributary.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.AnalyzerSubscribeTest.FixedEnvironment;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.parse.Statement;
import io.tributary.query.parse.StatementParser;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing and analysis of topics, CONSUME, ACK and RESET CONSUMER GROUP. */
class AnalyzerTopicsTest {
  CatalogState catalog;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("chat", 0)));
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("lab", 0)));
    for (TableDef t :
        List.of(
            AnalyzerSubscribeTest.MESSAGES,
            AnalyzerSubscribeTest.ROOMS,
            AnalyzerSubscribeTest.SECRETS)) {
      catalog.apply(CatalogRecord.table(t));
    }
    analyzer = new Analyzer(catalog, new FixedEnvironment());
  }

  Action analyze(String sql, Role role, Object... params) {
    return analyzer.analyze(
        StatementParser.parse(sql),
        new UserDef("u-" + role, "x", role, null, 0, 0),
        Arrays.asList(params));
  }

  /** Applies a topic change's record as the catalog store would. */
  TopicDef apply(Action action) {
    Action.TopicChange change = (Action.TopicChange) action;
    catalog.apply(change.record());
    return (TopicDef) change.record().value();
  }

  @Test
  void shouldParseTheTopicStatements() {
    assertThat(StatementParser.parse("CREATE TOPIC chat.inbox PARTITIONS 3"))
        .isEqualTo(new Statement.CreateTopic("chat", "inbox", false, 3));
    assertThat(StatementParser.parse("drop topic if exists chat.inbox"))
        .isEqualTo(new Statement.DropTopic("chat", "inbox", true));
    assertThat(StatementParser.parse("SHOW TOPICS IN chat"))
        .isEqualTo(new Statement.ShowTopics("chat"));
    Statement.AddTopicSource add =
        (Statement.AddTopicSource)
            StatementParser.parse(
                "ALTER TOPIC chat.inbox ADD SOURCE chat.messages ON INSERT, UPDATE WHERE role ="
                    + " 'user' WITH (payload = 'diff')");
    assertThat(add.operations()).containsExactly("INSERT", "UPDATE");
    assertThat(add.where()).isNotNull();
    assertThat(add.options()).containsEntry("payload", "diff");
    assertThat(StatementParser.parse("ALTER TOPIC chat.inbox DROP SOURCE chat.messages"))
        .isEqualTo(new Statement.DropTopicSource("chat", "inbox", "chat", "messages"));
    Statement.Consume consume =
        (Statement.Consume)
            StatementParser.parse(
                "CONSUME FROM chat.inbox WHERE conversation_id = 1 GROUP 'assistant' FROM EARLIEST"
                    + " LIMIT 10");
    assertThat(consume.group()).isEqualTo("assistant");
    assertThat(consume.from()).isEqualTo("EARLIEST");
    assertThat(consume.limit()).isEqualTo(10);
    assertThat(consume.where()).isNotNull();
    assertThat(StatementParser.parse("ACK chat.inbox GROUP 'g' PARTITION 2 UPTO OFFSET 41"))
        .isEqualTo(new Statement.Ack("chat", "inbox", "g", 2, 41));
    assertThat(StatementParser.parse("RESET CONSUMER GROUP 'g' ON chat.inbox TO 0"))
        .isEqualTo(new Statement.ResetConsumerGroup("g", "chat", "inbox", -1, "0"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "CREATE TOPIC chat.inbox PARTITIONS 0 | the partition count must be between 1 and",
        "ALTER TOPIC chat.inbox ADD SOURCE chat.messages ON SELECT | expected INSERT, UPDATE or"
            + " DELETE",
        "ACK chat.inbox GROUP g UPTO OFFSET 1 | expected the group name as a quoted string",
        "CONSUME FROM chat.inbox GROUP 'a' GROUP 'b' | expected GROUP 'g', FROM",
        "RESET CONSUMER GROUP 'g' ON chat.inbox TO soon | expected LATEST, EARLIEST or an offset",
      })
  void shouldRefuseMalformedTopicStatements(String sql, String message) {
    assertThatThrownBy(() -> StatementParser.parse(sql))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR))
        .hasMessageContaining(message);
  }

  @Test
  void shouldCreateAndAlterATopic() {
    TopicDef topic = apply(analyze("CREATE TOPIC chat.inbox", Role.DBA));
    assertThat(topic.partitions()).isEqualTo(TopicAnalyzer.DEFAULT_PARTITIONS);
    topic =
        apply(
            analyze(
                "ALTER TOPIC chat.inbox ADD SOURCE chat.messages ON INSERT WHERE role = $1 WITH"
                    + " (payload = 'key')",
                Role.DBA,
                "user"));
    assertThat(topic.sources())
        .containsExactly(
            new TopicSource(
                AnalyzerSubscribeTest.MESSAGES.id(),
                "chat.messages",
                List.of("INSERT"),
                "`role` = 'user'",
                TopicPayload.KEY));
    assertThat(catalog.topicsWithSource(AnalyzerSubscribeTest.MESSAGES.id()))
        .containsExactly(topic);
    QueryResult shown = ((Action.Result) analyze("SHOW TOPICS", Role.USER)).result();
    assertThat(shown.rows()).hasSize(1);
    assertThat(shown.rows().get(0)[3])
        .isEqualTo("chat.messages ON INSERT WHERE `role` = 'user' WITH (payload = 'key')");

    topic = apply(analyze("ALTER TOPIC chat.inbox DROP SOURCE chat.messages", Role.SYSTEM));
    assertThat(topic.sources()).isEmpty();
    assertThat(catalog.topicsWithSource(AnalyzerSubscribeTest.MESSAGES.id())).isEmpty();
    Action.TopicChange drop = (Action.TopicChange) analyze("DROP TOPIC chat.inbox", Role.DBA);
    assertThat(drop.delete()).isEqualTo(topic);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "CREATE TOPIC chat.inbox | USER | PERMISSION_DENIED | Cannot create topic chat.inbox: role"
            + " user may not change the catalog (dba or system required)",
        "CREATE TOPIC chat.inbox | SERVICE | PERMISSION_DENIED | Cannot create topic chat.inbox:"
            + " role service may not change the catalog (dba or system required)",
        "CREATE TOPIC chat.known | DBA | TOPIC_EXISTS | Cannot create topic chat.known: it already"
            + " exists",
        "CREATE TOPIC chat.messages | DBA | TABLE_EXISTS | Cannot create topic chat.messages: a"
            + " table has that name (CONSUME FROM chat.messages reads its change feed)",
        "CREATE TOPIC nope.t | DBA | NAMESPACE_NOT_FOUND | Cannot create topic nope.t: namespace"
            + " nope does not exist",
        "DROP TOPIC chat.nope | DBA | TOPIC_NOT_FOUND | Cannot drop topic chat.nope: it does not"
            + " exist",
        "ALTER TOPIC chat.nope ADD SOURCE chat.messages ON INSERT | DBA | TOPIC_NOT_FOUND | Cannot"
            + " alter topic chat.nope: it does not exist",
        "ALTER TOPIC chat.known ADD SOURCE chat.nope ON INSERT | DBA | TABLE_NOT_FOUND | Cannot"
            + " alter topic chat.known: source table chat.nope does not exist",
        "ALTER TOPIC chat.known ADD SOURCE chat.messages ON INSERT WITH (payload = 'all') | DBA |"
            + " INVALID_DEFINITION | Cannot alter topic chat.known: payload must be 'key', 'full' or"
            + " 'diff', not 'all'",
        "ALTER TOPIC chat.known ADD SOURCE chat.messages ON INSERT WITH (format = 'x') | DBA |"
            + " INVALID_DEFINITION | Cannot alter topic chat.known: unknown option format (expected"
            + " payload)",
        "ALTER TOPIC chat.known ADD SOURCE chat.messages ON INSERT WHERE nope = 1 | DBA |"
            + " COLUMN_NOT_FOUND | nope",
        "ALTER TOPIC chat.known DROP SOURCE chat.rooms | DBA | TABLE_NOT_FOUND | Cannot alter topic"
            + " chat.known: chat.rooms is not a source of it",
        "CONSUME FROM chat.nope | SERVICE | TOPIC_NOT_FOUND | Cannot consume chat.nope: no topic or"
            + " table has that name",
        "CONSUME FROM chat.secrets | USER | PERMISSION_DENIED | Cannot consume chat.secrets: role"
            + " user may not read this SHARED table (access level private)",
        "ACK chat.nope GROUP 'g' UPTO OFFSET 3 | SERVICE | TOPIC_NOT_FOUND | Cannot ack chat.nope:"
            + " no topic or table has that name",
        "CONSUME FROM chat.known GROUP 'a b' | SERVICE | INVALID_ARGUMENT | Cannot consume"
            + " chat.known: a group name is 1 to 128 letters",
        "CONSUME FROM chat.known WHERE id = 1 | SERVICE | INVALID_ARGUMENT | Cannot consume"
            + " chat.known: WHERE needs a topic with exactly one source table (it has 0)",
      })
  void shouldRefuseWithACode(String sql, Role role, ErrorCode code, String message) {
    apply(analyze("CREATE TOPIC chat.known", Role.DBA));
    assertThatThrownBy(() -> analyze(sql, role))
        .isInstanceOfSatisfying(TributaryException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(message);
  }

  @Test
  void shouldLimitARoleUserToItsOwnRowsAndPrivateGroups() {
    Action.Consume user =
        (Action.Consume) analyze("CONSUME FROM chat.messages GROUP 'g'", Role.USER);
    assertThat(user.source().table()).isEqualTo(AnalyzerSubscribeTest.MESSAGES);
    assertThat(user.owner()).isEqualTo("u-USER");
    assertThat(user.scope()).isEqualTo("u-USER");
    Action.Consume service =
        (Action.Consume)
            analyze("CONSUME FROM chat.messages WHERE conversation_id = 1 LIMIT 5", Role.SERVICE);
    assertThat(service.owner()).isNull();
    assertThat(service.scope()).isNull();
    assertThat(service.limit()).isEqualTo(5);
    assertThat(service.filter().test(new Object[] {1L, 1L, "user", "hi", 0L, 7L})).isTrue();
    assertThat(service.filter().test(new Object[] {1L, 2L, "user", "hi", 0L, 7L})).isFalse();
  }

  @Test
  void shouldRefuseEveryRoleButServiceDbaAndSystemToConsumeAsAnotherUser() {
    catalog.apply(CatalogRecord.user(new UserDef("bob", Role.USER, "hash", 0)));
    assertThatThrownBy(
            () -> analyze("EXECUTE AS USER 'bob' (CONSUME FROM chat.messages)", Role.USER))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
        .hasMessageContaining("only roles service, dba and system may act for other users");
    Action.Consume asBob =
        (Action.Consume)
            analyze("EXECUTE AS USER 'bob' (CONSUME FROM chat.messages)", Role.SERVICE);
    assertThat(asBob.owner()).isEqualTo("bob");
  }
}
