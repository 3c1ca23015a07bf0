package io.tributary.benchmarks;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.StreamOpened;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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
 * nothing else. Each subscription is its own server stream, registered under a room; publishing a
 * change serializes one LiveEvent-sized message once and writes the same bytes to every stream of
 * the room. Streams are partitioned over a few worker threads (as Tributary's writers are), each
 * stream owned by one worker so its writes never race. No matching, no queues of our own, no
 * acknowledgement: the upper bound of what any fan-out over these gRPC streams can do on this
 * machine.
 */
final class CeilingServer implements AutoCloseable {
  private static final String METHOD = "bench.Ceiling/Stream";

  /** Passes bytes through: the server's messages are already serialized. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> SERVER_METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(METHOD)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  /** The client's view of the same method: it parses each message as a LiveEvent. */
  static final MethodDescriptor<byte[], LiveEvent> CLIENT_METHOD =
      MethodDescriptor.<byte[], LiveEvent>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(METHOD)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(ProtoUtils.marshaller(LiveEvent.getDefaultInstance()))
          .build();

  private final Server server;
  private final ExecutorService[] workers;
  private final Map<Integer, List<List<ServerCallStreamObserver<byte[]>>>> rooms =
      new ConcurrentHashMap<>();
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

  /** The request of a ceiling stream: the room it follows and its client connection's number. */
  static byte[] request(int room, int connection) {
    return ByteBuffer.allocate(8).putInt(room).putInt(connection).array();
  }

  private void stream(byte[] request, StreamObserver<byte[]> observer) {
    ByteBuffer b = ByteBuffer.wrap(request);
    int room = b.getInt();
    int worker = b.getInt() % workers.length;
    ServerCallStreamObserver<byte[]> stream = (ServerCallStreamObserver<byte[]>) observer;
    List<ServerCallStreamObserver<byte[]>> list =
        rooms.computeIfAbsent(room, r -> newWorkerLists()).get(worker);
    stream.setOnCancelHandler(
        () -> {
          list.remove(stream);
          open.decrementAndGet();
        });
    list.add(stream);
    open.incrementAndGet();
    stream.onNext(
        LiveEvent.newBuilder()
            .setOpened(StreamOpened.newBuilder().setStreamId(Changes.SUBSCRIPTION_ID))
            .build()
            .toByteArray());
  }

  private List<List<ServerCallStreamObserver<byte[]>>> newWorkerLists() {
    List<List<ServerCallStreamObserver<byte[]>>> lists = new CopyOnWriteArrayList<>();
    for (int w = 0; w < workers.length; w++) {
      lists.add(new CopyOnWriteArrayList<>());
    }
    return lists;
  }

  /** Serializes change {@code change} once and hands it to every stream of {@code room}. */
  void publish(long change, int room) {
    List<List<ServerCallStreamObserver<byte[]>>> lists = rooms.get(room);
    if (lists == null) {
      return;
    }
    byte[] message = Changes.insertEvent(change);
    for (int w = 0; w < workers.length; w++) {
      List<ServerCallStreamObserver<byte[]>> streams = lists.get(w);
      workers[w].execute(
          () -> {
            for (ServerCallStreamObserver<byte[]> s : streams) {
              try {
                s.onNext(message);
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

  /** Bytes that gRPC can size and copy straight into its frame. */
  private static final class BytesStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    BytesStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
