package io.tributary.query;

import static io.tributary.query.AnalyzerSubscribeTest.col;
import static io.tributary.query.AnalyzerSubscribeTest.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@link Authorizer}'s rules as a table: for each action (a sequence of checks, in the order
 * the analyzers make them) and each role of the acting account, allowed or refused with
 * PERMISSION_DENIED; then the exact message of each refusal.
 */
class AuthorizerTest {
  static final TableDef NOTES = table(1, "app", "notes", TableKind.USER, Map.of(), id());
  static final TableDef TYPING =
      table(2, "app", "typing", TableKind.STREAM, Map.of("TTL_SECONDS", "30"), id());
  static final TableDef PUBLIC =
      table(3, "app", "board", TableKind.SHARED, Map.of("ACCESS_LEVEL", "public"), id());
  static final TableDef READ = table(4, "app", "config", TableKind.SHARED, Map.of(), id());
  static final TableDef PRIVATE =
      table(5, "app", "secrets", TableKind.SHARED, Map.of("ACCESS_LEVEL", "private"), id());

  static final UserDef OTHER_USER = account("bob", Role.USER);
  static final UserDef OTHER_SERVICE = account("svc2", Role.SERVICE);
  static final UserDef OTHER_DBA = account("admin2", Role.DBA);
  static final UserDef OTHER_SYSTEM = account("root2", Role.SYSTEM);

  private static io.tributary.query.catalog.ColumnDef id() {
    return col("id", ColumnType.INT, false);
  }

  private static UserDef account(String name, Role role) {
    return new UserDef("id-" + name, name, role, "hash", 0, 0);
  }

