package io.tributary.query;

import static io.tributary.query.AnalyzerSubscribeTest.col;
import static io.tributary.query.AnalyzerSubscribeTest.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.DefaultValue;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.parse.StatementParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Accounts in analysis: rows, reads and subscriptions belong to an account's id, never its name;
 * account ids and credential versions; EXECUTE AS USER runs data statements only.
 */
class AnalyzerAccountsTest {
  static final TableDef NOTES =
      table(
          20,
          "app",
          "notes",
          TableKind.USER,
          Map.of(),
          col("id", ColumnType.INT, false),
          new ColumnDef(
              "author", ColumnType.TEXT, true, DefaultValue.of(DefaultValue.Kind.CURRENT_USER)));
  static final TableDef CONFIG =
      table(
          21,
          "app",
          "config",
          TableKind.SHARED,
          Map.of(),
          col("k", ColumnType.TEXT, false),
          col("v", ColumnType.TEXT, true));
  static final TableDef TYPING =
      table(
          22,
          "app",
          "typing",
          TableKind.STREAM,
          Map.of("TTL_SECONDS", "30"),
          col("id", ColumnType.INT, false));

  static final UserDef ALICE = new UserDef("9001", "alice", Role.USER, "hash", 0, 4);
  static final UserDef SVC = new UserDef("9002", "svc", Role.SERVICE, "hash", 0, 0);
  static final UserDef ADMIN = new UserDef("9003", "admin", Role.DBA, "hash", 0, 0);
  static final UserDef ROOT = new UserDef("9004", "root", Role.SYSTEM, "hash", 0, 0);
  static final UserDef OTHER_SVC = new UserDef("9005", "svc2", Role.SERVICE, "hash", 0, 0);

