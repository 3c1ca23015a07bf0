package io.tributary.query.policy;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.RowPredicate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The row-level policies of one SHARED table for one user and one command, compiled: a row is
 * allowed when any clause allows it (policies are permissive and OR-ed, as in PostgreSQL), and a
 * clause allows it when its membership term (if any) and its residual predicate both hold. A policy
 * with no clause denies every row: a table with policies denies what none allows.
 *
 * <p>The residual predicates are compiled once with {@code CURRENT_USER()} replaced by the user's
 * name, from the same bound trees as a subscription's filter ({@link
 * io.tributary.query.expr.Expressions}); membership is looked up in a {@link MembershipView} at
 * evaluation time, so one compiled policy follows membership changes. Immutable and thread-safe.
 */
public final class RowPolicy {
  /**
   * One policy's predicate for this user.
   *
   * @param policy the policy's name
   * @param membership the membership term, or null when the policy has none
   * @param residual the rest of the predicate, compiled
   * @param residualSql that rest as deterministic SQL text ({@code TRUE} when there is none)
   * @param columns the columns of the table the whole predicate reads
   */
  public record Clause(
      String policy,
      Membership membership,
      RowPredicate residual,
      String residualSql,
      Set<Integer> columns) {
    public Clause {
      columns = Set.copyOf(columns);
    }
  }

  private final TableDef table;
  private final String user;
  private final List<Clause> clauses;

  public RowPolicy(TableDef table, String user, List<Clause> clauses) {
    this.table = table;
    this.user = user;
    this.clauses = List.copyOf(clauses);
  }

  public TableDef table() {
    return table;
  }

  /** The name of the user the policy was compiled for (what CURRENT_USER() is). */
  public String user() {
    return user;
  }

  public List<Clause> clauses() {
    return clauses;
  }

  /** Whether no policy grants anything: every row is denied. */
  public boolean deniesAll() {
    return clauses.isEmpty();
  }

  /**
   * Whether every clause has a membership term, so that the rows a user may see are found from the
   * memberships alone (the live index offers a change only to the members of its row's value).
   */
  public boolean indexedByMembership() {
    for (Clause c : clauses) {
      if (c.membership() == null) {
        return false;
      }
    }
    return true;
  }

  /** The distinct memberships of the clauses. */
  public List<Membership> memberships() {
    List<Membership> out = new ArrayList<>();
    for (Clause c : clauses) {
      if (c.membership() != null && !out.contains(c.membership())) {
        out.add(c.membership());
      }
    }
    return out;
  }

  /** The columns of the table any clause reads. */
  public Set<Integer> columns() {
    Set<Integer> out = new LinkedHashSet<>();
    for (Clause c : clauses) {
      out.addAll(c.columns());
    }
    return out;
  }

  /** The names of the policies, for messages. */
  public String policyNames() {
    StringJoiner names = new StringJoiner(", ");
    clauses.forEach(c -> names.add(c.policy()));
    return names.toString();
  }

  /**
   * Whether the policy allows a row (canonical values followed by {@code _seq}) as {@code view}
   * sees membership now.
   */
  public boolean allows(Object[] row, MembershipView view) {
    for (Clause c : clauses) {
      Membership m = c.membership();
      if ((m == null || view.contains(m, user, row[m.rowColumn()])) && c.residual().test(row)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The policy as one predicate over membership as {@code view} sees it now (each membership is
   * looked up once): for a statement, which reads at one point.
   */
  public RowPredicate resolve(MembershipView view) {
    int n = clauses.size();
    @SuppressWarnings("unchecked")
    Set<Object>[] sets = new Set[n];
    for (int i = 0; i < n; i++) {
      Membership m = clauses.get(i).membership();
      sets[i] = m == null ? null : view.values(m, user);
    }
    return row -> {
      for (int i = 0; i < n; i++) {
        Clause c = clauses.get(i);
        Set<Object> values = sets[i];
        if ((values == null || values.contains(row[c.membership().rowColumn()]))
            && c.residual().test(row)) {
          return true;
        }
      }
      return false;
    };
  }

  /**
   * The policy as deterministic SQL over the table's columns with membership as {@code view} sees
   * it now ({@code col IN (v1, v2, ...)}): what an UPDATE or DELETE command carries in its WHERE,
   * so the materializer applies it to exactly the rows the user could see.
   */
  public String sql(MembershipView view) {
    if (clauses.isEmpty()) {
      return "FALSE";
    }
    StringJoiner or = new StringJoiner(" OR ");
    for (Clause c : clauses) {
      String term = "(" + c.residualSql() + ")";
      Membership m = c.membership();
      if (m != null) {
        ColumnDef column = table.columns().get(m.rowColumn());
        Set<Object> values = view.values(m, user);
        if (values.isEmpty()) {
          continue;
        }
        StringJoiner in = new StringJoiner(", ", "`" + column.name() + "` IN (", ")");
        for (Object v : values) {
          in.add(literal(column.type(), v));
        }
        term = in + " AND " + term;
      }
      or.add("(" + term + ")");
    }
    return or.length() == 0 ? "FALSE" : or.toString();
  }

  private static String literal(ColumnType type, Object value) {
    if (type.kind() == ColumnType.Kind.TEXT) {
      return "'" + value.toString().replace("'", "''") + "'";
    }
    return value.toString(); // INT and BIGINT: Policies allows no other membership column type
  }
}
