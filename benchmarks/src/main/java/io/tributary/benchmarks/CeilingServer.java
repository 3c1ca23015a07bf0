package io.tributary.benchmarks;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.StreamOpened;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ceiling: a plain grpc-java server (Netty) that fans out pre-serialized messages and does
 * nothing else. A client connection opens one server stream per room it follows, carrying that
 * connection's subscriptions of the room (as Tributary's one stream per connection carries them);
 * publishing a change serializes, once per distinct number of subscriptions per stream, the batch
 * of events Tributary would send such a stream, and writes the same bytes to every stream of the
 * room. Streams are partitioned over a few worker threads (as Tributary's writers are), each stream
 * owned by one worker so its writes never race. No matching, no queues of our own, no
 * acknowledgement: the upper bound of what any fan-out over these gRPC streams can do on this
 * machine.
 */
final class CeilingServer implements AutoCloseable {
  private static final String METHOD = "bench.Ceiling/Stream";

  private static final MethodDescriptor<byte[], byte[]> SERVER_METHOD =
      RawBytes.serverStreaming(METHOD);

  /** The client's view of the same method: it parses each message as a LiveEventBatch. */
  static final MethodDescriptor<byte[], LiveEventBatch> CLIENT_METHOD =
      MethodDescriptor.<byte[], LiveEventBatch>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(METHOD)
          .setRequestMarshaller(RawBytes.MARSHALLER)
          .setResponseMarshaller(ProtoUtils.marshaller(LiveEventBatch.getDefaultInstance()))
          .build();

  private final Server server;
  private final ExecutorService[] workers;

  /** A stream and how many subscriptions it carries. */
  private record Sink(ServerCallStreamObserver<byte[]> stream, int subscriptions) {}

  private final Map<Integer, List<List<Sink>>> rooms = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();

  CeilingServer(int workerThreads) {
    workers = new ExecutorService[workerThreads];
    for (int w = 0; w < workerThreads; w++) {
      String name = "ceiling-fanout-" + w;
      workers[w] =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              });
    }
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .directExecutor()
              .addService(
                  ServerServiceDefinition.builder("bench.Ceiling")
                      .addMethod(SERVER_METHOD, ServerCalls.asyncServerStreamingCall(this::stream))
                      .build())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the ceiling server", e);
    }
  }

  int port() {
    return server.getPort();
  }

  /** Streams currently open. */
  int openStreams() {
    return open.get();
  }

  /**
   * The request of a ceiling stream: the room it follows, its client connection's number and how
   * many of that connection's subscriptions follow the room.
   */
  static byte[] request(int room, int connection, int subscriptions) {
    return ByteBuffer.allocate(12).putInt(room).putInt(connection).putInt(subscriptions).array();
  }

  private void stream(byte[] request, StreamObserver<byte[]> observer) {
    ByteBuffer b = ByteBuffer.wrap(request);
    int room = b.getInt();
    int worker = b.getInt() % workers.length;
    int subscriptions = b.getInt();
    ServerCallStreamObserver<byte[]> stream = (ServerCallStreamObserver<byte[]>) observer;
    Sink sink = new Sink(stream, subscriptions);
    List<Sink> list = rooms.computeIfAbsent(room, r -> newWorkerLists()).get(worker);
    stream.setOnCancelHandler(
        () -> {
          list.remove(sink);
          open.decrementAndGet();
        });
    list.add(sink);
    open.incrementAndGet();
    stream.onNext(
        LiveEventBatch.newBuilder()
            .addEvents(
                LiveEvent.newBuilder()
                    .setOpened(StreamOpened.newBuilder().setStreamId(Changes.SUBSCRIPTION_ID)))
            .build()
            .toByteArray());
  }

  private List<List<Sink>> newWorkerLists() {
    List<List<Sink>> lists = new CopyOnWriteArrayList<>();
    for (int w = 0; w < workers.length; w++) {
      lists.add(new CopyOnWriteArrayList<>());
    }
    return lists;
  }

  /**
   * Serializes change {@code change} once per distinct stream size and hands it to every stream of
   * {@code room}.
   */
  void publish(long change, int room) {
    List<List<Sink>> lists = rooms.get(room);
    if (lists == null) {
      return;
    }
    Map<Integer, byte[]> messages = new HashMap<>();
    for (List<Sink> sinks : lists) {
      for (Sink s : sinks) {
        messages.computeIfAbsent(s.subscriptions(), n -> Changes.insertBatch(change, n));
      }
    }
    for (int w = 0; w < workers.length; w++) {
      List<Sink> sinks = lists.get(w);
      workers[w].execute(
          () -> {
            for (Sink s : sinks) {
              try {
                s.stream().onNext(messages.get(s.subscriptions()));
              } catch (RuntimeException e) {
                // cancelled under us: the client went away
              }
            }
          });
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    for (ExecutorService w : workers) {
      w.shutdownNow();
    }
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