  /** What an account with a role attempts, as the checks the analyzers or the server make. */
  static Map<String, Consumer<UserDef>> actions() {
    return Map.ofEntries(
        Map.entry("change the catalog", a -> Authorizer.checkChangesCatalog(a.role(), "x")),
        Map.entry(
            "create a dba user",
            a -> {
              Authorizer.checkChangesCatalog(a.role(), "x");
              Authorizer.checkCreateUser(a.role(), Role.DBA, "x");
            }),
        Map.entry(
            "create a system user",
            a -> {
              Authorizer.checkChangesCatalog(a.role(), "x");
              Authorizer.checkCreateUser(a.role(), Role.SYSTEM, "x");
            }),
        Map.entry(
            "change own password",
            a -> {
              Authorizer.checkAlterPassword(a, a.name(), "x");
              Authorizer.checkAlterAccount(a, a, "x");
            }),
        Map.entry(
            "change a user's password",
            a -> {
              Authorizer.checkAlterPassword(a, OTHER_USER.name(), "x");
              Authorizer.checkAlterAccount(a, OTHER_USER, "x");
            }),
        Map.entry(
            "change a system account's password",
            a -> {
              Authorizer.checkAlterPassword(a, OTHER_SYSTEM.name(), "x");
              Authorizer.checkAlterAccount(a, OTHER_SYSTEM, "x");
            }),
        Map.entry(
            "grant a user role dba",
            a -> {
              Authorizer.checkAlterRole(a, "x");
              Authorizer.checkAlterAccount(a, OTHER_USER, "x");
              Authorizer.checkGrant(a, OTHER_USER, Role.DBA, "x");
            }),
        Map.entry(
            "grant a user role system",
            a -> {
              Authorizer.checkAlterRole(a, "x");
              Authorizer.checkAlterAccount(a, OTHER_USER, "x");
              Authorizer.checkGrant(a, OTHER_USER, Role.SYSTEM, "x");
            }),
        Map.entry(
            "change own role",
            a -> {
              Authorizer.checkAlterRole(a, "x");
              Authorizer.checkAlterAccount(a, a, "x");
              Authorizer.checkGrant(a, a, a.role() == Role.USER ? Role.SERVICE : Role.USER, "x");
            }),
        Map.entry(
            "keep own role",
            a -> {
              Authorizer.checkAlterRole(a, "x");
              Authorizer.checkAlterAccount(a, a, "x");
              Authorizer.checkGrant(a, a, a.role(), "x");
            }),
        Map.entry(
            "drop a dba",
            a -> {
              Authorizer.checkChangesCatalog(a.role(), "x");
              Authorizer.checkDropUser(a, OTHER_DBA, "x");
            }),
        Map.entry(
            "drop a system account",
            a -> {
              Authorizer.checkChangesCatalog(a.role(), "x");
              Authorizer.checkDropUser(a, OTHER_SYSTEM, "x");
            }),
        Map.entry(
            "drop themselves",
            a -> {
              Authorizer.checkChangesCatalog(a.role(), "x");
              Authorizer.checkDropUser(a, a, "x");
            }),
        Map.entry("execute as a user", a -> executeAs(a, OTHER_USER)),
        Map.entry("execute as a service", a -> executeAs(a, OTHER_SERVICE)),
        Map.entry("execute as a dba", a -> executeAs(a, OTHER_DBA)),
        Map.entry("execute as a system account", a -> executeAs(a, OTHER_SYSTEM)),
        Map.entry("read a USER table", a -> Authorizer.checkRead(a.role(), NOTES, "x")),
        Map.entry("read a STREAM table", a -> Authorizer.checkRead(a.role(), TYPING, "x")),
        Map.entry("read a public SHARED table", a -> Authorizer.checkRead(a.role(), PUBLIC, "x")),
        Map.entry("read a read SHARED table", a -> Authorizer.checkRead(a.role(), READ, "x")),
        Map.entry("read a private SHARED table", a -> Authorizer.checkRead(a.role(), PRIVATE, "x")),
        Map.entry(
            "read a system table", a -> Authorizer.checkRead(a.role(), SystemTables.USERS, "x")),
        Map.entry("write a USER table", a -> Authorizer.checkWrite(a.role(), NOTES, "x")),
        Map.entry("write a STREAM table", a -> Authorizer.checkWrite(a.role(), TYPING, "x")),
        Map.entry("write a public SHARED table", a -> Authorizer.checkWrite(a.role(), PUBLIC, "x")),
        Map.entry("write a read SHARED table", a -> Authorizer.checkWrite(a.role(), READ, "x")),
        Map.entry(
            "write a private SHARED table", a -> Authorizer.checkWrite(a.role(), PRIVATE, "x")),
        Map.entry("see own account", a -> see(a, a)),
        Map.entry("see another account", a -> see(a, OTHER_SERVICE)),
        Map.entry("kill a live query", a -> Authorizer.checkKillLiveQuery(a.role(), "x")));
  }

  private static void executeAs(UserDef actor, UserDef target) {
    Authorizer.checkActsForOthers(actor.role(), "x");
    Authorizer.checkActAs(actor.role(), target, "x");
  }

  /** A refusal like the server's: a listing leaves out what it may not show. */
  private static void see(UserDef actor, UserDef account) {
    if (!Authorizer.maySeeAccount(actor.role(), actor.id(), account.id())) {
      throw TributaryException.of(ErrorCode.PERMISSION_DENIED, "Cannot see %s", account.name());
    }
  }

