package io.tributary.benchmarks;

import io.tributary.benchmarks.pg.PostgresInstance;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * PostgreSQL as Tributary's source (issue 18) as a fan-out target: changes are INSERTs committed in
 * PostgreSQL by the same writer connections as the traditional stack's, on a table with no trigger;
 * Tributary's source reads them from a logical replication slot (pgoutput) into a SHARED table,
 * whose subscribers are Tributary's own clients. Latency is commit → subscriber, beside the
 * traditional stack's trigger → {@code pg_notify} → relay on the same PostgreSQL.
 */
final class PgSourceTarget implements FanOutTarget {
  private static final String SOURCE = "bench_pg";

  private final TributaryTarget tributary;
  private final int port;
  private final PostgresInstance postgres;
  private final List<Thread> writers = new ArrayList<>();
  private final List<Connection> writerConnections = new ArrayList<>();
  private final BlockingQueue<Insert> inserts = new LinkedBlockingQueue<>();
  private final LongAdder failures = new LongAdder();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private volatile String insertSql;
  private TributaryClients clients;
  private String mapped;
  private int tables;
  private volatile boolean closed;

  private record Insert(long change, LongConsumer acknowledged) {}

  PgSourceTarget(TributaryTarget tributary, int port, PostgresInstance postgres, int writerCount)
      throws SQLException {
    this.tributary = tributary;
    this.port = port;
    this.postgres = postgres;
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE PUBLICATION bench_source");
    }
    tributary.executeAsRoot(
        "CREATE SOURCE "
            + SOURCE
            + " FROM POSTGRES WITH (url = 'postgresql://127.0.0.1:"
            + postgres.port()
            + "/postgres', user = 'postgres', password = '', publication = 'bench_source',"
            + " slot = 'bench_source')");
    for (int w = 0; w < writerCount; w++) {
      Connection c = DriverManager.getConnection(postgres.jdbcUrl());
      writerConnections.add(c);
      Thread t = new Thread(() -> write(c), "pgsource-writer-" + w);
      t.setDaemon(true);
      writers.add(t);
      t.start();
    }
  }

  @Override
  public String name() {
    return "pgsource";
  }

  @Override
  public void open(Layout layout, Deliveries deliveries) {
    String table = tributary.createTable();
    String pgTable = "src_feed" + (++tables);
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE "
              + pgTable
              + " (id BIGINT PRIMARY KEY, room INT NOT NULL, body TEXT NOT NULL)");
      s.execute("ALTER PUBLICATION bench_source ADD TABLE " + pgTable);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create " + pgTable + ": " + e.getMessage(), e);
    }
    if (mapped != null) {
      tributary.executeAsRoot("ALTER SOURCE " + SOURCE + " UNMAP TABLE public." + mapped);
    }
    tributary.executeAsRoot(
        "ALTER SOURCE " + SOURCE + " MAP TABLE public." + pgTable + " INTO " + table);
    mapped = pgTable;
    insertSql = "INSERT INTO " + pgTable + " (id, room, body) VALUES (?, ?, ?)";
    clients = new TributaryClients(port, tributary.readerTokens());
    clients.open(layout, table, deliveries);
  }

  @Override
  public void publish(long change, LongConsumer acknowledged) {
    inserts.add(new Insert(change, acknowledged));
  }

  /** A writer thread: INSERTs each change in its own transaction (autocommit). */
  private void write(Connection connection) {
    String prepared = null;
    PreparedStatement insert = null;
    try {
      while (!closed) {
        Insert next = inserts.poll(250, TimeUnit.MILLISECONDS);
        if (next == null) {
          continue;
        }
        try {
          String sql = insertSql;
          if (!sql.equals(prepared)) {
            if (insert != null) {
              insert.close();
            }
            insert = connection.prepareStatement(sql);
            prepared = sql;
          }
          insert.setLong(1, next.change());
          insert.setInt(2, Layout.HOT_ROOM);
          insert.setString(3, Changes.BODY);
          insert.executeUpdate();
          next.acknowledged().accept(next.change());
        } catch (SQLException e) {
          fail("Cannot insert change " + next.change() + ": " + e.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void fail(String message) {
    failures.increment();
    firstFailure.compareAndSet(null, message);
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  String firstFailure() {
    return firstFailure.get();
  }

  @Override
  public long fanOutCpuNanos() {
    return ThreadCpu.ofThreadsNamed("tributary-live-")
        + ThreadCpu.ofThreadsNamed("tributary-source-");
  }

  @Override
  public void closeStreams() {
    if (clients != null) {
      clients.close();
      clients = null;
    }
    tributary.awaitNoSubscriptions();
  }

  @Override
  public void close() {
    closeStreams();
    closed = true;
    for (Thread t : writers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Connection c : writerConnections) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
    try {
      tributary.executeAsRoot("DROP SOURCE " + SOURCE);
    } catch (RuntimeException e) {
      // the server may be stopping
    }
  }
}