  CatalogState catalog;
  AnalyzerSubscribeTest.FixedEnvironment env;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    for (TableDef t : List.of(NOTES, CONFIG, TYPING)) {
      catalog.apply(CatalogRecord.table(t));
    }
    for (UserDef u : List.of(ALICE, SVC, ADMIN, ROOT, OTHER_SVC)) {
      catalog.apply(CatalogRecord.user(u));
    }
    env = new AnalyzerSubscribeTest.FixedEnvironment();
    analyzer = new Analyzer(catalog, env);
  }

  Action analyze(String sql, UserDef actor) {
    return analyzer.analyze(StatementParser.parse(sql), actor, List.of());
  }

  Action analyzeLive(String sql, UserDef actor) {
    return analyzer.analyze(StatementParser.parseLive(sql), actor, List.of());
  }

  void assertFails(String sql, UserDef actor, ErrorCode code, String message) {
    assertThatThrownBy(() -> analyze(sql, actor))
        .isInstanceOf(TributaryException.class)
        .hasMessage(message)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(code);
  }

  // ------------------------------------------------------------------ rows belong to the id

  @Test
  void shouldOwnWrittenRowsByTheAccountIdAndFillCurrentUserWithTheName() {
    Action.Write insert = (Action.Write) analyze("INSERT INTO app.notes (id) VALUES (1)", ALICE);
    Action.Write update =
        (Action.Write) analyze("UPDATE app.notes SET author = 'x' WHERE id = 1", ALICE);
    Action.Write delete = (Action.Write) analyze("DELETE FROM app.notes WHERE id = 1", ALICE);

    assertThat(insert.owner()).isEqualTo("9001");
    assertThat(insert.command().owner()).isEqualTo("9001");
    assertThat(update.owner()).isEqualTo("9001");
    assertThat(update.command().owner()).isEqualTo("9001");
    assertThat(delete.owner()).isEqualTo("9001");
    assertThat(delete.command().owner()).isEqualTo("9001");
    byte[] row = ((WriteCommand.InsertRows) insert.command()).rows().get(0);
    assertThat(io.tributary.query.command.RowCodec.decode(NOTES.types(), row, 2))
        .containsExactly(1, "alice");
  }

  @Test
  void shouldOwnStreamRowsByTheIdAndSharedRowsByNobody() {
    assertThat(((Action.Write) analyze("INSERT INTO app.typing VALUES (1)", ALICE)).owner())
        .isEqualTo("9001");
    assertThat(((Action.Write) analyze("INSERT INTO app.config VALUES ('a', 'b')", SVC)).owner())
        .isNull();
  }

  @Test
  void shouldReadAndSubscribeAsTheAccountId() {
    Action.Read read = (Action.Read) analyze("SELECT id, CURRENT_USER AS me FROM app.notes", ALICE);
    Action.Subscribe subscribe = (Action.Subscribe) analyzeLive("SUBSCRIBE TO app.notes", ALICE);
    Action.Subscribe select =
        (Action.Subscribe) analyzeLive("SELECT id FROM app.notes ORDER BY id LIMIT 5", ALICE);

    assertThat(read.userId()).isEqualTo("9001");
    assertThat(read.user()).isEqualTo("alice");
    assertThat(read.sql()).contains("'alice'");
    for (Action.Subscribe s : List.of(subscribe, select)) {
      assertThat(s.query().owner()).isEqualTo("9001");
      assertThat(s.userId()).isEqualTo("9001");
      assertThat(s.user()).isEqualTo("alice");
    }
  }

  @Test
  void shouldActAsTheTargetAccountIdWithExecuteAs() {
    Action.Write write =
        (Action.Write)
            analyze("EXECUTE AS USER 'alice' (INSERT INTO app.notes VALUES (1, 'hi'))", SVC);
    Action.Read read =
        (Action.Read) analyze("EXECUTE AS USER 'alice' (SELECT * FROM app.notes)", SVC);
    Action.Subscribe live =
        (Action.Subscribe) analyzeLive("EXECUTE AS USER 'alice' (SUBSCRIBE TO app.notes)", SVC);

    assertThat(write.owner()).isEqualTo("9001");
    assertThat(read.userId()).isEqualTo("9001");
    assertThat(read.role()).isEqualTo(Role.USER);
    assertThat(live.query().owner()).isEqualTo("9001");
    assertThat(live.userId()).isEqualTo("9001");
  }

  @Test
  void shouldTreatTheNameAsTheIdWhenAnalyzingForALegacyAccount() {
    Action.Write write =
        (Action.Write)
            analyzer.analyze(
                StatementParser.parse("INSERT INTO app.notes VALUES (1, 'hi')"),
                "bob",
                Role.USER,
                List.of());

    assertThat(write.owner()).isEqualTo("bob");
  }

  @Test
  void shouldKeepALegacyAccountsRowsUnderItsNameAfterAnUpgrade() {
    // A user record written before accounts had ids: its rows were stored under its name.
    catalog.apply(
        CatalogRecord.decode(
            "user/old_timer".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            ("{\"version\":1,\"value\":{\"name\":\"old_timer\",\"role\":\"USER\","
                    + "\"passwordHash\":\"hash\",\"createdAtMillis\":1}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    UserDef legacy = catalog.user("old_timer").orElseThrow();

    assertThat(catalog.userById("old_timer")).contains(legacy);
    assertThat(((Action.Read) analyze("SELECT * FROM app.notes", legacy)).userId())
        .isEqualTo("old_timer");
    assertThat(((Action.Write) analyze("DELETE FROM app.notes", legacy)).owner())
        .isEqualTo("old_timer");
  }

  // ------------------------------------------------------------------ ids and credential versions

  @Test
  void shouldGiveANewAccountAFreshIdAndCredentialVersionZero() {
    UserDef first = created(analyze("CREATE USER 'carol' WITH PASSWORD 'carol-password'", ADMIN));
    UserDef second = created(analyze("CREATE USER 'dave' WITH PASSWORD 'dave-password'", ADMIN));

    assertThat(first.id()).isEqualTo("1001").isNotEqualTo(first.name());
    assertThat(second.id()).isEqualTo("1002");
    assertThat(first.credentialVersion()).isZero();
    assertThat(first.passwordHash()).isEqualTo("hash:carol-password");
  }

  @Test
  void shouldNeverGiveANewAccountTheIdOfALegacyAccountWithANumericName() {
    catalog.apply(CatalogRecord.user(new UserDef("1001", Role.USER, "hash", 0)));

    UserDef created = created(analyze("CREATE USER 'carol' WITH PASSWORD 'carol-password'", ADMIN));

    assertThat(created.id()).isEqualTo("1002");
  }

  @Test
  void shouldGiveARecreatedUserANewId() {
    CatalogRecord tombstone =
        ((Action.CatalogChange) analyze("DROP USER 'alice'", ADMIN)).records().get(0);
    catalog.apply(tombstone);
    UserDef again = created(analyze("CREATE USER 'alice' WITH PASSWORD 'alice-password'", ADMIN));
    catalog.apply(CatalogRecord.user(again));

    assertThat(again.id()).isNotEqualTo(ALICE.id());
    assertThat(catalog.userById(ALICE.id())).isEmpty();
    assertThat(catalog.userById(again.id())).contains(again);
    Action.Write write =
        (Action.Write)
            analyze("INSERT INTO app.notes VALUES (1, 'hi')", catalog.user("alice").get());
    assertThat(write.owner()).isEqualTo(again.id());
  }

  @Test
  void shouldBumpTheCredentialVersionOnAPasswordChangeOnly() {
    UserDef byAdmin = created(analyze("ALTER USER 'alice' SET PASSWORD 'new-password-1'", ADMIN));
    UserDef bySelf = created(analyze("ALTER USER 'alice' SET PASSWORD 'new-password-2'", ALICE));
    UserDef promoted = created(analyze("ALTER USER 'alice' SET ROLE service", ADMIN));

    assertThat(byAdmin.id()).isEqualTo(ALICE.id());
    assertThat(byAdmin.credentialVersion()).isEqualTo(5);
    assertThat(byAdmin.passwordHash()).isEqualTo("hash:new-password-1");
    assertThat(bySelf.credentialVersion()).isEqualTo(5);
    assertThat(promoted.id()).isEqualTo(ALICE.id());
    assertThat(promoted.role()).isEqualTo(Role.SERVICE);
    assertThat(promoted.credentialVersion()).isEqualTo(4);
    assertThat(promoted.passwordHash()).isEqualTo("hash");
  }

  @Test
  void shouldPurgeTheDroppedAccountsRowsOfEveryUserAndStreamTable() {
    Action.CatalogChange drop = (Action.CatalogChange) analyze("DROP USER 'alice'", ADMIN);

    assertThat(drop.records())
        .containsExactly(CatalogRecord.tombstone(CatalogRecord.Kind.USER, "alice"));
    assertThat(drop.dropped()).isEmpty();
    assertThat(drop.purges())
        .extracting(WriteCommand.PurgeTable::tableId, WriteCommand.PurgeTable::owner)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(NOTES.id(), "9001"),
            org.assertj.core.groups.Tuple.tuple(TYPING.id(), "9001"));
    assertThat(drop.purges())
        .extracting(WriteCommand.PurgeTable::requestId)
        .doesNotHaveDuplicates();
  }

  @Test
  void shouldPurgeNothingWhenDropUserIfExistsFindsNoUser() {
    assertThat(analyze("DROP USER IF EXISTS 'nobody'", ADMIN))
        .isEqualTo(new Action.Done("DROP USER"));
  }

  private static UserDef created(Action action) {
    Action.CatalogChange change = (Action.CatalogChange) action;
    assertThat(change.records()).hasSize(1);
    assertThat(change.purges()).isEmpty();
    return (UserDef) change.records().get(0).value();
  }

  // ------------------------------------------------------------------ EXECUTE AS: data statements

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "ALTER USER 'alice' SET PASSWORD 'taken-over-password' | ALTER USER",
        "ALTER USER 'alice' SET ROLE dba | ALTER USER",
        "CREATE USER 'eve' WITH PASSWORD 'eve-password' | CREATE USER",
        "DROP USER 'svc2' | DROP USER",
        "CREATE TABLE app.evil (id INT PRIMARY KEY) | CREATE TABLE",
        "DROP TABLE app.notes | DROP TABLE",
        "CREATE NAMESPACE evil | CREATE NAMESPACE",
        "DROP NAMESPACE app CASCADE | DROP NAMESPACE",
        "SHOW TABLES | SHOW TABLES",
        "SHOW NAMESPACES | SHOW NAMESPACES",
        "DESCRIBE app.notes | DESCRIBE TABLE",
        "KILL LIVE QUERY 'sub-1' | KILL LIVE QUERY"
      })
  void shouldRunOnlyDataStatementsWithExecuteAs(String inner, String kind) {
    for (UserDef actor : List.of(SVC, ADMIN, ROOT)) {
      assertFails(
          "EXECUTE AS USER 'alice' (" + inner + ")",
          actor,
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot execute as user alice: EXECUTE AS USER runs only data statements (SELECT,"
              + " INSERT, UPDATE, DELETE, SUBSCRIBE), not "
              + kind);
    }
  }

  @Test
  void shouldChangeNothingWhenExecuteAsIsRefused() {
    assertFails(
        "EXECUTE AS USER 'alice' (ALTER USER 'alice' SET PASSWORD 'taken-over-password')",
        SVC,
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot execute as user alice: EXECUTE AS USER runs only data statements (SELECT, INSERT,"
            + " UPDATE, DELETE, SUBSCRIBE), not ALTER USER");

    assertThat(catalog.user("alice")).contains(ALICE);
    assertThat(env.ids.get()).isEqualTo(1000);
  }

  @Test
  void shouldStillRunDataStatementsWithExecuteAs() {
    assertThat(analyze("EXECUTE AS USER 'alice' (SELECT 1)", SVC)).isInstanceOf(Action.Read.class);
    assertThat(analyze("EXECUTE AS USER 'alice' (INSERT INTO app.notes VALUES (1, 'a'))", SVC))
        .isInstanceOf(Action.Write.class);
    assertThat(analyze("EXECUTE AS USER 'alice' (UPDATE app.notes SET author = 'b')", SVC))
        .isInstanceOf(Action.Write.class);
    assertThat(analyze("EXECUTE AS USER 'alice' (DELETE FROM app.notes)", SVC))
        .isInstanceOf(Action.Write.class);
    assertThat(analyzeLive("EXECUTE AS USER 'alice' (SELECT id FROM app.notes)", SVC))
        .isInstanceOf(Action.Subscribe.class);
  }

  @ParameterizedTest
  @CsvSource({"svc, admin, service, dba", "svc, root, service, system", "admin, root, dba, system"})
  void shouldNotActForAUserWithAHigherRole(
      String actor, String target, String actorRole, String targetRole) {
    assertFails(
        "EXECUTE AS USER '" + target + "' (SELECT 1)",
        catalog.user(actor).orElseThrow(),
        ErrorCode.PERMISSION_DENIED,
        "Cannot execute as user "
            + target
            + ": role "
            + actorRole
            + " may not act as a user with role "
            + targetRole);
  }

  @Test
  void shouldActForAUserWithTheSameRoleOrLower() {
    assertThat(((Action.Read) analyze("EXECUTE AS USER 'svc2' (SELECT 1)", SVC)).userId())
        .isEqualTo("9005");
    assertThat(((Action.Read) analyze("EXECUTE AS USER 'svc' (SELECT 1)", ADMIN)).userId())
        .isEqualTo("9002");
    assertThat(((Action.Read) analyze("EXECUTE AS USER 'admin' (SELECT 1)", ROOT)).userId())
        .isEqualTo("9003");
  }

  @Test
  void shouldNotLetAUserActForAnyone() {
    assertFails(
        "EXECUTE AS USER 'alice' (SELECT 1)",
        new UserDef("9009", "bob", Role.USER, "hash", 0, 0),
        ErrorCode.PERMISSION_DENIED,
        "Cannot execute as user alice: only roles service, dba and system may act for other users");
  }
}