  @ParameterizedTest(name = "{0}: user {1}, service {2}, dba {3}, system {4}")
  @CsvSource(
      delimiter = '|',
      value = {
        // action                             | user    | service | dba     | system
        "change the catalog                   | denied  | denied  | allowed | allowed",
        "create a dba user                    | denied  | denied  | allowed | allowed",
        "create a system user                 | denied  | denied  | denied  | allowed",
        "change own password                  | allowed | allowed | allowed | allowed",
        "change a user's password             | denied  | denied  | allowed | allowed",
        "change a system account's password   | denied  | denied  | denied  | allowed",
        "grant a user role dba                | denied  | denied  | allowed | allowed",
        "grant a user role system             | denied  | denied  | denied  | allowed",
        "change own role                      | denied  | denied  | denied  | denied",
        "keep own role                        | denied  | denied  | allowed | allowed",
        "drop a dba                           | denied  | denied  | allowed | allowed",
        "drop a system account                | denied  | denied  | denied  | allowed",
        "drop themselves                      | denied  | denied  | denied  | denied",
        "execute as a user                    | denied  | allowed | allowed | allowed",
        "execute as a service                 | denied  | allowed | allowed | allowed",
        "execute as a dba                     | denied  | denied  | allowed | allowed",
        "execute as a system account          | denied  | denied  | denied  | allowed",
        "read a USER table                    | allowed | allowed | allowed | allowed",
        "read a STREAM table                  | allowed | allowed | allowed | allowed",
        "read a public SHARED table           | allowed | allowed | allowed | allowed",
        "read a read SHARED table             | allowed | allowed | allowed | allowed",
        "read a private SHARED table          | denied  | allowed | allowed | allowed",
        "read a system table                  | allowed | allowed | allowed | allowed",
        "write a USER table                   | allowed | allowed | allowed | allowed",
        "write a STREAM table                 | allowed | allowed | allowed | allowed",
        "write a public SHARED table          | allowed | allowed | allowed | allowed",
        "write a read SHARED table            | denied  | allowed | allowed | allowed",
        "write a private SHARED table         | denied  | allowed | allowed | allowed",
        "see own account                      | allowed | allowed | allowed | allowed",
        "see another account                  | denied  | denied  | allowed | allowed",
        "kill a live query                    | denied  | denied  | allowed | allowed",
      })
  void shouldAllowEachRoleExactlyWhatTheTableSays(
      String action, String user, String service, String dba, String system) {
    Consumer<UserDef> attempt = actions().get(action);
    assertThat(attempt).as("action %s", action).isNotNull();
    Map<Role, String> expected =
        Map.of(Role.USER, user, Role.SERVICE, service, Role.DBA, dba, Role.SYSTEM, system);
    for (Role role : Role.values()) {
      UserDef actor = account("me-" + role.sqlName(), role);
      ThrowingCallable call = () -> attempt.accept(actor);
      String as = action + " as role " + role.sqlName();
      if (expected.get(role).equals("allowed")) {
        assertThatCode(call).as(as).doesNotThrowAnyException();
      } else {
        assertThat(expected.get(role)).isEqualTo("denied");
        assertThatThrownBy(call)
            .as(as)
            .isInstanceOf(TributaryException.class)
            .extracting(e -> ((TributaryException) e).code())
            .isEqualTo(ErrorCode.PERMISSION_DENIED);
      }
    }
  }

  @Test
  void shouldCoverEveryActionOfTheTable() {
    assertThat(actions()).hasSize(31);
  }

  @ParameterizedTest(name = "{0} as role {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "change the catalog | service | Cannot x: role service may not change the catalog (dba or"
            + " system required)",
        "create a system user | dba | Cannot x: only role system may create system users",
        "change a user's password | service | Cannot x: role service may only change its own"
            + " password",
        "grant a user role dba | service | Cannot x: role service may only change its own"
            + " password",
        "change a system account's password | dba | Cannot x: only role system may alter system"
            + " users",
        "grant a user role system | dba | Cannot x: only role system may grant role system",
        "change own role | system | Cannot x: a user cannot change their own role",
        "drop themselves | system | Cannot x: a user cannot drop themselves",
        "drop a system account | dba | Cannot x: only role system may drop system users",
        "execute as a user | user | Cannot x: only roles service, dba and system may act for"
            + " other users",
        "execute as a dba | service | Cannot x: role service may not act as a user with role dba",
        "read a private SHARED table | user | Cannot x: role user may not read this SHARED table"
            + " (access level private)",
        "write a read SHARED table | user | Cannot x: role user may not write SHARED table"
            + " app.config (access level read)",
        "write a private SHARED table | user | Cannot x: role user may not write SHARED table"
            + " app.secrets (access level private)",
        "kill a live query | service | Cannot x: role service may not kill live queries (dba or"
            + " system required)",
      })
  void shouldRefuseWithTheMessageOfEachRule(String action, String role, String message) {
    UserDef actor = account("me", Role.parse(role));
    assertThatThrownBy(() -> actions().get(action).accept(actor))
        .isInstanceOf(TributaryException.class)
        .hasMessage(message)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.PERMISSION_DENIED);
  }
}
