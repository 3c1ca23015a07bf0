package io.tributary.server.internal;

import io.tributary.live.LiveHub;
import io.tributary.query.Authorizer;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.exec.HotTier;
import io.tributary.query.exec.RowSource;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The rows one acting account may read: its own rows of USER and STREAM tables (a prefix scan of
 * the key range of its id), SHARED tables their role and the table's access level allow, and the
 * system tables (role user sees only its own row of system.users and, in system.tables, only the
 * tables it may read; nobody sees password hashes). What the account may read is the {@link
 * Authorizer}'s decision.
 */
final class PrincipalRows implements RowSource {
  private final Catalog catalog;
  private final HotTier hot;
  private final LiveHub live;
  private final Consumers consumers;
  private final String userId;
  private final Role role;

  /**
   * @param userId the acting account's id: the owner of the rows it reads
   */
  PrincipalRows(
      Catalog catalog, HotTier hot, LiveHub live, Consumers consumers, String userId, Role role) {
    this.catalog = catalog;
    this.hot = hot;
    this.live = live;
    this.consumers = consumers;
    this.userId = userId;
    this.role = role;
  }

  @Override
  public Iterable<Object[]> scan(TableDef table) {
    if (SystemTables.isSystem(table)) {
      return systemRows(table);
    }
    if (table.kind() == TableKind.SHARED) {
      Authorizer.checkRead(role, table, "read " + table.qualifiedName());
      return hot.scan(table, null);
    }
    return hot.scan(table, userId);
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
    } else if (table.equals(SystemTables.LIVE)) {
      rows.addAll(live.systemLiveRows(userId, role));
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
