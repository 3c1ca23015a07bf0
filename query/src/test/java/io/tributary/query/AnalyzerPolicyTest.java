package io.tributary.query;

import static io.tributary.query.AnalyzerSubscribeTest.col;
import static io.tributary.query.AnalyzerSubscribeTest.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.expr.Expressions;
import io.tributary.query.parse.Statement;
import io.tributary.query.parse.StatementParser;
import io.tributary.query.policy.Membership;
import io.tributary.query.policy.MembershipView;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CREATE/DROP/SHOW POLICY and the policies' compilation and enforcement in analysis. */
class AnalyzerPolicyTest {
  static final TableDef MESSAGES =
      table(
          20,
          "chat",
          "group_messages",
          TableKind.SHARED,
          Map.of("ACCESS_LEVEL", "public"),
          col("id", ColumnType.BIGINT, false),
          col("conversation_id", ColumnType.BIGINT, false),
          col("sender", ColumnType.TEXT, true),
          col("content", ColumnType.TEXT, true));
  static final TableDef MEMBERS =
      table(
          21,
          "chat",
          "members",
          TableKind.SHARED,
          Map.of(),
          col("id", ColumnType.BIGINT, false),
          col("conversation_id", ColumnType.BIGINT, false),
          col("user_name", ColumnType.TEXT, false));
  static final TableDef NOTES =
      table(22, "chat", "notes", TableKind.USER, Map.of(), col("id", ColumnType.BIGINT, false));

  static final String MEMBERS_READ =
      "CREATE POLICY members_read ON chat.group_messages FOR SELECT USING (conversation_id IN"
          + " (SELECT conversation_id FROM chat.members WHERE user_name = CURRENT_USER()))";
  static final String MEMBERS_POST =
      "CREATE POLICY members_post ON chat.group_messages FOR INSERT WITH CHECK (sender ="
          + " CURRENT_USER() AND conversation_id IN (SELECT conversation_id FROM chat.members"
          + " WHERE user_name = CURRENT_USER()))";

  static final UserDef ROOT = new UserDef("root", Role.SYSTEM, null, 0);
  static final UserDef ALICE = new UserDef("alice", Role.USER, null, 0);
  static final UserDef AGENT = new UserDef("agent", Role.SERVICE, null, 0);

  /** alice is a member of conversation 1, bob of 1 and 2. */
  static final MembershipView VIEW =
      (m, user) ->
          switch (user) {
            case "alice" -> Set.of(1L);
            case "bob" -> Set.of(1L, 2L);
            default -> Set.of();
          };

