package io.tributary.benchmarks.chat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.benchmarks.GrpcChannels;
import io.tributary.benchmarks.RawBytes;
import io.tributary.benchmarks.pg.NotifyRelay;
import io.tributary.benchmarks.pg.PostgresInstance;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL stack as the chat target (the baseline of issue 17): PostgreSQL started by the
 * benchmark (every durability setting at its default: {@code fsync}, {@code synchronous_commit} on;
 * in page-cache mode the writers' sessions set {@code synchronous_commit = off}), a table {@code
 * chat_messages (id, room, body)} whose {@code AFTER INSERT} trigger calls {@code pg_notify} with
 * the row as JSON, and the relay ({@link NotifyRelay}) in its own JVM: it LISTENs and routes each
 * notification to the streams of that conversation only (room = the conversation). Each reader has
 * one connection to the relay with one stream per conversation of its user; the writers are {@code
 * --pg-writers} JDBC connections taking the inserts off one queue (autocommit: an insert is
 * acknowledged when its commit returns), the most a connection pool can make of them. The
 * membership policy has no counterpart: the relay's routing is the membership.
 */
final class PostgresChat implements ChatTarget {
  private static final String CHANNEL = "chat_messages";
  private static final String INSERT =
      "INSERT INTO chat_messages (id, room, body) VALUES (?, ?, ?)";
  private static final MethodDescriptor<byte[], LiveEventBatch> METHOD =
      MethodDescriptor.<byte[], LiveEventBatch>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(NotifyRelay.METHOD)
          .setRequestMarshaller(RawBytes.MARSHALLER)
          .setResponseMarshaller(ProtoUtils.marshaller(LiveEventBatch.getDefaultInstance()))
          .build();

  private record Insert(int n, int conversation, Acknowledgement ack) {}

  private final PostgresInstance postgres;
  private ServerJvm relay;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Reader<byte[]>> streams = new ArrayList<>();
  private final List<Thread> writers = new ArrayList<>();
  private final List<Connection> writerConnections = new ArrayList<>();
  private final BlockingQueue<Insert> inserts = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** Starts PostgreSQL in {@code dir}; throws IllegalStateException when there are no binaries. */
  PostgresChat(ChatOptions o, Conversations world, Schedule schedule, Path dir, boolean durable)
      throws IOException, SQLException {
    postgres = PostgresInstance.start(PostgresInstance.locate(dir), dir);
    ServerJvm started = null;
    try {
      try (Connection c = DriverManager.getConnection(postgres.jdbcUrl());
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE chat_messages (id BIGINT PRIMARY KEY, room INT NOT NULL,"
                + " body TEXT NOT NULL)");
        s.execute(
            "CREATE FUNCTION chat_messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " PERFORM pg_notify('"
                + CHANNEL
                + "', row_to_json(NEW)::text); RETURN NULL; END $$");
        s.execute(
            "CREATE TRIGGER chat_messages_notify AFTER INSERT ON chat_messages"
                + " FOR EACH ROW EXECUTE FUNCTION chat_messages_notify()");
      }
      started =
          ServerJvm.start(
              o.serverJvmFlags(),
              List.of("relay", postgres.jdbcUrl(), CHANNEL, String.valueOf(o.relayThreads())),
              dir.resolve("relay.log"));
      for (int r = 0; r < o.users(); r++) {
        ManagedChannel ch = GrpcChannels.channel(started.port());
        channels.add(ch);
        for (int c : world.of(r)) {
          Reader<byte[]> stream = new Reader<>(r, schedule, errors);
          ClientCalls.asyncServerStreamingCall(
              ch.newCall(METHOD, CallOptions.DEFAULT),
              ByteBuffer.allocate(12).putInt(c).putInt(r).putInt(1).array(),
              stream);
          streams.add(stream);
        }
      }
      for (Reader<byte[]> s : streams) {
        s.opened().get(60, TimeUnit.SECONDS);
      }
      for (int w = 0; w < Math.min(o.writers(), o.pgWriters()); w++) {
        Connection c = DriverManager.getConnection(postgres.jdbcUrl());
        writerConnections.add(c);
        if (!durable) {
          try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = off");
          }
        }
        Thread t = new Thread(() -> write(c), "chat-pg-writer-" + w);
        t.setDaemon(true);
        writers.add(t);
        t.start();
      }
    } catch (Exception e) {
      relay = started;
      close();
      throw new IllegalStateException("Cannot set the PostgreSQL stack up: " + e, e);
    }
    relay = started;
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public String title() {
    return "PostgreSQL + pg_notify + relay";
  }

  /** PostgreSQL's version and where its binaries came from. */
  String describe() {
    return postgres.version() + " (" + postgres.binaries().source() + ")";
  }

  @Override
  public void send(int n, int conversation, Acknowledgement ack) {
    inserts.add(new Insert(n, conversation, ack));
  }

  private void write(Connection connection) {
    try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
      while (!closed) {
        Insert next = inserts.poll(250, TimeUnit.MILLISECONDS);
        if (next == null) {
          continue;
        }
        String failure = null;
        try {
          insert.setLong(1, next.n());
          insert.setInt(2, next.conversation());
          insert.setString(3, ChatBenchmark.BODY);
          insert.executeUpdate();
        } catch (SQLException e) {
          failure = "Cannot insert change " + next.n() + ": " + e.getMessage();
        }
        next.ack().done(failure);
      }
    } catch (SQLException e) {
      if (!closed) {
        errors.add("Cannot prepare the INSERT: " + e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public long serverCpuNanos() {
    return Math.max(0, postgres.cpuNanos()) + (relay == null ? 0 : relay.cpu().toNanos());
  }

  @Override
  public List<String> streamErrors() {
    return List.copyOf(errors);
  }

  @Override
  public void close() {
    closed = true;
    for (Reader<byte[]> s : streams) {
      s.cancel();
    }
    GrpcChannels.shutdown(channels);
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
    if (relay != null) {
      try {
        relay.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    postgres.close();
  }
}
