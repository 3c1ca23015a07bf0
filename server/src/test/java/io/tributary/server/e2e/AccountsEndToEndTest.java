package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accounts over gRPC: rows and tokens belong to an account's id, not its name; a password change
 * revokes earlier tokens; EXECUTE AS USER runs data statements only.
 */
class AccountsEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient agent;
  private final List<TributaryClient> clients = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE acct;"
            + "CREATE TABLE acct.notes (id INT PRIMARY KEY, body TEXT, author TEXT DEFAULT"
            + " CURRENT_USER());"
            + "CREATE STREAM TABLE acct.typing (id INT PRIMARY KEY, what TEXT)"
            + " WITH (TTL_SECONDS = 30);"
            + "CREATE USER 'acct_agent' WITH PASSWORD 'agent-password' ROLE service;"
            + "CREATE USER 'acct_u1' WITH PASSWORD 'u1-password'");
    agent = TributaryClient.connect(SharedServer.url());
    agent.login("acct_agent", "agent-password");
  }

  @AfterAll
  static void tearDown() {
    agent.close();
    root.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(TributaryClient::close);
  }

  private TributaryClient login(String user, String password) {
    TributaryClient client = TributaryClient.connect(SharedServer.url());
    clients.add(client);
    client.login(user, password);
    return client;
  }

  private TributaryClient withToken(String token) {
    TributaryClient client = TributaryClient.connect(SharedServer.url()).withToken(token);
    clients.add(client);
    return client;
  }

  private static void assertFails(Runnable call, String code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(TributaryException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessage(message);
  }

  // ------------------------------------------------------------------ defect 1: re-created users

  @Test
  void shouldShowAReCreatedUserNoneOfTheOldAccountsRows() {
    root.update("CREATE USER 'gdpr1' WITH PASSWORD 'first-password'");
    TributaryClient old = login("gdpr1", "first-password");
    old.update("INSERT INTO acct.notes (id, body) VALUES (1, 'old secret'), (2, 'old diary')");
    old.update("INSERT INTO acct.typing VALUES (1, 'old typing')");
    agent.update(
        "EXECUTE AS USER 'gdpr1' (INSERT INTO acct.notes (id, body) VALUES (3, 'via agent'))");
    assertThat(old.query("SELECT COUNT(*) AS n FROM acct.notes").rows().get(0).getLong("n"))
        .isEqualTo(3);

    root.update("DROP USER 'gdpr1'; CREATE USER 'gdpr1' WITH PASSWORD 'second-password'");
    TributaryClient renewed = login("gdpr1", "second-password");

    assertThat(renewed.query("SELECT id FROM acct.notes").rows()).isEmpty();
    assertThat(renewed.query("SELECT id FROM acct.typing").rows()).isEmpty();
    assertThat(agent.query("EXECUTE AS USER 'gdpr1' (SELECT id FROM acct.notes)").rows()).isEmpty();
    assertThat(renewed.update("UPDATE acct.notes SET body = 'touched'")).isZero();
    assertThat(renewed.update("DELETE FROM acct.notes")).isZero();
    // The new account's keys are its own: the old account's primary keys do not collide.
    assertThat(renewed.update("INSERT INTO acct.notes (id, body) VALUES (1, 'new')")).isEqualTo(1);
    assertThat(renewed.query("SELECT id, body, author FROM acct.notes").rows())
        .extracting(
            r -> r.getInteger("id") + ":" + r.getString("body") + ":" + r.getString("author"))
        .containsExactly("1:new:gdpr1");
  }

  @Test
  void shouldPurgeOnlyTheDroppedAccountsRowsAndKeepEveryOtherUsersRows() {
    // Eight users spread over the partitions, so some share the dropped user's partition.
    List<TributaryClient> others = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      root.update("CREATE USER 'keep" + i + "' WITH PASSWORD 'keep-password'");
      TributaryClient other = login("keep" + i, "keep-password");
      other.update("INSERT INTO acct.notes (id, body) VALUES (1, 'a'), (2, 'b')");
      other.update("INSERT INTO acct.typing VALUES (1, 'typing')");
      others.add(other);
    }
    root.update("CREATE USER 'gone' WITH PASSWORD 'gone-password'");
    TributaryClient gone = login("gone", "gone-password");
    gone.update("INSERT INTO acct.notes (id, body) VALUES (1, 'x'), (2, 'y'), (3, 'z')");

    root.update("DROP USER 'gone'");
    // A write acknowledged after the drop was applied after the purge commands (same partitions).
    for (TributaryClient other : others) {
      other.update("INSERT INTO acct.notes (id, body) VALUES (3, 'after')");
    }

    for (TributaryClient other : others) {
      assertThat(other.query("SELECT id FROM acct.notes ORDER BY id").rows())
          .extracting(r -> r.getInteger("id"))
          .containsExactly(1, 2, 3);
      assertThat(other.query("SELECT id FROM acct.typing").rows()).hasSize(1);
    }
  }

  @Test
  void shouldRefuseTheDroppedAccountsTokenEvenAfterTheNameIsTakenAgain() {
    root.update("CREATE USER 'gdpr2' WITH PASSWORD 'first-password'");
    TributaryClient old = login("gdpr2", "first-password");
    String oldToken = old.login("gdpr2", "first-password").token();
    old.update("INSERT INTO acct.notes (id, body) VALUES (1, 'old')");

    root.update("DROP USER 'gdpr2'");
    assertFails(
        () -> old.query("SELECT 1"),
        "UNAUTHENTICATED",
        "Cannot authenticate: the account of user gdpr2 was dropped");

    root.update("CREATE USER 'gdpr2' WITH PASSWORD 'second-password'");
    for (TributaryClient stale : List.of(old, withToken(oldToken))) {
      assertFails(
          () -> stale.query("SELECT id FROM acct.notes"),
          "UNAUTHENTICATED",
          "Cannot authenticate: the account of user gdpr2 was dropped");
      assertFails(
          () -> stale.update("INSERT INTO acct.notes (id, body) VALUES (9, 'intruder')"),
          "UNAUTHENTICATED",
          "Cannot authenticate: the account of user gdpr2 was dropped");
    }
    TributaryClient renewed = login("gdpr2", "second-password");
    assertThat(renewed.query("SELECT id FROM acct.notes").rows()).isEmpty();
    assertFails(
        () -> login("gdpr2", "first-password"),
        "AUTHENTICATION_FAILED",
        "Cannot log in: unknown user or wrong password");
  }

  @Test
  void shouldListOnlyTheCurrentAccountOfANameInSystemUsers() {
    root.update("CREATE USER 'gdpr3' WITH PASSWORD 'first-password' ROLE service");
    root.update("DROP USER 'gdpr3'; CREATE USER 'gdpr3' WITH PASSWORD 'second-password'");

    assertThat(root.query("SELECT name, role FROM system.users WHERE name = 'gdpr3'").rows())
        .extracting(r -> r.getString("name") + ":" + r.getString("role"))
        .containsExactly("gdpr3:user");
    assertThat(login("gdpr3", "second-password").query("SELECT name FROM system.users").rows())
        .extracting(r -> r.getString("name"))
        .containsExactly("gdpr3");
  }

  // ------------------------------------------------------------------ defect 2: password changes

  @Test
  void shouldRefuseATokenIssuedBeforeAPasswordChangeByAnAdministrator() {
    root.update("CREATE USER 'pw1' WITH PASSWORD 'first-password'");
    TributaryClient before = login("pw1", "first-password");
    before.update("INSERT INTO acct.notes (id, body) VALUES (1, 'mine')");

    root.update("ALTER USER 'pw1' SET PASSWORD 'second-password'");

    assertFails(
        () -> before.query("SELECT id FROM acct.notes"),
        "UNAUTHENTICATED",
        "Cannot authenticate: the password of user pw1 changed after this token was issued; log"
            + " in again");
    assertFails(
        () -> login("pw1", "first-password"),
        "AUTHENTICATION_FAILED",
        "Cannot log in: unknown user or wrong password");
    TributaryClient after = login("pw1", "second-password");
    assertThat(after.query("SELECT id, body FROM acct.notes").rows())
        .extracting(r -> r.getInteger("id") + ":" + r.getString("body"))
        .containsExactly("1:mine");
  }

  @Test
  void shouldRefuseEveryEarlierTokenOnceAUserChangesTheirOwnPassword() {
    root.update("CREATE USER 'pw2' WITH PASSWORD 'first-password'");
    TributaryClient phone = login("pw2", "first-password");
    TributaryClient laptop = login("pw2", "first-password");

    laptop.update("ALTER USER 'pw2' SET PASSWORD 'second-password'");

    for (TributaryClient stale : List.of(phone, laptop)) {
      assertFails(
          () -> stale.query("SELECT 1"),
          "UNAUTHENTICATED",
          "Cannot authenticate: the password of user pw2 changed after this token was issued;"
              + " log in again");
    }
    assertThat(laptop.login("pw2", "second-password").user()).isEqualTo("pw2");
    assertThat(laptop.query("SELECT 1 AS n").rows().get(0).get("n")).isEqualTo(1);
  }

  @Test
  void shouldKeepTokensValidWhenOnlyTheRoleChanges() {
    root.update("CREATE USER 'role1' WITH PASSWORD 'first-password'");
    TributaryClient client = login("role1", "first-password");

    root.update("ALTER USER 'role1' SET ROLE service");

    assertThat(client.query("SELECT role FROM system.users").rows())
        .extracting(r -> r.getString("role"))
        .containsExactly("service");
  }

  // ------------------------------------------------------------------ defect 3: EXECUTE AS

  @Test
  void shouldNotLetAServiceTakeOverAnAccountWithExecuteAs() {
    assertFails(
        () -> agent.update("EXECUTE AS USER 'acct_u1' (ALTER USER 'acct_u1' SET PASSWORD 'x')"),
        "UNSUPPORTED_STATEMENT",
        "Cannot execute as user acct_u1: EXECUTE AS USER runs only data statements (SELECT,"
            + " INSERT, UPDATE, DELETE, SUBSCRIBE), not ALTER USER");
    assertFails(
        () ->
            agent.update(
                "EXECUTE AS USER 'acct_u1' (ALTER USER 'acct_u1' SET PASSWORD 'taken-over-pw')"),
        "UNSUPPORTED_STATEMENT",
        "Cannot execute as user acct_u1: EXECUTE AS USER runs only data statements (SELECT,"
            + " INSERT, UPDATE, DELETE, SUBSCRIBE), not ALTER USER");

    // The password is unchanged: the old one logs in, the would-be one does not.
    assertThat(login("acct_u1", "u1-password").query("SELECT name FROM system.users").rows())
        .extracting(r -> r.getString("name"))
        .containsExactly("acct_u1");
    assertFails(
        () -> login("acct_u1", "taken-over-pw"),
        "AUTHENTICATION_FAILED",
        "Cannot log in: unknown user or wrong password");
  }

  @Test
  void shouldRefuseEveryNonDataStatementInExecuteAs() {
    String[][] cases = {
      {"CREATE USER 'acct_evil' WITH PASSWORD 'evil-password'", "CREATE USER"},
      {"DROP USER 'acct_agent'", "DROP USER"},
      {"ALTER USER 'acct_u1' SET ROLE dba", "ALTER USER"},
      {"CREATE TABLE acct.evil (id INT PRIMARY KEY)", "CREATE TABLE"},
      {"DROP TABLE acct.notes", "DROP TABLE"},
      {"CREATE NAMESPACE acct_evil", "CREATE NAMESPACE"},
      {"DROP NAMESPACE acct CASCADE", "DROP NAMESPACE"},
      {"SHOW TABLES", "SHOW TABLES"},
      {"KILL LIVE QUERY 'x'", "KILL LIVE QUERY"}
    };
    for (TributaryClient actor : List.of(agent, root)) {
      for (String[] c : cases) {
        assertFails(
            () -> actor.update("EXECUTE AS USER 'acct_u1' (" + c[0] + ")"),
            "UNSUPPORTED_STATEMENT",
            "Cannot execute as user acct_u1: EXECUTE AS USER runs only data statements (SELECT,"
                + " INSERT, UPDATE, DELETE, SUBSCRIBE), not "
                + c[1]);
      }
    }
    assertThat(root.query("SELECT name FROM system.users WHERE name LIKE 'acct%'").rows())
        .extracting(r -> r.getString("name"))
        .containsExactlyInAnyOrder("acct_agent", "acct_u1");
    assertThat(root.query("SHOW TABLES IN acct").rows())
        .extracting(r -> r.getString("table"))
        .containsExactlyInAnyOrder("notes", "typing");
    assertThat(root.query("SELECT role FROM system.users WHERE name = 'acct_u1'").rows())
        .extracting(r -> r.getString("role"))
        .containsExactly("user");
  }

  @Test
  void shouldStillRunDataStatementsWithExecuteAs() {
    root.update("CREATE USER 'acct_u2' WITH PASSWORD 'u2-password'");
    String as = "EXECUTE AS USER 'acct_u2' ";

    assertThat(agent.update(as + "(INSERT INTO acct.notes (id, body) VALUES (1, 'a'), (2, 'b'))"))
        .isEqualTo(2);
    assertThat(agent.update(as + "(UPDATE acct.notes SET body = 'B' WHERE id = 2)")).isEqualTo(1);
    assertThat(agent.update(as + "(DELETE FROM acct.notes WHERE id = 1)")).isEqualTo(1);
    List<Row> rows = agent.query(as + "(SELECT id, body, author FROM acct.notes)").rows();

    assertThat(rows)
        .extracting(
            r -> r.getInteger("id") + ":" + r.getString("body") + ":" + r.getString("author"))
        .containsExactly("2:B:acct_u2");
    assertThat(login("acct_u2", "u2-password").query("SELECT id FROM acct.notes").rows())
        .extracting(r -> r.getInteger("id"))
        .containsExactly(2);
    assertThat(agent.query("SELECT id FROM acct.notes").rows()).isEmpty();
  }

  @Test
  void shouldNotLetAServiceActForAUserWithAHigherRole() {
    root.update("CREATE USER 'acct_dba' WITH PASSWORD 'dba-password' ROLE dba");

    assertFails(
        () -> agent.query("EXECUTE AS USER 'acct_dba' (SELECT 1)"),
        "PERMISSION_DENIED",
        "Cannot execute as user acct_dba: role service may not act as a user with role dba");
    assertFails(
        () -> agent.query("EXECUTE AS USER 'root' (SELECT 1)"),
        "PERMISSION_DENIED",
        "Cannot execute as user root: role service may not act as a user with role system");
  }
}