  CatalogState catalog;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("chat", 0)));
    for (TableDef t : List.of(MESSAGES, MEMBERS, NOTES)) {
      catalog.apply(CatalogRecord.table(t));
    }
    analyzer = new Analyzer(catalog, new AnalyzerSubscribeTest.FixedEnvironment(), VIEW);
  }

  private Action run(String sql, UserDef actor) {
    return analyzer.analyze(StatementParser.parse(sql), actor, List.of());
  }

  private void create(String sql) {
    Action.CatalogChange change = (Action.CatalogChange) run(sql, ROOT);
    change.records().forEach(catalog::apply);
  }

  @Test
  void shouldParseCreatePolicyWithItsParts() {
    Statement.CreatePolicy s =
        (Statement.CreatePolicy)
            StatementParser.parse(
                "CREATE POLICY p ON chat.group_messages FOR update TO user, service USING (sender ="
                    + " CURRENT_USER())");
    assertThat(s.command()).isEqualTo("UPDATE");
    assertThat(s.roles()).containsExactly("user", "service");
    assertThat(s.using()).isEqualTo("sender = CURRENT_USER()");
    assertThat(s.check()).isNull();
    assertThat(StatementParser.parse("DROP POLICY IF EXISTS p ON chat.group_messages"))
        .isEqualTo(new Statement.DropPolicy("p", "chat", "group_messages", true));
    assertThat(StatementParser.parse("SHOW POLICIES ON chat.group_messages"))
        .isEqualTo(new Statement.ShowPolicies("chat", "group_messages"));
  }

  @Test
  void shouldStoreAPolicyAndCompileItsMembershipTerm() {
    create(MEMBERS_READ);
    PolicyDef stored = catalog.policies(MESSAGES).get(0);
    assertThat(stored.roles()).containsExactly("public");
    RowPolicy policy =
        Authorizer.rowPolicy(catalog, Role.USER, "alice", MESSAGES, PolicyCommand.SELECT);
    assertThat(policy.indexedByMembership()).isTrue();
    assertThat(policy.memberships()).containsExactly(new Membership(MEMBERS, 1, 2, 1));
    assertThat(policy.allows(new Object[] {1L, 1L, "x", "hi", 5L}, VIEW)).isTrue();
    assertThat(policy.allows(new Object[] {2L, 2L, "x", "hi", 6L}, VIEW)).isFalse();
    assertThat(policy.sql(VIEW)).isEqualTo("(`conversation_id` IN (1) AND (TRUE))");
  }

  @Test
  void shouldExemptServiceDbaAndSystemButDenyWhatNoPolicyAllowsToUsers() {
    create(MEMBERS_READ);
    assertThat(Authorizer.rowPolicy(catalog, Role.SERVICE, "agent", MESSAGES, PolicyCommand.SELECT))
        .isNull();
    assertThat(Authorizer.rowPolicy(catalog, Role.DBA, "admin", MESSAGES, PolicyCommand.DELETE))
        .isNull();
    RowPolicy delete =
        Authorizer.rowPolicy(catalog, Role.USER, "alice", MESSAGES, PolicyCommand.DELETE);
    assertThat(delete.deniesAll()).isTrue();
    assertThat(Authorizer.rowPolicy(catalog, Role.USER, "alice", MEMBERS, PolicyCommand.SELECT))
        .isNull();
  }

  @Test
  void shouldRefuseAnInsertThatFailsWithCheckAndWriteNothing() {
    create(MEMBERS_POST);
    assertThatThrownBy(
            () ->
                run(
                    "INSERT INTO chat.group_messages VALUES (1, 2, 'alice', 'not my conversation')",
                    ALICE))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot insert into chat.group_messages: row 1 is not allowed by the table's row"
                + " policies for INSERT (members_post)")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThatThrownBy(
            () -> run("INSERT INTO chat.group_messages VALUES (1, 1, 'bob', 'forged')", ALICE))
        .hasMessageContaining("row 1 is not allowed");
    assertThat(run("INSERT INTO chat.group_messages VALUES (1, 1, 'alice', 'hi')", ALICE))
        .isInstanceOf(Action.Write.class);
    assertThat(run("INSERT INTO chat.group_messages VALUES (1, 2, 'x', 'agent')", AGENT))
        .isInstanceOf(Action.Write.class);
  }

  @Test
  void shouldLimitDeleteToVisibleRowsAndRefuseMovingARowByUpdate() {
    create(MEMBERS_READ);
    create(
        "CREATE POLICY own_delete ON chat.group_messages FOR DELETE USING (sender ="
            + " CURRENT_USER())");
    Action.Write delete =
        (Action.Write) run("DELETE FROM chat.group_messages WHERE content = 'x'", ALICE);
    WriteCommand.DeleteRows rows = (WriteCommand.DeleteRows) delete.command();
    var where = Expressions.predicate(MESSAGES, rows.boundWhere());
    assertThat(where.test(new Object[] {1L, 1L, "alice", "x", 1L})).isTrue();
    assertThat(where.test(new Object[] {1L, 1L, "bob", "x", 1L})).isFalse();
    assertThat(where.test(new Object[] {1L, 2L, "alice", "x", 1L})).isFalse();
    assertThatThrownBy(
            () -> run("UPDATE chat.group_messages SET conversation_id = 2 WHERE id = 1", ALICE))
        .hasMessage(
            "Cannot update chat.group_messages: column conversation_id is read by the table's row"
                + " policies, which role user may not change");
  }

  /**
   * The user's condition runs only on rows the policy allows: on a row of another conversation, a
   * CAST that would fail on its content or a division by zero that depends on it raises nothing (an
   * error would reveal the hidden row) and the row does not match.
   */
  @Test
  void shouldNeverEvaluateTheUsersConditionOnRowsThePolicyHides() {
    create(MEMBERS_READ);
    create(
        "CREATE POLICY members_write ON chat.group_messages FOR ALL USING (conversation_id IN"
            + " (SELECT conversation_id FROM chat.members WHERE user_name = CURRENT_USER()))");
    Object[] hidden = {7L, 2L, "bob", "secret of conversation 2", 1L};
    Object[] visible = {8L, 1L, "bob", "1", 2L};
    Object[] visibleText = {9L, 1L, "bob", "not a number", 3L};
    for (String sql :
        List.of(
            "DELETE FROM chat.group_messages WHERE CAST(content AS INT) = 1",
            "UPDATE chat.group_messages SET sender = 'x' WHERE CAST(content AS INT) = 1")) {
      var where = Expressions.predicate(MESSAGES, boundWhere(run(sql, ALICE)));
      assertThat(where.test(hidden)).isFalse();
      assertThat(where.test(visible)).isTrue();
      assertThatThrownBy(() -> where.test(visibleText))
          .isInstanceOf(TributaryException.class)
          .hasMessageNotContaining("secret");
    }
    var oracle =
        Expressions.predicate(
            MESSAGES,
            boundWhere(
                run(
                    "DELETE FROM chat.group_messages WHERE 1 / (CASE WHEN content LIKE 'secret%'"
                        + " THEN 0 ELSE 1 END) = 1",
                    ALICE)));
    assertThat(oracle.test(hidden)).isFalse();
    assertThat(oracle.test(visible)).isTrue();
  }

  @Test
  void shouldRefuseToDropAMembersTableThatAnotherTablesPolicyReads() {
    create(MEMBERS_READ);
    create(MEMBERS_POST);
    assertThatThrownBy(() -> run("DROP TABLE chat.members", ROOT))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot drop table chat.members: the row policies members_post ON"
                + " chat.group_messages, members_read ON chat.group_messages read it in their"
                + " membership terms; drop them first")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    // With the table whose policies read it, or once they are gone, it may go.
    assertThat(run("DROP NAMESPACE chat CASCADE", ROOT)).isInstanceOf(Action.CatalogChange.class);
    create("DROP TABLE chat.group_messages");
    assertThat(run("DROP TABLE chat.members", ROOT)).isInstanceOf(Action.CatalogChange.class);
  }

  private static io.tributary.query.expr.BoundExpression boundWhere(Action action) {
    WriteCommand command = ((Action.Write) action).command();
    return command instanceof WriteCommand.DeleteRows d
        ? d.boundWhere()
        : ((WriteCommand.UpdateRows) command).boundWhere();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "CREATE POLICY p ON chat.notes USING (TRUE) | INVALID_DEFINITION | Cannot create policy p"
            + " on chat.notes: row policies apply to SHARED tables only (the rows of a USER table"
            + " are already its owner's alone)",
        "CREATE POLICY p ON chat.nope USING (TRUE) | TABLE_NOT_FOUND | Cannot create policy p on"
            + " chat.nope: the table does not exist",
        "CREATE POLICY p ON chat.group_messages FOR INSERT USING (TRUE) | INVALID_DEFINITION |"
            + " Cannot create policy p on chat.group_messages: a policy FOR INSERT takes WITH CHECK"
            + " (...), not USING",
        "CREATE POLICY p ON chat.group_messages FOR SELECT WITH CHECK (TRUE) | INVALID_DEFINITION"
            + " | Cannot create policy p on chat.group_messages: a policy FOR SELECT needs USING"
            + " (...)",
        "CREATE POLICY p ON chat.group_messages TO friends USING (TRUE) | INVALID_DEFINITION |"
            + " Cannot create policy p on chat.group_messages: unknown role friends (expected"
            + " public, user, service, dba or system)",
        "CREATE POLICY p ON chat.group_messages USING (nope = 1) | COLUMN_NOT_FOUND |",
        "CREATE POLICY p ON chat.group_messages USING (sender IN (SELECT user_name, id FROM"
            + " chat.members WHERE user_name = CURRENT_USER())) | INVALID_DEFINITION |",
        "CREATE POLICY p ON chat.group_messages USING (conversation_id IN (SELECT conversation_id"
            + " FROM chat.notes WHERE id = CURRENT_USER())) | INVALID_DEFINITION | Cannot create"
            + " policy p on chat.group_messages: the members table chat.notes must be another"
            + " SHARED table",
        "CREATE POLICY p ON chat.group_messages USING (conversation_id IN (SELECT user_name FROM"
            + " chat.members WHERE user_name = CURRENT_USER())) | TYPE_MISMATCH |",
        "CREATE POLICY p ON chat.group_messages USING (conversation_id IN (SELECT conversation_id"
            + " FROM chat.members WHERE id = 5)) | INVALID_DEFINITION | Cannot create policy p on"
            + " chat.group_messages: a membership term reads col IN (SELECT c FROM ns.members WHERE"
            + " user_col = CURRENT_USER())",
        "CREATE POLICY p ON chat.group_messages USING (sender = CURRENT_USER() OR"
            + " conversation_id IN (SELECT conversation_id FROM chat.members WHERE user_name ="
            + " CURRENT_USER())) | INVALID_DEFINITION | Cannot create policy p on"
            + " chat.group_messages: a subquery may only appear as a top-level AND term of the"
            + " form col IN (SELECT c FROM ns.members WHERE user_col = CURRENT_USER())",
        "CREATE POLICY p ON system.users USING (TRUE) | PERMISSION_DENIED | Cannot create policy p"
            + " on system.users: system tables take no policies",
        "DROP POLICY p ON chat.group_messages | POLICY_NOT_FOUND | Cannot drop policy p on"
            + " chat.group_messages: it does not exist",
      })
  void shouldRefuseBadPoliciesWithCodedErrors(String sql, ErrorCode code, String message) {
    assertThatThrownBy(() -> run(sql, ROOT))
        .isInstanceOf(TributaryException.class)
        .satisfies(
            e -> {
              assertThat(((TributaryException) e).code()).isEqualTo(code);
              if (message != null) {
                assertThat(e).hasMessage(message);
              }
            });
  }

  @Test
  void shouldLetOnlyDbaAndSystemManagePolicies() {
    assertThatThrownBy(() -> run(MEMBERS_READ, AGENT))
        .hasMessage(
            "Cannot create policy members_read on chat.group_messages: role service may not"
                + " manage row policies (dba or system required)");
    create(MEMBERS_READ);
    assertThatThrownBy(() -> run(MEMBERS_READ, ROOT))
        .hasMessage("Cannot create policy members_read on chat.group_messages: it already exists");
    assertThatThrownBy(() -> run("DROP POLICY members_read ON chat.group_messages", ALICE))
        .hasMessageContaining("role user may not manage row policies");
    Action.CatalogChange drop = (Action.CatalogChange) run("DROP TABLE chat.group_messages", ROOT);
    assertThat(drop.records()).hasSize(2);
    drop.records().forEach(catalog::apply);
    assertThat(catalog.policies()).isEmpty();
  }
}
