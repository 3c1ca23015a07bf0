package io.tributary.live.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.live.EventEncoder;
import io.tributary.live.LiveConfig;
import io.tributary.live.StreamOwner;
import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.Action;
import io.tributary.query.Authorizer;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.PolicyDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.policy.PolicyCommand;
import io.tributary.query.policy.RowPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * A group chat for the live module's policy tests: {@code app.members (id, conversation_id,
 * user_name)} and {@code app.messages (id, conversation_id, sender)}, both SHARED, in an in-memory
 * hot tier that hands each change to a hub, as the materializer does (store first, then handoff).
 */
final class PolicyWorld implements HotTier, AutoCloseable {
  static final TableDef MESSAGES =
      new TableDef(
          30,
          "app",
          "messages",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("conversation_id", ColumnType.BIGINT, false, null),
              new ColumnDef("sender", ColumnType.TEXT, true, null)),
          List.of("id"),
          Map.of(),
          0);
  static final TableDef MEMBERS =
      new TableDef(
          31,
          "app",
          "members",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("conversation_id", ColumnType.BIGINT, false, null),
              new ColumnDef("user_name", ColumnType.TEXT, false, null)),
          List.of("id"),
          Map.of(),
          0);

  /** Like {@link #MESSAGES}, keyed by conversation then id. */
  static final TableDef THREADS =
      new TableDef(
          32,
          "app",
          "threads",
          TableKind.SHARED,
          MESSAGES.columns(),
          List.of("conversation_id", "id"),
          Map.of(),
          0);

  static final String MEMBERSHIP =
      "conversation_id IN (SELECT conversation_id FROM app.members WHERE user_name ="
          + " CURRENT_USER())";

  final CatalogState catalog = new CatalogState();
  final Hub hub;
  private final Map<Long, TreeMap<Long, Object[]>> rows = new HashMap<>();
  private final Map<Long, Long> highWater = new HashMap<>();
  private long seq;

  /** Runs once, when the next cursor opened is closed (a snapshot's end), then is cleared. */
  volatile Runnable onCursorClosed;

  /**
   * Runs once, before the next cursor with a key prefix is opened (its view taken), then clears.
   */
  volatile Runnable onCursorOpening;

  PolicyWorld() {
    this(LiveConfig.defaults());
  }

  PolicyWorld(LiveConfig config) {
    this(config, false);
  }

  /**
   * @param versions whether events carry the {@code _seq} of the row version they hold, as a last
   *     token {@code v<seq>} (snapshot batches: {@code rows <id>,… v<seq>,…})
   */
  PolicyWorld(LiveConfig config, boolean versions) {
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    catalog.apply(CatalogRecord.table(MESSAGES));
    catalog.apply(CatalogRecord.table(MEMBERS));
    catalog.apply(CatalogRecord.table(THREADS));
    hub =
        new Hub(
            null, config, new SimpleMeterRegistry(), new RowEncoder(versions), TimeSource.SYSTEM);
    hub.start(this);
  }

  void policy(String name, String using) {
    policy(MESSAGES, name, using);
  }

  void policy(TableDef table, String name, String using) {
    catalog.apply(
        CatalogRecord.policy(
            new PolicyDef(
                name,
                table.id(),
                "app",
                table.name(),
                "SELECT",
                List.of("public"),
                using,
                null,
                0)));
  }

  RowPolicy policyOf(String user) {
    return policyOf(MESSAGES, user);
  }

  RowPolicy policyOf(TableDef table, String user) {
    return Authorizer.rowPolicy(catalog, Role.USER, user, table, PolicyCommand.SELECT);
  }

  // ------------------------------------------------------------- writes (store, then handoff)

  void addMember(long id, long conversation, String user) {
    put(MEMBERS, new Object[] {id, conversation, user});
  }

  void message(long id, long conversation, String sender) {
    put(MESSAGES, new Object[] {id, conversation, sender});
  }

  synchronized void put(TableDef table, Object[] values) {
    long s = ++seq;
    Object[] row = java.util.Arrays.copyOf(values, values.length + 1);
    row[values.length] = s;
    Object[] old = rows.computeIfAbsent(table.id(), t -> new TreeMap<>()).put((Long) row[0], row);
    highWater.put(table.id(), s);
    RowChange.Kind kind = old == null ? RowChange.Kind.INSERT : RowChange.Kind.UPDATE;
    hub.changeListener().changed(List.of(new AppliedChange(kind, table, null, s, old, row, 0)));
  }

  synchronized void delete(TableDef table, long id) {
    Object[] old = rows.computeIfAbsent(table.id(), t -> new TreeMap<>()).remove(id);
    if (old == null) {
      return;
    }
    long s = ++seq;
    highWater.put(table.id(), s);
    hub.changeListener()
        .changed(List.of(new AppliedChange(RowChange.Kind.DELETE, table, null, s, old, null, 0)));
  }

  /** The {@code _seq} of the last change written. */
  synchronized long lastSeq() {
    return seq;
  }

  synchronized List<Object[]> rows(TableDef table) {
    return new ArrayList<>(rows.getOrDefault(table.id(), new TreeMap<>()).values());
  }

  // ------------------------------------------------------------- subscriptions

  /** Opens a stream for {@code user} and subscribes to app.messages under their policy. */
  RecordingSink subscribe(String user, RowPredicate filter) {
    return subscribe(user, filter, Role.USER, -1);
  }

  /**
   * Opens a stream for {@code user} and subscribes to app.messages as {@code role} (under the
   * user's policy for role user), from {@code fromSeq} (-1: a snapshot).
   */
  RecordingSink subscribe(String user, RowPredicate filter, Role role, long fromSeq) {
    return subscribe(MESSAGES, user, filter, role, fromSeq);
  }

  /** Likewise, to {@code table}. */
  RecordingSink subscribe(
      TableDef table, String user, RowPredicate filter, Role role, long fromSeq) {
    StreamOwner owner = new StreamOwner(user, user, 0);
    RecordingSink sink = new RecordingSink();
    String stream = hub.openStream(owner, sink);
    hub.subscribe(
        owner,
        stream,
        new Action.Subscribe(
            new LiveQuery(table, null, null, filter, List.of(), -1, fromSeq, 500)
                .withPolicy(role == Role.USER ? policyOf(table, user) : null),
            user,
            role,
            user));
    return sink;
  }

  /**
   * The message ids a subscriber holds after the events it received: its snapshot, then inserts and
   * updates add (by primary key, as a live client reconciles), deletes remove.
   */
  static List<Long> held(RecordingSink sink) {
    TreeMap<Long, Boolean> held = new TreeMap<>();
    for (String event : sink.events()) {
      String body = event.substring(event.indexOf('|') + 1);
      String[] parts = body.split(" ");
      switch (parts[0]) {
        case "rows" -> {
          if (parts.length > 1 && !parts[1].isEmpty()) {
            for (String id : parts[1].split(",")) {
              held.put(Long.parseLong(id), true);
            }
          }
        }
        case "insert", "update" -> held.put(Long.parseLong(parts[1]), true);
        case "delete" -> held.remove(Long.parseLong(parts[1]));
        default -> {}
      }
    }
    return new ArrayList<>(held.keySet());
  }

  // ------------------------------------------------------------- the hot tier

  @Override
  public synchronized List<Object[]> scan(TableDef table, String owner) {
    return rows(table);
  }

  /** How many cursors were opened (snapshots and revisions). */
  final java.util.concurrent.atomic.AtomicInteger opened =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public synchronized HotCursor open(TableDef table, String owner) {
    opened.incrementAndGet();
    Iterator<Object[]> it = rows(table).iterator();
    long h = highWater.getOrDefault(table.id(), -1L);
    return new HotCursor() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Object[] next() {
        return it.next();
      }

      @Override
      public long highWater() {
        return h;
      }

      @Override
      public void close() {
        Runnable hook = onCursorClosed;
        onCursorClosed = null;
        if (hook != null) {
          hook.run();
        }
      }
    };
  }

  /** The key prefixes of the cursors opened with one. */
  final List<List<Object>> prefixes = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
    prefixes.add(keyPrefix);
    Runnable hook = onCursorOpening;
    onCursorOpening = null;
    if (hook != null) {
      hook.run();
    }
    return HotTier.super.open(table, owner, keyPrefix);
  }

  @Override
  public void close() {
    hub.close();
  }

  /** Events as {@code <kind> <message id>}; snapshot batches as {@code rows <id>,<id>,...}. */
  static final class RowEncoder extends TextEncoder {
    private final boolean versions;

    RowEncoder() {
      this(false);
    }

    RowEncoder(boolean versions) {
      this.versions = versions;
    }

    private String version(Object[] row) {
      return versions ? " v" + row[row.length - 1] : "";
    }

    @Override
    public byte[] initialRows(LiveQuery query, List<Object[]> rows, boolean hasMore) {
      StringJoiner ids = new StringJoiner(",");
      StringJoiner seqs = new StringJoiner(",");
      rows.forEach(r -> ids.add(String.valueOf(r[0])));
      rows.forEach(r -> seqs.add("v" + r[r.length - 1]));
      return bytes("rows " + ids + (versions ? " " + seqs : ""));
    }

    @Override
    public EventEncoder.ChangeEncoding change(AppliedChange change) {
      return new EventEncoder.ChangeEncoding() {
        @Override
        public byte[] insert(List<Integer> columns, Object[] row) {
          return bytes("insert " + row[0] + version(row));
        }

        @Override
        public byte[] update(List<Integer> columns, Object[] oldRow, Object[] newRow) {
          return bytes("update " + newRow[0] + version(newRow));
        }

        @Override
        public byte[] delete(List<Integer> columns, Object[] row) {
          return bytes("delete " + row[0] + version(row));
        }
      };
    }
  }
}
