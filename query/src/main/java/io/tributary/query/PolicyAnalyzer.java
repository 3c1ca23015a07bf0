package io.tributary.query;

import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import io.tributary.query.parse.Statement;
import io.tributary.query.policy.Policies;
import io.tributary.query.policy.PolicyCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Analyzes CREATE POLICY, DROP POLICY and SHOW POLICIES. Policies guard SHARED tables; dba and
 * system manage them ({@link Authorizer#checkManagesPolicies}); their predicates are checked
 * against the table once here ({@link Policies#check}) and compiled per user when they are applied
 * ({@link Authorizer#rowPolicy}).
 */
final class PolicyAnalyzer extends FamilyAnalyzer {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Set<String> ROLES = Set.of("public", "user", "service", "dba", "system");

  PolicyAnalyzer(Catalog catalog, Environment env) {
    super(catalog, env);
  }

  Action createPolicy(Statement.CreatePolicy s, Role role) {
    String action = "create policy " + s.name() + " on " + s.namespace() + "." + s.table();
    Authorizer.checkManagesPolicies(role, action);
    TableDef table = policed(s.namespace(), s.table(), action);
    if (!NAME.matcher(s.name()).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: '%s' is not a valid policy name (letters, digits and _, starting with a"
              + " letter or _)",
          action,
          s.name());
    }
    if (catalog.policies(table).stream().anyMatch(p -> p.name().equals(s.name()))) {
      throw TributaryException.of(ErrorCode.POLICY_EXISTS, "Cannot %s: it already exists", action);
    }
    PolicyCommand command = PolicyCommand.parse(s.command());
    if (command == PolicyCommand.INSERT) {
      if (s.using() != null) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: a policy FOR INSERT takes WITH CHECK (...), not USING",
            action);
      }
      if (s.check() == null) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: a policy FOR INSERT needs WITH CHECK (...)",
            action);
      }
    } else {
      if (s.using() == null) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: a policy FOR %s needs USING (...)",
            action,
            command);
      }
      if (s.check() != null && command != PolicyCommand.ALL) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: WITH CHECK applies to policies FOR INSERT or ALL only (an UPDATE may not"
                + " change a column a policy reads)",
            action);
      }
    }
    List<String> roles = s.roles().isEmpty() ? List.of("public") : s.roles();
    for (String r : roles) {
      if (!ROLES.contains(r)) {
        throw TributaryException.of(
            ErrorCode.INVALID_DEFINITION,
            "Cannot %s: unknown role %s (expected public, user, service, dba or system)",
            action,
            r);
      }
    }
    if (s.using() != null) {
      Policies.check(catalog, table, s.using(), action);
    }
    if (s.check() != null) {
      Policies.check(catalog, table, s.check(), action);
    }
    PolicyDef policy =
        new PolicyDef(
            s.name(),
            table.id(),
            table.namespace(),
            table.name(),
            command.name(),
            roles,
            s.using(),
            s.check(),
            env.nowMillis());
    return new Action.CatalogChange(
        "CREATE POLICY", List.of(CatalogRecord.policy(policy)), List.of());
  }

  Action dropPolicy(Statement.DropPolicy s, Role role) {
    String action = "drop policy " + s.name() + " on " + s.namespace() + "." + s.table();
    Authorizer.checkManagesPolicies(role, action);
    TableDef table = catalog.table(s.namespace(), s.table()).orElse(null);
    PolicyDef policy =
        table == null
            ? null
            : catalog.policies(table).stream()
                .filter(p -> p.name().equals(s.name()))
                .findFirst()
                .orElse(null);
    if (policy == null) {
      if (s.ifExists()) {
        return new Action.Done("DROP POLICY");
      }
      throw TributaryException.of(
          ErrorCode.POLICY_NOT_FOUND, "Cannot %s: it does not exist", action);
    }
    return new Action.CatalogChange(
        "DROP POLICY",
        List.of(CatalogRecord.tombstone(CatalogRecord.Kind.POLICY, policy.key())),
        List.of());
  }

  Action showPolicies(Statement.ShowPolicies s, Role role) {
    List<PolicyDef> policies;
    if (s.table() != null) {
      TableDef table = resolve(s.namespace(), s.table(), "show policies on");
      Authorizer.checkRead(role, table, "show policies on " + table.qualifiedName());
      policies = catalog.policies(table);
    } else {
      policies = visible(catalog, role);
    }
    List<Object[]> rows = new ArrayList<>();
    for (PolicyDef p : policies) {
      rows.add(
          new Object[] {
            p.namespace(),
            p.table(),
            p.name(),
            p.command(),
            String.join(",", p.roles()),
            p.using(),
            p.check()
          });
    }
    return new Action.Result(
        new QueryResult(
            List.of(
                new ResultColumn("namespace", ColumnType.TEXT, false),
                new ResultColumn("table", ColumnType.TEXT, false),
                new ResultColumn("policy", ColumnType.TEXT, false),
                new ResultColumn("command", ColumnType.TEXT, false),
                new ResultColumn("roles", ColumnType.TEXT, false),
                new ResultColumn("using", ColumnType.TEXT, true),
                new ResultColumn("with_check", ColumnType.TEXT, true)),
            rows));
  }

  /** The policies of the tables {@code role} may read (SHOW POLICIES, system.policies). */
  static List<PolicyDef> visible(Catalog catalog, Role role) {
    List<PolicyDef> out = new ArrayList<>();
    for (PolicyDef p : catalog.policies()) {
      TableDef t = catalog.table(p.tableId()).orElse(null);
      if (t != null && Authorizer.mayRead(role, t)) {
        out.add(p);
      }
    }
    return out;
  }

  private TableDef policed(String namespace, String name, String action) {
    if (namespace.equals(Catalog.SYSTEM_NAMESPACE)) {
      throw TributaryException.of(
          ErrorCode.PERMISSION_DENIED, "Cannot %s: system tables take no policies", action);
    }
    TableDef table =
        catalog
            .table(namespace, name)
            .orElseThrow(
                () ->
                    TributaryException.of(
                        ErrorCode.TABLE_NOT_FOUND, "Cannot %s: the table does not exist", action));
    if (table.kind() != TableKind.SHARED) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot %s: row policies apply to SHARED tables only (the rows of a %s table are"
              + " already its owner's alone)",
          action,
          table.kind());
    }
    return table;
  }
}
