package io.tributary.benchmarks.pg;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.benchmarks.RawBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The traditional stack's relay: LISTENs on a PostgreSQL channel and fans every notification out
 * over gRPC server streams, routed by the row's room: as for the ceiling, a client connection has
 * one stream per room it follows, carrying its subscriptions of that room.
 *
 * <p>One thread ({@code pg-relay-listener}) blocks in {@code PGConnection.getNotifications}, parses
 * each payload (the row as JSON, {@code row_to_json(NEW)}), builds the message once per distinct
 * number of subscriptions per stream ({@link RelayMessages#insertMessage}) and hands the same bytes
 * to every stream of the room. Streams are partitioned over a few worker threads ({@code
 * pg-relay-fanout-N}), each stream owned by one worker, which alone touches its room lists, so a
 * stream's writes never race.
 *
 * <p>The streams speak the raw gRPC ceiling's method ({@value #METHOD}, request {@code (int room,
 * int connection, int subscriptions)}), so the benchmark's clients are the same code for both.
 */
public final class NotifyRelay implements AutoCloseable {
  /** The full method name of the subscriber stream, the same as the ceiling's. */
  public static final String METHOD = "bench.Ceiling/Stream";

  private static final JsonFactory JSON = new JsonFactory();

  private static final MethodDescriptor<byte[], byte[]> SERVER_METHOD =
      RawBytes.serverStreaming(METHOD);

  private final Server server;
  private final Worker[] workers;
  private final Connection listener;
  private final Thread listenerThread;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder failures = new LongAdder();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private volatile boolean closed;

  /**
   * Starts the gRPC server on an ephemeral loopback port and LISTENs on {@code channel} over a
   * connection of its own to {@code jdbcUrl}.
   */
  public NotifyRelay(String jdbcUrl, String channel, int workerThreads) throws SQLException {
    workers = new Worker[workerThreads];
    for (int w = 0; w < workerThreads; w++) {
      workers[w] = new Worker("pg-relay-fanout-" + w);
    }
    listener = DriverManager.getConnection(jdbcUrl);
    try (Statement s = listener.createStatement()) {
      s.execute("LISTEN " + channel);
    }
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .directExecutor()
              .addService(
                  ServerServiceDefinition.builder(METHOD.substring(0, METHOD.indexOf('/')))
                      .addMethod(SERVER_METHOD, ServerCalls.asyncServerStreamingCall(this::stream))
                      .build())
              .build()
              .start();
    } catch (IOException e) {
      listener.close();
      throw new UncheckedIOException("Cannot start the relay's gRPC server", e);
    }
    listenerThread = new Thread(this::listen, "pg-relay-listener");
    listenerThread.setDaemon(true);
    listenerThread.start();
  }

  public int port() {
    return server.getPort();
  }

  /** Streams currently open. */
  public int openStreams() {
    return open.get();
  }

  /** Notifications that could not be relayed, and listener errors. */
  public long failures() {
    return failures.sum();
  }

  public String firstFailure() {
    return firstFailure.get();
  }

  private void stream(byte[] request, StreamObserver<byte[]> observer) {
    ByteBuffer b = ByteBuffer.wrap(request);
    int room = b.getInt();
    Worker worker = workers[Math.floorMod(b.getInt(), workers.length)];
    int subscriptions = b.getInt();
    ServerCallStreamObserver<byte[]> stream = (ServerCallStreamObserver<byte[]>) observer;
    Sink sink = new Sink(stream, subscriptions);
    open.incrementAndGet();
    stream.setOnCancelHandler(
        () ->
            worker.execute(
                () -> {
                  List<Sink> list = worker.rooms.get(room);
                  if (list != null && list.remove(sink)) {
                    open.decrementAndGet();
                  }
                }));
    // The worker sends "opened" and then registers the stream: the client starts publishing only
    // after "opened", so it never misses a change, and only the worker writes to the stream.
    worker.execute(
        () -> {
          if (stream.isCancelled()) {
            open.decrementAndGet();
            return;
          }
          stream.onNext(RelayMessages.openedMessage());
          worker.rooms.computeIfAbsent(room, r -> new ArrayList<>()).add(sink);
        });
  }

  private void listen() {
    PGConnection pg;
    try {
      pg = listener.unwrap(PGConnection.class);
    } catch (SQLException e) {
      fail("Cannot listen: " + e);
      return;
    }
    while (!closed) {
      PGNotification[] batch;
      try {
        batch = pg.getNotifications(250);
      } catch (SQLException e) {
        if (!closed) {
          fail("Cannot read notifications: " + e);
        }
        return;
      }
      if (batch == null) {
        continue;
      }
      for (PGNotification n : batch) {
        try {
          relay(n.getParameter());
        } catch (IOException | RuntimeException e) {
          fail("Cannot relay " + n.getParameter() + ": " + e);
        }
      }
    }
  }

  /** Parses {@code {"id": …, "room": …, "body": …}} and fans the message out to the room. */
  private void relay(String payload) throws IOException {
    long id = -1;
    int room = -1;
    String body = null;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = p.getLongValue();
          case "room" -> room = p.getIntValue();
          case "body" -> body = p.getText();
          default -> p.skipChildren();
        }
      }
    }
    if (id < 0 || room < 0 || body == null) {
      throw new IOException("missing id, room or body");
    }
    // One message per distinct number of subscriptions per stream, serialized once for all workers.
    Map<Integer, byte[]> messages = new ConcurrentHashMap<>();
    long change = id;
    int r = room;
    String text = body;
    for (Worker w : workers) {
      w.execute(
          () -> {
            List<Sink> sinks = w.rooms.get(r);
            if (sinks == null) {
              return;
            }
            for (Sink s : sinks) {
              try {
                s.stream()
                    .onNext(
                        messages.computeIfAbsent(
                            s.subscriptions(),
                            n -> RelayMessages.insertMessage(change, r, text, n)));
              } catch (RuntimeException e) {
                // cancelled under us: the client went away, its cancel handler removes it
              }
            }
          });
    }
  }

  private void fail(String message) {
    failures.increment();
    firstFailure.compareAndSet(null, message);
  }

  @Override
  public void close() {
    closed = true;
    try {
      listenerThread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      listener.close();
    } catch (SQLException e) {
      // closing anyway
    }
    server.shutdownNow();
    for (Worker w : workers) {
      w.executor.shutdownNow();
    }
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A stream and how many subscriptions of its room it carries. */
  private record Sink(ServerCallStreamObserver<byte[]> stream, int subscriptions) {}

  /** A fan-out thread and the streams it owns, by room (touched only on that thread). */
  private static final class Worker {
    final ExecutorService executor;
    final Map<Integer, List<Sink>> rooms = new HashMap<>();

    Worker(String name) {
      executor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              });
    }

    void execute(Runnable task) {
      try {
        executor.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }
}
