package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SharedAccess;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.policy.Policies;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import java.util.List;

/**
 * Who may do what: the one place that decides, from the acting account's role (and, for account
 * changes, whether it acts on itself), whether an action is allowed. The analyzers ask it before
 * they build an action; the server asks it while it reads rows (SHARED tables, system tables).
 *
 * <p>Each {@code check...} method returns when the action is allowed and otherwise throws a {@link
 * TributaryException} with code {@link ErrorCode#PERMISSION_DENIED} and a message {@code Cannot
 * <action>: <reason>}, where {@code action} is the caller's words for what was attempted (e.g.
 * "create table lab.t"). Each {@code may...} method answers without throwing. The rules depend on
 * nothing but their arguments: thread-safe, no state.
 *
 * <p>Rules apart from the role: the reserved namespace {@code system} (read-only, no DDL, no live
 * subscriptions) and the names of catalog objects are the analyzers' concern, as they apply to
 * every role alike.
 */
public final class Authorizer {
  private Authorizer() {}

  // ---------------------------------------------------------------- catalog and accounts

  /** DDL and account management (CREATE/DROP NAMESPACE, TABLE and USER): dba and system. */
  public static void checkChangesCatalog(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not change the catalog (dba or system required)",
          action,
          role.sqlName());
    }
  }

  /** CREATE USER of an account with role {@code granted}: only role system creates system users. */
  public static void checkCreateUser(Role role, Role granted, String action) {
    if (granted == Role.SYSTEM && role != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only role system may create system users",
          action);
    }
  }

  /**
   * ALTER USER ... PASSWORD, before the account is looked up: an account changes its own password;
   * dba and system change anybody's.
   */
  public static void checkAlterPassword(UserDef actor, String target, String action) {
    if (!(actor.role().administers() || target.equals(actor.name()))) {
      throw onlyOwnPassword(actor.role(), action);
    }
  }

  /** ALTER USER ... ROLE, before the account is looked up: dba and system only. */
  public static void checkAlterRole(UserDef actor, String action) {
    if (!actor.role().administers()) {
      throw onlyOwnPassword(actor.role(), action);
    }
  }

  private static TributaryException onlyOwnPassword(Role role, String action) {
    return TributaryException.of(
        ErrorCode.PERMISSION_DENIED,
        "Cannot %s: role %s may only change its own password",
        action,
        role.sqlName());
  }

  /**
   * ALTER USER of an existing account (after {@link #checkAlterPassword} or {@link
   * #checkAlterRole}): only role system alters another system account.
   */
  public static void checkAlterAccount(UserDef actor, UserDef target, String action) {
    if (!isSelf(actor, target) && target.role() == Role.SYSTEM && actor.role() != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only role system may alter system users",
          action);
    }
  }

  /**
   * ALTER USER ... ROLE {@code granted}: only role system grants role system, and nobody changes
   * their own role.
   */
  public static void checkGrant(UserDef actor, UserDef target, Role granted, String action) {
    if (granted == Role.SYSTEM && actor.role() != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: only role system may grant role system", action);
    }
    if (isSelf(actor, target) && granted != target.role()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: a user cannot change their own role", action);
    }
  }

  /**
   * DROP USER of an existing account (after {@link #checkChangesCatalog}): nobody drops themselves,
   * and only role system drops system accounts.
   */
  public static void checkDropUser(UserDef actor, UserDef target, String action) {
    if (isSelf(actor, target)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: a user cannot drop themselves", action);
    }
    if (target.role() == Role.SYSTEM && actor.role() != Role.SYSTEM) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: only role system may drop system users", action);
    }
  }

  /** Whether an account statement names the acting account itself (accounts are named uniquely). */
  private static boolean isSelf(UserDef actor, UserDef target) {
    return target.name().equals(actor.name());
  }

  // ---------------------------------------------------------------- acting for others

  /** EXECUTE AS USER, before the target is looked up: roles service, dba and system. */
  public static void checkActsForOthers(Role role, String action) {
    if (!role.actsForOthers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: only roles service, dba and system may act for other users",
          action);
    }
  }

  /** EXECUTE AS USER {@code target}: never as an account with a higher role than one's own. */
  public static void checkActAs(Role role, UserDef target, String action) {
    if (target.role().compareTo(role) > 0) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not act as a user with role %s",
          action,
          role.sqlName(),
          target.role().sqlName());
    }
  }

  // ---------------------------------------------------------------- tables

  /**
   * Whether {@code role} may read {@code table} at all, or even see its name in a listing (SHOW
   * TABLES, {@code system.tables}): see {@link Role#mayRead}. Rows of USER and STREAM tables are
   * further limited to the reader's own.
   */
  public static boolean mayRead(Role role, TableDef table) {
    return role.mayRead(table);
  }

  /**
   * Reading a table (a scan of SELECT, DESCRIBE, a live subscription): refused to role user on a
   * SHARED table with access level private.
   */
  public static void checkRead(Role role, TableDef table, String action) {
    if (!mayRead(role, table)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role user may not read this SHARED table (access level private)",
          action);
    }
  }

  /**
   * INSERT, UPDATE or DELETE on {@code table}: role user writes a SHARED table only at access level
   * public; every role writes its own rows of USER and STREAM tables.
   */
  public static void checkWrite(Role role, TableDef table, String action) {
    if (table.kind() == TableKind.SHARED
        && role == Role.USER
        && table.sharedAccess() != SharedAccess.PUBLIC) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role user may not write SHARED table %s (access level %s)",
          action,
          table.qualifiedName(),
          table.sharedAccess().sqlName());
    }
  }

  /**
   * Whether an account with {@code role} and id {@code actorId} may see the account (or the live
   * subscriptions of the account) with id {@code accountId} in a system table: dba and system see
   * every account, other roles only their own.
   */
  public static boolean maySeeAccount(Role role, String actorId, String accountId) {
    return role.administers() || accountId.equals(actorId);
  }

  // ---------------------------------------------------------------- row-level policies

  /** CREATE POLICY and DROP POLICY: dba and system. */
  public static void checkManagesPolicies(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not manage row policies (dba or system required)",
          action,
          role.sqlName());
    }
  }

  /**
   * The row-level policy that limits what {@code user} (with {@code role}) may do to the rows of
   * {@code table} with {@code command}, or null when nothing limits it: only role user is subject
   * to policies (service, dba and system are exempt, unless they act as a user with EXECUTE AS
   * USER, which analyzes the statement as that user), and only on a SHARED table with at least one
   * policy. On such a table the policies that govern the command and name role user (or PUBLIC) are
   * OR-ed; when none does, the returned policy denies every row.
   */
  public static RowPolicy rowPolicy(
      Catalog catalog, Role role, String user, TableDef table, PolicyCommand command) {
    if (role != Role.USER || table.kind() != TableKind.SHARED) {
      return null;
    }
    List<PolicyDef> all = catalog.policies(table);
    if (all.isEmpty()) {
      return null;
    }
    List<PolicyDef> governing =
        all.stream()
            .filter(p -> PolicyCommand.parse(p.command()).governs(command))
            .filter(p -> p.roles().contains("public") || p.roles().contains("user"))
            .toList();
    return Policies.compile(catalog, table, governing, user, command);
  }

  // ---------------------------------------------------------------- operations

  /**
   * Reading {@code system.audit} (who acted for whom with EXECUTE AS USER): dba and system only.
   */
  public static void checkReadAudit(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not read the audit (dba or system required)",
          action,
          role.sqlName());
    }
  }

  /**
   * Refuses a role other than dba and system reading a USER table's history view ({@code
   * ns.t$history}: every user's flushed rows, see {@link
   * io.tributary.query.catalog.HistoryTables}).
   */
  public static void checkReadHistory(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not read every user's history (dba or system required)",
          action,
          role.sqlName());
    }
  }

  /** Whether {@code role} may read the server's metrics ({@code /metrics}): dba and system only. */
  public static boolean mayReadMetrics(Role role) {
    return role.administers();
  }

  /**
   * Whether {@code role} may read the cold tier's Iceberg catalog from another engine (the REST
   * endpoint, {@code /iceberg}): dba and system only, as it holds every user's history.
   */
  public static boolean mayReadColdCatalog(Role role) {
    return role.administers();
  }

  // ---------------------------------------------------------------- topics and consumer groups

  /**
   * Whether {@code role} consumes every user's records of a topic or change feed (service, dba and
   * system), or only its own (role user: records of other owners, and of SHARED tables, are
   * skipped, and its consumer groups are private to its account).
   */
  public static boolean consumesAcrossUsers(Role role) {
    return role.actsForOthers();
  }

  // ---------------------------------------------------------------- storage

  /** STORAGE FLUSH and {@code system.jobs}: dba and system only. */
  public static void checkStorage(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not manage storage (dba or system required)",
          action,
          role.sqlName());
    }
  }

  // ---------------------------------------------------------------- live queries

  /** KILL LIVE QUERY: dba and system only. */
  public static void checkKillLiveQuery(Role role, String action) {
    if (!role.administers()) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED,
          "Cannot %s: role %s may not kill live queries (dba or system required)",
          action,
          role.sqlName());
    }
  }
}
