package io.tributary.server.internal;

import io.tributary.live.LiveHub;
import io.tributary.query.Authorizer;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.HistoryTables;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.RowSource;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.policy.MembershipView;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import io.tributary.source.Sources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The rows one acting account may read: its own rows of USER and STREAM tables (a prefix scan of
 * the key range of its id), SHARED tables their role and the table's access level allow (only the
 * rows the table's row policies let role user see), and the system tables (role user sees only its
 * own row of system.users and, in system.tables, only the tables it may read; nobody sees password
 * hashes; only dba and system read system.audit). What the account may read is the {@link
 * Authorizer}'s decision.
 */
final class PrincipalRows implements RowSource, AutoCloseable {
  private final List<ColdCursor> opened = new ArrayList<>();
  private final Catalog catalog;
  private final HotTier hot;
  private final LiveHub live;
  private final MembershipView memberships;
  private final String user;
  private final Sources sources;
  private final Consumers consumers;
  private final FlushJobs flushes;
  private final Map<Long, Supplier<BoundExpression>> coldFilters;
  private final String userId;
  private final Role role;

  /**
   * @param memberships membership as the row policies of SHARED tables read it
   * @param user the acting account's name: CURRENT_USER() of row policies
   * @param userId the acting account's id: the owner of the rows it reads
   */
  PrincipalRows(
      Catalog catalog,
      HotTier hot,
      LiveHub live,
      MembershipView memberships,
      Sources sources,
      Consumers consumers,
      FlushJobs flushes,
      Map<Long, Supplier<BoundExpression>> coldFilters,
      String user,
      String userId,
      Role role) {
    this.catalog = catalog;
    this.hot = hot;
    this.live = live;
    this.memberships = memberships;
    this.sources = sources;
    this.consumers = consumers;
    this.flushes = flushes;
    this.coldFilters = coldFilters;
    this.user = user;
    this.userId = userId;
    this.role = role;
  }

  @Override
  public Iterable<Object[]> scan(TableDef table) {
    if (SystemTables.isSystem(table)) {
      return systemRows(table);
    }
    if (HistoryTables.isHistory(table)) {
      return history(table);
    }
    if (table.kind() == TableKind.SHARED) {
      Authorizer.checkRead(role, table, "read " + table.qualifiedName());
      RowPolicy policy = Authorizer.rowPolicy(catalog, role, user, table, PolicyCommand.SELECT);
      // Under a row policy the query's WHERE must not run on rows the policy hides (an error it
      // raised would reveal them): the cold scan is filtered only without one.
      List<Object[]> rows =
          flushes.merged(table, null, policy == null ? coldFilters.get(table.id()) : null);
      if (policy == null) {
        return rows;
      }
      // The policy filters the table's row source: joins, aggregates and subqueries over it see
      // only the rows the user may read.
      RowPredicate visible = policy.resolve(memberships);
      List<Object[]> allowed = new ArrayList<>();
      for (Object[] row : rows) {
        if (visible.test(row)) {
          allowed.add(row);
        }
      }
      return allowed;
    }
    if (table.kind() == TableKind.STREAM) {
      return hot.scan(table, userId);
    }
    // Only this account's rows, in the cold tier as in the hot one (the scan prunes by owner).
    return flushes.merged(table, userId, coldFilters.get(table.id()));
  }

  /**
   * Every owner's flushed rows of a USER table, from the cold tier alone (the hot stores are not
   * read): the table's values, the owner's name (null for an account that is gone) and id, then
   * {@code _seq}. The cold scan is pruned by the query's WHERE when it names only the table's own
   * columns, and streamed: the cursors opened are closed by {@link #close()}.
   */
  private Iterable<Object[]> history(TableDef view) {
    Authorizer.checkReadHistory(role, "read " + view.qualifiedName());
    TableDef base = HistoryTables.base(catalog, view);
    Supplier<BoundExpression> filter = coldFilters.get(base.id());
    BoundExpression where = filter == null ? null : filter.get();
    Map<String, String> names = new HashMap<>();
    for (UserDef u : catalog.users()) {
      names.put(u.id(), u.name());
    }
    int columns = base.columns().size();
    return () -> {
      ColdCursor cursor = flushes.history(base, where);
      synchronized (opened) {
        opened.add(cursor);
      }
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return cursor.hasNext();
        }

        @Override
        public Object[] next() {
          RowVersion v = cursor.next();
          Object[] row = new Object[columns + 3];
          System.arraycopy(v.row(), 0, row, 0, columns);
          row[columns] = names.get(v.owner());
          row[columns + 1] = v.owner();
          row[columns + 2] = v.seq();
          return row;
        }
      };
    };
  }

  /** Closes the cold scans of history views this query opened; idempotent. */
  @Override
  public void close() {
    synchronized (opened) {
      for (ColdCursor c : opened) {
        try {
          c.close();
        } catch (RuntimeException e) {
          // a scan that cannot close cleanly has nothing left to give
        }
      }
      opened.clear();
    }
  }

  private List<Object[]> systemRows(TableDef table) {
    List<Object[]> rows = new ArrayList<>();
    if (table.equals(SystemTables.USERS)) {
      for (UserDef u : catalog.users()) {
        if (Authorizer.maySeeAccount(role, userId, u.id())) {
          rows.add(new Object[] {u.name(), u.role().sqlName(), u.createdAtMillis()});
        }
      }
    } else if (table.equals(SystemTables.NAMESPACES)) {
      for (NamespaceDef ns : catalog.namespaces()) {
        rows.add(new Object[] {ns.name(), ns.createdAtMillis()});
      }
    } else if (table.equals(SystemTables.AUDIT)) {
      Authorizer.checkReadAudit(role, "read system.audit");
      rows.addAll(hot.auditRows());
    } else if (table.equals(SystemTables.LIVE)) {
      rows.addAll(live.systemLiveRows(userId, role));
    } else if (table.equals(SystemTables.POLICIES)) {
      for (PolicyDef p : catalog.policies()) {
        TableDef t = catalog.table(p.tableId()).orElse(null);
        if (t != null && Authorizer.mayRead(role, t)) {
          rows.add(
              new Object[] {
                p.namespace(),
                p.table(),
                p.name(),
                p.command(),
                String.join(",", p.roles()),
                p.using(),
                p.check(),
                p.createdAtMillis()
              });
        }
      }
    } else if (table.equals(SystemTables.JOBS)) {
      if (role.administers()) { // storage is managed by dba and system
        rows.addAll(flushes.jobRows());
      }
    } else if (table.equals(SystemTables.SOURCES)) {
      if (role.administers()) { // sources are catalog objects of dba and system
        rows.addAll(sources.statusRows());
      }
    } else if (table.equals(SystemTables.TOPICS)) {
      for (TopicDef t : catalog.topics(null)) {
        rows.add(
            new Object[] {
              t.namespace(),
              t.name(),
              t.partitions(),
              t.sources().stream().map(TopicSource::sql).collect(Collectors.joining("; ")),
              t.createdAtMillis()
            });
      }
    } else if (table.equals(SystemTables.CONSUMER_OFFSETS)) {
      rows.addAll(consumers.offsetRows(userId, role));
    } else if (table.equals(SystemTables.TABLES)) {
      for (TableDef t : catalog.tables(null)) {
        if (!Authorizer.mayRead(role, t)) {
          continue; // not even the name of a table the role may not read
        }
        rows.add(
            new Object[] {
              t.namespace(),
              t.name(),
              t.kind().name(),
              String.join(",", t.primaryKey()),
              t.options().toString(),
              t.createdAtMillis()
            });
      }
    }
    return rows;
  }
}
