package io.tributary.source.internal;

import io.tributary.log.Log;
import io.tributary.log.LogPosition;
import io.tributary.query.Action;
import io.tributary.query.Environment;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.source.Sources;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PostgreSQL sources: one {@link SourceRunner} per source of the catalog. */
public final class PostgresSources implements Sources {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresSources.class);
  private static final long COPY_TIMEOUT_SECONDS = 120;

  /** Copied rows appended before the copy waits for the log to have them. */
  private static final int COPY_BATCH = 5_000;

  private final Catalog catalog;
  private final CatalogAppender appender;
  private final Log log;
  private final Environment env;
  private final Map<String, SourceRunner> runners = new HashMap<>();

  /** Sources whose stream stays stopped until the next {@link #catalogChanged}. */
  private final Set<String> paused = new HashSet<>();

  private boolean closed;

  public PostgresSources(Catalog catalog, CatalogAppender appender, Log log, Environment env) {
    this.catalog = catalog;
    this.appender = appender;
    this.log = log;
    this.env = env;
  }

  @Override
  public void start() {
    catalogChanged();
  }

  @Override
  public synchronized void catalogChanged() {
    paused.clear();
    sync();
  }

  private synchronized void sync() {
    if (closed) {
      return;
    }
    Map<String, SourceDef> wanted = new HashMap<>();
    for (SourceDef def : catalog.sources()) {
      wanted.put(def.name(), def);
    }
    for (String name : new ArrayList<>(runners.keySet())) {
      SourceRunner r = runners.get(name);
      SourceDef def = wanted.get(name);
      if (def == null || !def.equals(r.def) || paused.contains(name)) {
        r.stop();
        runners.remove(name);
      }
    }
    for (SourceDef def : wanted.values()) {
      if (!runners.containsKey(def.name()) && !paused.contains(def.name())) {
        SourceRunner r = new SourceRunner(def, catalog, log, appender, env, null);
        runners.put(def.name(), r);
        r.start();
      }
    }
  }

  private synchronized void pause(String name) {
    paused.add(name);
    sync();
  }

  private synchronized void resume(String name) {
    paused.remove(name);
    sync();
  }

  @Override
  public List<CatalogRecord> prepare(Action.SourceChange change) {
    switch (change.op()) {
      case CREATE:
        return create(change.next());
      case MAP:
        return map(change);
      case UNMAP:
        return List.of(CatalogRecord.source(change.next()));
      case DROP:
        return drop(change.current());
      default:
        throw new AssertionError(change.op());
    }
  }

  private List<CatalogRecord> create(SourceDef def) {
    String action = "create source " + def.name();
    try (Connection c = PgConnections.open(def, action)) {
      String walLevel = single(c, "SHOW wal_level");
      if (!"logical".equals(walLevel)) {
        throw TributaryException.of(
            ErrorCode.SOURCE_INVALID,
            "Cannot %s: PostgreSQL runs with wal_level = %s; set wal_level = logical and restart"
                + " it",
            action,
            walLevel);
      }
      if (!exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", def.publication())) {
        throw TributaryException.of(
            ErrorCode.SOURCE_INVALID,
            "Cannot %s: publication %s does not exist (CREATE PUBLICATION %s FOR TABLE ...)",
            action,
            def.publication(),
            def.publication());
      }
      if (!exists(
          c,
          "SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND plugin = 'pgoutput'",
          def.slot())) {
        if (exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?", def.slot())) {
          throw TributaryException.of(
              ErrorCode.SOURCE_INVALID,
              "Cannot %s: slot %s exists and does not use pgoutput",
              action,
              def.slot());
        }
        try (PreparedStatement ps =
            c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
          ps.setString(1, def.slot());
          ps.execute();
        }
      }
    } catch (SQLException e) {
      throw PgConnections.failure(e, action);
    }
    return List.of(CatalogRecord.source(def));
  }

  private List<CatalogRecord> drop(SourceDef def) {
    pause(def.name());
    try (Connection c = PgConnections.open(def, "drop source " + def.name())) {
      dropSlot(c, def.slot());
    } catch (TributaryException e) {
      if (e.code() != ErrorCode.SOURCE_UNAVAILABLE) {
        throw e;
      }
      LOG.warn(
          "Source {} dropped without dropping slot {}: {}", def.name(), def.slot(), e.getMessage());
    } catch (SQLException e) {
      LOG.warn("Source {}: cannot drop slot {}: {}", def.name(), def.slot(), e.getMessage());
    }
    return List.of(
        CatalogRecord.tombstone(CatalogRecord.Kind.SOURCE, def.name()),
        CatalogRecord.tombstone(CatalogRecord.Kind.SOURCE_POSITION, def.name()));
  }

  /** Drops the slot once the stopped stream has let go of it (PostgreSQL notices within ms). */
  private static void dropSlot(Connection c, String slot) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                  + " WHERE slot_name = ?")) {
        ps.setString(1, slot);
        ps.execute();
        return;
      } catch (SQLException e) {
        if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
          throw e; // 55006: the slot is still active
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The source table's columns: name and type OID, in row order. */
  private record PgTable(
      List<String> columns, List<Integer> oids, List<String> typeNames, char identity) {}

  private List<CatalogRecord> map(Action.SourceChange change) {
    SourceDef def = change.current();
    SourceDef.SourceTable mapping = change.table();
    TableDef target = change.target();
    String action = "map table " + mapping.sourceName() + " of source " + def.name();
    pause(def.name());
    boolean done = false;
    try (Connection c = PgConnections.open(def, action)) {
      PgTable table = describe(c, def, mapping, action);
      check(table, mapping, target, action);
      long snapshotLsn = copy(c, def, mapping, target, table, action);
      SourceDef.SourceTable copied =
          new SourceDef.SourceTable(
              mapping.schema(),
              mapping.table(),
              mapping.namespace(),
              mapping.target(),
              mapping.ownerColumn(),
              snapshotLsn);
      done = true;
      return List.of(CatalogRecord.source(def.withTable(copied)));
    } catch (SQLException e) {
      throw PgConnections.failure(e, action);
    } finally {
      if (!done) {
        resume(def.name());
      }
    }
  }

  private PgTable describe(
      Connection c, SourceDef def, SourceDef.SourceTable mapping, String action)
      throws SQLException {
    Long oid = null;
    char identity = 'd';
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid ="
                + " c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r',"
                + " 'p')")) {
      ps.setString(1, mapping.schema());
      ps.setString(2, mapping.table());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          oid = rs.getLong(1);
          identity = rs.getString(2).charAt(0);
        }
      }
    }
    if (oid == null) {
      throw TributaryException.of(
          ErrorCode.SOURCE_INVALID,
          "Cannot %s: PostgreSQL has no table %s",
          action,
          mapping.sourceName());
    }
    if (!exists(
        c,
        "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename"
            + " = ?",
        def.publication(),
        mapping.schema(),
        mapping.table())) {
      throw TributaryException.of(
          ErrorCode.SOURCE_INVALID,
          "Cannot %s: the table is not in publication %s (ALTER PUBLICATION %s ADD TABLE %s)",
          action,
          def.publication(),
          def.publication(),
          mapping.sourceName());
    }
    if (identity == 'n') {
      throw TributaryException.of(
          ErrorCode.SOURCE_INVALID,
          "Cannot %s: the table has REPLICA IDENTITY NOTHING, so its updates and deletes cannot"
              + " be replicated (ALTER TABLE %s REPLICA IDENTITY FULL)",
          action,
          mapping.sourceName());
    }
    List<String> columns = new ArrayList<>();
    List<Integer> oids = new ArrayList<>();
    List<String> typeNames = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT attname, atttypid, format_type(atttypid, atttypmod) FROM pg_attribute WHERE"
                + " attrelid = ? AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
          oids.add(rs.getInt(2));
          typeNames.add(rs.getString(3));
        }
      }
    }
    return new PgTable(columns, oids, typeNames, identity);
  }

  private static void check(
      PgTable table, SourceDef.SourceTable mapping, TableDef target, String action) {
    for (int i = 0; i < table.columns().size(); i++) {
      if (PgTypes.kind(table.oids().get(i)) == null) {
        throw TributaryException.of(
            ErrorCode.UNSUPPORTED_TYPE,
            "Cannot %s: column %s has type %s, which Tributary cannot represent (supported:"
                + " boolean, smallint, integer, bigint, real, double precision, numeric, text,"
                + " varchar, char, bytea, json, jsonb, date, timestamp, timestamptz, uuid)",
            action,
            table.columns().get(i),
            table.typeNames().get(i));
      }
    }
    for (ColumnDef col : target.columns()) {
      int at = table.columns().indexOf(col.name());
      boolean key = target.primaryKey().contains(col.name());
      if (at < 0) {
        if (key || (!col.nullable() && col.defaultValue() == null)) {
          throw TributaryException.of(
              ErrorCode.COLUMN_NOT_FOUND,
              "Cannot %s: %s has no column %s, which %s needs",
              action,
              mapping.sourceName(),
              col.name(),
              target.qualifiedName());
        }
        continue;
      }
      ColumnType.Kind kind = PgTypes.kind(table.oids().get(at));
      if (!PgTypes.fits(kind, col.type().kind())) {
        throw TributaryException.of(
            ErrorCode.TYPE_MISMATCH,
            "Cannot %s: column %s is %s in PostgreSQL (Tributary %s) but %s in %s",
            action,
            col.name(),
            table.typeNames().get(at),
            kind,
            col.type(),
            target.qualifiedName());
      }
    }
    if (mapping.ownerColumn() != null) {
      int at = table.columns().indexOf(mapping.ownerColumn());
      if (at < 0) {
        throw TributaryException.of(
            ErrorCode.COLUMN_NOT_FOUND,
            "Cannot %s: OWNER COLUMN %s is not a column of %s",
            action,
            mapping.ownerColumn(),
            mapping.sourceName());
      }
      if (PgTypes.kind(table.oids().get(at)) != ColumnType.Kind.TEXT) {
        throw TributaryException.of(
            ErrorCode.TYPE_MISMATCH,
            "Cannot %s: OWNER COLUMN %s must hold user names (text), not %s",
            action,
            mapping.ownerColumn(),
            table.typeNames().get(at));
      }
    }
  }

  /**
   * Copies the table's rows as they are in the snapshot a new temporary slot exports, and returns
   * that slot's consistent point: the stream skips the table's transactions that end before it.
   */
  private long copy(
      Connection c,
      SourceDef def,
      SourceDef.SourceTable mapping,
      TableDef target,
      PgTable table,
      String action)
      throws SQLException {
    try (Connection replConnection = PgConnections.openReplication(def)) {
      PGConnection repl = replConnection.unwrap(PGConnection.class);
      ReplicationSlotInfo slot =
          repl.getReplicationAPI()
              .createReplicationSlot()
              .logical()
              .withSlotName("tributary_copy_" + Long.toUnsignedString(env.nextId(), 36))
              .withOutputPlugin("pgoutput")
              .withTemporaryOption()
              .make();
      Mapping m = new Mapping(mapping, target, table.columns(), table.oids());
      ChangeWriter writer = new ChangeWriter(catalog, log, env);
      String requestIds = "source/" + def.name() + "/copy/" + slot.getConsistentPoint().asLong();
      List<CompletableFuture<LogPosition>> appends = new ArrayList<>();
      long copied = 0;
      long skipped = 0;
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION SNAPSHOT '" + slot.getSnapshotName() + "'");
        s.setFetchSize(1_000);
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < table.columns().size(); i++) {
          select.append(i == 0 ? "" : ", ").append(pgQuote(table.columns().get(i)));
          select.append("::text");
        }
        select.append(" FROM ").append(pgQuote(mapping.schema()));
        select.append('.').append(pgQuote(mapping.table()));
        // first every row is checked, then appended (the same snapshot twice): a row Tributary
        // refuses fails the statement before anything is in the log, so a retry copies into an
        // empty table
        List<String> row = new ArrayList<>(table.columns().size());
        try (ResultSet rs = s.executeQuery(select.toString())) {
          while (rs.next()) {
            read(rs, row);
            try {
              writer.checkInsert(m.target, m.owner(row), m.columns, m.values(row));
            } catch (TributaryException e) {
              throw new TributaryException(
                  e.code(),
                  "Cannot "
                      + action
                      + ": a row of "
                      + mapping.sourceName()
                      + " does not fit "
                      + target.qualifiedName()
                      + " ("
                      + e.getMessage()
                      + "); nothing was copied",
                  e);
            }
          }
        }
        writer.requestIds(requestIds);
        try (ResultSet rs = s.executeQuery(select.toString())) {
          while (rs.next()) {
            read(rs, row);
            CompletableFuture<LogPosition> append =
                writer.insert(m.target, m.owner(row), m.columns, m.values(row));
            if (append == null) {
              skipped++;
            } else {
              appends.add(append);
              copied++;
            }
            if (appends.size() >= COPY_BATCH) {
              awaitAppends(appends, action); // bounded: the log is slower than the read
            }
          }
        }
      } finally {
        c.commit();
      }
      awaitAppends(appends, action);
      LOG.info(
          "Source {}: copied {} rows of {} into {} ({} skipped: owner is not a user), snapshot at"
              + " {}",
          def.name(),
          copied,
          mapping.sourceName(),
          target.qualifiedName(),
          skipped,
          slot.getConsistentPoint());
      return slot.getConsistentPoint().asLong();
    }
  }

  private static void read(ResultSet rs, List<String> row) throws SQLException {
    row.clear();
    int columns = rs.getMetaData().getColumnCount();
    for (int i = 1; i <= columns; i++) {
      row.add(rs.getString(i));
    }
  }

  /** Waits until the log has every append, then forgets them. */
  private static void awaitAppends(List<CompletableFuture<LogPosition>> appends, String action) {
    for (CompletableFuture<LogPosition> append : appends) {
      try {
        append.get(COPY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new TributaryException(
            ErrorCode.UNAVAILABLE,
            "Cannot " + action + ": the log did not accept the copied rows (" + e + ")",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TributaryException(ErrorCode.UNAVAILABLE, "Cannot " + action + ": interrupted");
      }
    }
    appends.clear();
  }

  private static String pgQuote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static boolean exists(Connection c, String sql, String... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Override
  public synchronized List<Object[]> statusRows() {
    List<Object[]> rows = new ArrayList<>();
    for (SourceDef def : catalog.sources()) {
      SourceRunner r = runners.get(def.name());
      StringBuilder tables = new StringBuilder();
      for (SourceDef.SourceTable t : def.tables()) {
        tables.append(tables.length() == 0 ? "" : ", ");
        tables.append(t.sourceName()).append(" -> ").append(t.targetName());
        if (t.ownerColumn() != null) {
          tables.append(" (owner ").append(t.ownerColumn()).append(')');
        }
      }
      rows.add(
          new Object[] {
            def.name(),
            def.type(),
            def.url(),
            def.user(),
            def.publication(),
            def.slot(),
            r == null ? (paused.contains(def.name()) ? "COPYING" : "STOPPED") : r.state().name(),
            tables.toString(),
            r == null || r.ackedLsn() == 0 ? null : SourceRunner.lsn(r.ackedLsn()),
            r == null || r.lagBytes() < 0 ? null : r.lagBytes(),
            r == null ? null : r.lagSeconds(),
            r == null ? 0L : r.applied(),
            r == null ? 0L : r.skipped(),
            r == null ? null : r.lastError()
          });
    }
    return rows;
  }

  @Override
  public synchronized long totalLagBytes() {
    long total = 0;
    for (SourceRunner r : runners.values()) {
      total += Math.max(0, r.lagBytes());
    }
    return total;
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (SourceRunner r : runners.values()) {
      r.stop();
    }
    runners.clear();
  }
}
