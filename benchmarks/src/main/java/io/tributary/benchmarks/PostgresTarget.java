package io.tributary.benchmarks;

import io.tributary.benchmarks.pg.NotifyRelay;
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
 * The traditional stack as a fan-out target: PostgreSQL (started by the benchmark, durable
 * defaults), a table like Tributary's with an AFTER INSERT trigger calling {@code pg_notify} with
 * the row as JSON, and a {@link NotifyRelay} that LISTENs and fans each notification out over gRPC
 * streams, one per subscription, to the same clients ({@link EventObserver}) over the same number
 * of connections as the ceiling. A change is an INSERT by one of a few writer connections
 * (autocommit: acknowledged when its commit returns).
 */
final class PostgresTarget implements FanOutTarget, OutOfProcessCpu {
  static final String CHANNEL = "bench_feed";
  private static final String INSERT = "INSERT INTO bench_feed (id, room, body) VALUES (?, ?, ?)";

  private final PostgresInstance postgres;
  private final NotifyRelay relay;
  private final List<Thread> writers = new ArrayList<>();
  private final List<Connection> writerConnections = new ArrayList<>();
  private final BlockingQueue<Insert> inserts = new LinkedBlockingQueue<>();
  private final LongAdder failures = new LongAdder();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private final RoomStreams streams = new RoomStreams();
  private volatile boolean closed;

  private record Insert(long change, LongConsumer acknowledged) {}

  /**
   * Creates the table and trigger on a running server, starts the relay with {@code relayThreads}
   * fan-out threads and {@code writerConnections} writer connections.
   */
  PostgresTarget(PostgresInstance postgres, int relayThreads, int writerCount) throws SQLException {
    this.postgres = postgres;
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE bench_feed (id BIGINT PRIMARY KEY, room INT NOT NULL, body TEXT NOT NULL)");
      s.execute(
          "CREATE FUNCTION bench_feed_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " PERFORM pg_notify('"
              + CHANNEL
              + "', row_to_json(NEW)::text); RETURN NULL; END $$");
      s.execute(
          "CREATE TRIGGER bench_feed_notify AFTER INSERT ON bench_feed"
              + " FOR EACH ROW EXECUTE FUNCTION bench_feed_notify()");
    }
    this.relay = new NotifyRelay(postgres.jdbcUrl(), CHANNEL, relayThreads);
    for (int w = 0; w < writerCount; w++) {
      Connection c = DriverManager.getConnection(postgres.jdbcUrl());
      writerConnections.add(c);
      Thread t = new Thread(() -> write(c), "pg-writer-" + w);
      t.setDaemon(true);
      writers.add(t);
      t.start();
    }
  }

  @Override
  public String name() {
    return "postgres";
  }

  /** The PostgreSQL this target runs on. */
  PostgresInstance instance() {
    return postgres;
  }

  @Override
  public void open(Layout layout, Deliveries deliveries) {
    // the ceiling's client call under the relay's method name: the same client code
    var method =
        CeilingServer.CLIENT_METHOD.toBuilder().setFullMethodName(NotifyRelay.METHOD).build();
    streams.open(layout, deliveries, relay.port(), method);
  }

  @Override
  public void publish(long change, LongConsumer acknowledged) {
    inserts.add(new Insert(change, acknowledged));
  }

  /** A writer thread: takes changes off the queue and INSERTs each in its own transaction. */
  private void write(Connection connection) {
    try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
      while (!closed) {
        Insert next = inserts.poll(250, TimeUnit.MILLISECONDS);
        if (next == null) {
          continue;
        }
        try {
          insert.setLong(1, next.change());
          insert.setInt(2, Layout.HOT_ROOM);
          insert.setString(3, Changes.BODY);
          insert.executeUpdate();
          next.acknowledged().accept(next.change());
        } catch (SQLException e) {
          fail("Cannot insert change " + next.change() + ": " + e.getMessage());
        }
      }
    } catch (SQLException e) {
      if (!closed) {
        fail("Cannot prepare the INSERT: " + e.getMessage());
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
    return failures.sum() + relay.failures();
  }

  /** The first failed INSERT or relay error, or null. */
  String firstFailure() {
    return firstFailure.get() != null ? firstFailure.get() : relay.firstFailure();
  }

  @Override
  public long fanOutCpuNanos() {
    return ThreadCpu.ofThreadsNamed("pg-relay-");
  }

  @Override
  public long outOfProcessCpuNanos() {
    return postgres.cpuNanos();
  }

  @Override
  public String outOfProcessName() {
    return "PostgreSQL";
  }

  @Override
  public void closeStreams() {
    streams.close(relay::openStreams);
  }

  @Override
  public void close() {
    closeStreams();
    closed = true;
    for (Thread t : writers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
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
    relay.close();
  }
}
