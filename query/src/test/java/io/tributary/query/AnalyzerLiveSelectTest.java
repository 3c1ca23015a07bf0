package io.tributary.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.AnalyzerSubscribeTest.FixedEnvironment;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.live.LiveQuery.Equality;
import io.tributary.query.live.LiveQuery.SortKey;
import io.tributary.query.parse.StatementParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Analysis of live SELECTs: {@code SELECT cols FROM t [WHERE] [ORDER BY] [LIMIT]} kept live. */
class AnalyzerLiveSelectTest {
  static final TableDef MESSAGES = AnalyzerSubscribeTest.MESSAGES;

  // column indexes of chat.messages
  static final int ID = 0;
  static final int CONVERSATION = 1;
  static final int ROLE = 2;
  static final int CONTENT = 3;
  static final int CREATED = 4;
  static final int SEQ = 5;

  CatalogState catalog;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("chat", 0)));
    for (TableDef t :
        List.of(
            MESSAGES,
            AnalyzerSubscribeTest.ROOMS,
            AnalyzerSubscribeTest.SECRETS,
            AnalyzerSubscribeTest.TYPING)) {
      catalog.apply(CatalogRecord.table(t));
    }
    catalog.apply(CatalogRecord.user(new UserDef("alice", Role.USER, "hash", 0)));
    catalog.apply(CatalogRecord.user(new UserDef("bob", Role.USER, "hash", 0)));
    catalog.apply(CatalogRecord.user(new UserDef("svc", Role.SERVICE, "hash", 0)));
    analyzer = new Analyzer(catalog, new FixedEnvironment());
  }

  Action.Subscribe subscribeAs(String user, Role role, String sql, Object... params) {
    Action action =
        analyzer.analyze(StatementParser.parseLive(sql), user, role, Arrays.asList(params));
    assertThat(action).isInstanceOf(Action.Subscribe.class);
    return (Action.Subscribe) action;
  }

  LiveQuery live(String sql, Object... params) {
    return subscribeAs("alice", Role.USER, sql, params).query();
  }

  void assertFails(String sql, ErrorCode code, String message, Object... params) {
    assertThatThrownBy(
            () ->
                analyzer.analyze(
                    StatementParser.parseLive(sql), "alice", Role.USER, Arrays.asList(params)))
        .isInstanceOf(TributaryException.class)
        .hasMessage(message)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(code);
  }

  static Object[] message(long id, long conversation, String role, String content, long seq) {
    return new Object[] {id, conversation, role, content, null, seq};
  }

  @Test
  void shouldKeepASelectStarLiveLikeASubscription() {
    LiveQuery q = live("SELECT * FROM chat.messages");
    assertThat(q.table()).isEqualTo(MESSAGES);
    assertThat(q.owner()).isEqualTo("alice");
    assertThat(q.columns()).containsExactly(ID, CONVERSATION, ROLE, CONTENT, CREATED);
    assertThat(q.whereSql()).isNull();
    assertThat(q.order()).isEmpty();
    assertThat(q.limit()).isEqualTo(-1);
    assertThat(q.windowed()).isFalse();
    assertThat(q.lastRows()).isEqualTo(-1);
    assertThat(q.fromSeq()).isEqualTo(-1);
    assertThat(q.batchSize()).isEqualTo(LiveQuery.DEFAULT_BATCH_SIZE);
    assertThat(live("SUBSCRIBE TO chat.messages").columns()).isEqualTo(q.columns());
  }

  @Test
  void shouldProjectTheSelectedColumnsAndAppendTheMissingPrimaryKey() {
    assertThat(live("SELECT content, role FROM chat.messages").columns())
        .containsExactly(CONTENT, ROLE, ID);
    assertThat(live("SELECT role, id FROM chat.messages").columns()).containsExactly(ROLE, ID);
    assertThat(live("SELECT _seq, content FROM chat.messages").columns())
        .containsExactly(CONTENT, ID);
  }

  @Test
  void shouldAppendTheOrderByColumnsNotSelectedAfterThePrimaryKey() {
    assertThat(
            live("SELECT content FROM chat.messages ORDER BY role DESC, content, _seq").columns())
        .containsExactly(CONTENT, ID, ROLE);
    assertThat(
            live("SELECT id FROM chat.messages ORDER BY created_at, conversation_id LIMIT 3")
                .columns())
        .containsExactly(ID, CREATED, CONVERSATION);
    assertThat(live("SELECT role FROM chat.messages ORDER BY id DESC").columns())
        .containsExactly(ROLE, ID);
  }

  @Test
  void shouldCompileTheFilterAndItsEqualitiesAsSubscribeDoes() {
    LiveQuery q =
        live(
            "SELECT content FROM chat.messages WHERE conversation_id = $1 AND role = CURRENT_USER",
            7L);
    assertThat(q.whereSql()).isEqualTo("`conversation_id` = 7 AND `role` = 'alice'");
    assertThat(q.equalities())
        .containsExactly(new Equality(CONVERSATION, 7L), new Equality(ROLE, "alice"));
    assertThat(q.predicate().test(message(1, 7, "alice", "x", 1))).isTrue();
    assertThat(q.predicate().test(message(1, 7, "bob", "x", 1))).isFalse();
  }

  @Test
  void shouldReadTheOrderAndTheLimit() {
    LiveQuery q =
        live(
            "SELECT id FROM chat.messages ORDER BY conversation_id DESC, role, content DESC NULLS"
                + " LAST, created_at NULLS FIRST LIMIT 3");
    assertThat(q.order())
        .containsExactly(
            new SortKey(CONVERSATION, true, true),
            new SortKey(ROLE, false, false),
            new SortKey(CONTENT, true, false),
            new SortKey(CREATED, false, true));
    assertThat(q.limit()).isEqualTo(3);
    assertThat(q.windowed()).isTrue();
    assertThat(live("SELECT id FROM chat.messages ORDER BY _seq DESC").order())
        .containsExactly(new SortKey(SEQ, true, true));
    assertThat(live("SELECT id FROM chat.messages ORDER BY role").limit()).isEqualTo(-1);
    LiveQuery fetch =
        live("SELECT id FROM chat.messages WHERE id > $2 FETCH FIRST $1 ROWS ONLY", 2, 10L);
    assertThat(fetch.limit()).isEqualTo(2);
    assertThat(fetch.order()).isEmpty();
    assertThat(fetch.whereSql()).isEqualTo("`id` > 10");
    assertThat(live("SELECT id FROM chat.messages LIMIT 0").limit()).isZero();
  }

  @Test
  void shouldOrderRowsByTheOrderByThenThePrimaryKey() {
    LiveQuery q = live("SELECT id FROM chat.messages ORDER BY role DESC, content LIMIT 10");
    List<Object[]> rows =
        new ArrayList<>(
            List.of(
                message(5, 1, "a", "x", 1),
                message(4, 1, null, "x", 2),
                message(3, 1, "b", null, 3),
                message(2, 1, "b", "y", 4),
                message(1, 1, "b", "y", 5),
                message(6, 1, "a", null, 6)));
    rows.sort(q.rowOrder());
    // DESC puts NULL first; ASC puts it last; ties go by id.
    assertThat(rows).extracting(r -> r[ID]).containsExactly(4L, 1L, 2L, 3L, 5L, 6L);
  }

  @Test
  void shouldReadTheOptionsOfALiveSelect() {
    LiveQuery q = live("SELECT id FROM chat.messages OPTIONS (batch_size = 2, from_seq = 77)");
    assertThat(q.batchSize()).isEqualTo(2);
    assertThat(q.fromSeq()).isEqualTo(77);
    assertThat(q.resumes()).isTrue();
    assertFails(
        "SELECT id FROM chat.messages ORDER BY id LIMIT 3 OPTIONS (from_seq = 77)",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot subscribe to chat.messages: a live SELECT with LIMIT cannot resume from from_seq"
            + " (its window needs a snapshot); subscribe without from_seq");
    assertFails(
        "SELECT id FROM chat.messages OPTIONS (last_rows = 3)",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot subscribe to chat.messages: last_rows applies to SUBSCRIBE TO only; a live SELECT"
            + " takes ORDER BY ... LIMIT n");
    assertFails(
        "SELECT id FROM chat.messages OPTIONS (colour = 3)",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot subscribe to chat.messages: unknown option colour (expected from_seq or"
            + " batch_size)");
  }

  @Test
  void shouldAuthorizeAsSubscribeDoes() {
    assertThat(live("SELECT name FROM chat.rooms").owner()).isNull();
    assertFails(
        "SELECT * FROM chat.secrets",
        ErrorCode.PERMISSION_DENIED,
        "Cannot subscribe to chat.secrets: role user may not read this SHARED table (access level"
            + " private)");
    assertFails(
        "SELECT * FROM system.users",
        ErrorCode.PERMISSION_DENIED,
        "Cannot subscribe to system.users: system tables do not support live subscriptions");
    assertFails(
        "SELECT * FROM chat.nope",
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot subscribe to chat.nope: the table does not exist");
    assertFails(
        "SELECT * FROM messages",
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot subscribe to messages: name the table as namespace.table");
    Action.Subscribe s =
        subscribeAs(
            "svc",
            Role.SERVICE,
            "EXECUTE AS USER 'bob' (SELECT content FROM chat.messages WHERE role = CURRENT_USER"
                + " ORDER BY id DESC LIMIT 5)");
    assertThat(s.user()).isEqualTo("bob");
    assertThat(s.query().owner()).isEqualTo("bob");
    assertThat(s.query().whereSql()).isEqualTo("`role` = 'bob'");
    assertThat(s.query().limit()).isEqualTo(5);
    assertFails(
        "EXECUTE AS USER 'bob' (SELECT * FROM chat.messages)",
        ErrorCode.PERMISSION_DENIED,
        "Cannot execute as user bob: only roles service, dba and system may act for other users");
  }

  @Test
  void shouldRefuseUnknownColumns() {
    assertFails(
        "SELECT nope FROM chat.messages",
        ErrorCode.COLUMN_NOT_FOUND,
        "Cannot resolve column 'nope' in table chat.messages");
    assertFails(
        "SELECT id FROM chat.messages ORDER BY Role LIMIT 1",
        ErrorCode.COLUMN_NOT_FOUND,
        "Cannot resolve column 'Role' in table chat.messages");
    assertFails(
        "SELECT id FROM chat.messages WHERE nope = 1",
        ErrorCode.COLUMN_NOT_FOUND,
        "Cannot resolve column 'nope' in table chat.messages");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT 1 | a SELECT without FROM",
        "SELECT COUNT(*) FROM chat.messages | the aggregate COUNT(*)",
        "SELECT id + 1 FROM chat.messages | the expression `id` + 1 in the select list",
        "SELECT id AS x FROM chat.messages | the expression `id` AS `x` in the select list",
        "SELECT UPPER(role) FROM chat.messages | the expression UPPER(`role`) in the select list",
        "SELECT m.id FROM chat.messages | the qualified column m.id",
        "SELECT id, id FROM chat.messages | a column selected twice (id)",
        "SELECT *, id FROM chat.messages | a column selected twice (id)",
        "SELECT DISTINCT role FROM chat.messages | DISTINCT",
        "SELECT role FROM chat.messages GROUP BY role | GROUP BY",
        "SELECT id FROM chat.messages m | a table alias",
        "SELECT * FROM chat.messages JOIN chat.rooms ON true | a join",
        "SELECT * FROM chat.messages, chat.rooms | a join",
        "SELECT * FROM (SELECT * FROM chat.messages) | a subquery",
        "SELECT * FROM chat.messages WHERE id IN (SELECT id FROM chat.rooms) | a subquery",
        "SELECT * FROM chat.messages WHERE EXISTS (SELECT 1 FROM chat.rooms) | a subquery",
        "SELECT * FROM chat.messages ORDER BY id LIMIT 3 OFFSET 1 | OFFSET",
        "SELECT * FROM chat.messages OFFSET 1 | OFFSET",
        "SELECT * FROM chat.messages ORDER BY 1 | ORDER BY a position (1)",
        "SELECT * FROM chat.messages ORDER BY id + 1 | ORDER BY the expression `id` + 1",
        "SELECT * FROM chat.messages UNION SELECT * FROM chat.messages | UNION",
      })
  void shouldRefuseWhatALiveSelectCannotKeepLive(String sql, String what) {
    assertFails(
        sql,
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot subscribe: a live SELECT supports only SELECT <columns or *> FROM"
            + " <namespace.table> [WHERE ...] [ORDER BY <columns> [ASC|DESC]] [LIMIT n], not "
            + what);
  }

  @Test
  void shouldRefuseABadLimit() {
    assertFails(
        "SELECT * FROM chat.messages LIMIT $1",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot subscribe to chat.messages: LIMIT must be an integer from 0 to 2147483647, not"
            + " '-1'",
        -1);
    assertFails(
        "SELECT * FROM chat.messages LIMIT 99999999999",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot subscribe to chat.messages: LIMIT must be an integer from 0 to 2147483647, not"
            + " '99999999999'");
  }
}
