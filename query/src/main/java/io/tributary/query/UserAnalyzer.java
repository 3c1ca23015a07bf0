package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.parse.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Analyzes the statements that manage accounts: CREATE, ALTER and DROP USER. Who may change which
 * account is the {@link Authorizer}'s decision.
 */
final class UserAnalyzer extends FamilyAnalyzer {
  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,128}");

  UserAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action createUser(Statement.CreateUser s, UserDef actor) {
    Role role = actor.role();
    String action = "create user " + s.name();
    Authorizer.checkChangesCatalog(role, action);
    if (!USER_NAME.matcher(s.name()).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot %s: a user name is 1-128 letters, digits or _ . @ -",
          action);
    }
    Authorizer.checkCreateUser(role, s.role(), action);
    checkPassword(s.password(), action);
    if (catalog.user(s.name()).isPresent()) {
      throw TributaryException.of(ErrorCode.USER_EXISTS, "Cannot %s: it already exists", action);
    }
    UserDef user =
        new UserDef(
            newUserId(), s.name(), s.role(), env.hashPassword(s.password()), env.nowMillis(), 0);
    return new Action.CatalogChange("CREATE USER", List.of(CatalogRecord.user(user)), List.of());
  }

  /**
   * A new account id: a snowflake id of the accepting node, in decimal. Never one an account of the
   * catalog holds, not even a legacy account whose id is its (numeric) name.
   */
  private String newUserId() {
    String id;
    do {
      id = Long.toString(env.nextId());
    } while (catalog.userById(id).isPresent());
    return id;
  }

  Action alterUser(Statement.AlterUser s, UserDef actor) {
    String action = "alter user " + s.name();
    if (s.password() != null) {
      Authorizer.checkAlterPassword(actor, s.name(), action);
    } else {
      Authorizer.checkAlterRole(actor, action);
    }
    UserDef existing =
        catalog
            .user(s.name())
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.USER_NOT_FOUND, "Cannot %s: it does not exist", action));
    Authorizer.checkAlterAccount(actor, existing, action);
    UserDef updated;
    if (s.password() != null) {
      checkPassword(s.password(), action);
      // The next credential version revokes every token issued before this change.
      updated = existing.withPassword(env.hashPassword(s.password()));
    } else {
      Authorizer.checkGrant(actor, existing, s.role(), action);
      updated = existing.withRole(s.role());
    }
    return new Action.CatalogChange("ALTER USER", List.of(CatalogRecord.user(updated)), List.of());
  }

  Action dropUser(Statement.DropUser s, UserDef actor) {
    String action = "drop user " + s.name();
    Authorizer.checkChangesCatalog(actor.role(), action);
    var existing = catalog.user(s.name());
    if (existing.isEmpty()) {
      if (s.ifExists()) {
        return new Action.Done("DROP USER");
      }
      throw TributaryException.of(ErrorCode.USER_NOT_FOUND, "Cannot %s: it does not exist", action);
    }
    Authorizer.checkDropUser(actor, existing.get(), action);
    // The account's rows of every USER and STREAM table go with it; its id is never reused, so
    // even rows the purge has not reached yet are out of every other account's reach.
    List<WriteCommand.PurgeTable> purges = new ArrayList<>();
    for (TableDef table : catalog.tables(null)) {
      if (table.kind() != TableKind.SHARED) {
        purges.add(new WriteCommand.PurgeTable(env.requestId(), table.id(), existing.get().id()));
      }
    }
    return new Action.CatalogChange(
        "DROP USER",
        List.of(CatalogRecord.tombstone(CatalogRecord.Kind.USER, s.name())),
        List.of(),
        purges);
  }

  private static void checkPassword(String password, String action) {
    if (password.length() < 8 || password.length() > 72) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT, "Cannot %s: a password must have 8 to 72 characters", action);
    }
  }
}
