package io.tributary.benchmarks.chat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.StreamOpened;
import io.tributary.api.v1.Value;
import io.tributary.benchmarks.RawBytes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw gRPC ceiling of the chat scenario: the same transport as Tributary's server (Armeria
 * serving grpc-java services) and nothing else: no database, no log, no matching. A reader opens
 * one stream carrying the conversations it follows; a writer's unary call sends change {@code n} to
 * conversation {@code c}: the server serializes the event Tributary would send (the row {@code (id,
 * conversation_id, sender, content)} and a {@code _seq}) once, writes the same bytes to the stream
 * of every member (on the caller's thread, one writer at a time per stream), and answers. The upper
 * bound of any chat fan-out over these gRPC streams on this machine.
 */
final class ChatCeilingServer implements AutoCloseable {
  static final String SERVICE = "bench.ChatCeiling";

  private static final MethodDescriptor<byte[], byte[]> STREAM =
      RawBytes.serverStreaming(SERVICE + "/Stream");

  private static final MethodDescriptor<byte[], byte[]> SEND =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(SERVICE + "/Send")
          .setRequestMarshaller(RawBytes.MARSHALLER)
          .setResponseMarshaller(RawBytes.MARSHALLER)
          .build();

  /** The client's view of the stream: it parses each message as a LiveEventBatch. */
  static final MethodDescriptor<byte[], LiveEventBatch> CLIENT_STREAM =
      MethodDescriptor.<byte[], LiveEventBatch>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(SERVICE + "/Stream")
          .setRequestMarshaller(RawBytes.MARSHALLER)
          .setResponseMarshaller(ProtoUtils.marshaller(LiveEventBatch.getDefaultInstance()))
          .build();

  /** The client's view of a send. */
  static final MethodDescriptor<byte[], byte[]> CLIENT_SEND = SEND;

  private static final byte[] EMPTY = new byte[0];

  private final Map<Integer, List<ServerCallStreamObserver<byte[]>>> members =
      new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong(1_000_000L << 16);
  private final Server server;

  ChatCeilingServer() {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
            .addMethod(SEND, ServerCalls.asyncUnaryCall(this::send))
            .build();
    server =
        Server.builder()
            .http(0)
            .requestTimeout(Duration.ZERO)
            .service(GrpcService.builder().addService(service).build())
            .build();
    server.start().join();
  }

  int port() {
    return server.activeLocalPort();
  }

  /** The request of a reader's stream: the conversations it follows. */
  static byte[] streamRequest(Iterable<Integer> conversations, int count) {
    ByteBuffer b = ByteBuffer.allocate(4 * count);
    for (int c : conversations) {
      b.putInt(c);
    }
    return b.array();
  }

  /** The request of a send: change {@code n} to {@code conversation}. */
  static byte[] sendRequest(long n, int conversation) {
    return ByteBuffer.allocate(12).putLong(n).putInt(conversation).array();
  }

  private void stream(byte[] request, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> stream = (ServerCallStreamObserver<byte[]>) observer;
    ByteBuffer b = ByteBuffer.wrap(request);
    List<List<ServerCallStreamObserver<byte[]>>> lists = new CopyOnWriteArrayList<>();
    while (b.remaining() >= 4) {
      lists.add(members.computeIfAbsent(b.getInt(), c -> new CopyOnWriteArrayList<>()));
    }
    stream.setOnCancelHandler(
        () -> {
          for (List<ServerCallStreamObserver<byte[]>> l : lists) {
            l.remove(stream);
          }
        });
    synchronized (stream) {
      stream.onNext(
          LiveEventBatch.newBuilder()
              .addEvents(
                  LiveEvent.newBuilder()
                      .setOpened(StreamOpened.newBuilder().setStreamId("ceiling")))
              .build()
              .toByteArray());
    }
    for (List<ServerCallStreamObserver<byte[]>> l : lists) {
      l.add(stream);
    }
  }

  private void send(byte[] request, StreamObserver<byte[]> response) {
    ByteBuffer b = ByteBuffer.wrap(request);
    long n = b.getLong();
    int conversation = b.getInt();
    long s = seq.addAndGet(1 << 16);
    byte[] message =
        LiveEventBatch.newBuilder()
            .addEvents(
                LiveEvent.newBuilder()
                    .setSubscriptionId("ceiling-" + conversation)
                    .setInsert(
                        RowInsert.newBuilder()
                            .setSeq(s)
                            .setRow(
                                Row.newBuilder()
                                    .addValues(Value.newBuilder().setBigintValue(n))
                                    .addValues(Value.newBuilder().setBigintValue(conversation))
                                    .addValues(Value.newBuilder().setTextValue("chat_writer"))
                                    .addValues(Value.newBuilder().setTextValue(ChatBenchmark.BODY))
                                    .addValues(Value.newBuilder().setBigintValue(s)))))
            .build()
            .toByteArray();
    List<ServerCallStreamObserver<byte[]>> list = members.get(conversation);
    if (list != null) {
      for (ServerCallStreamObserver<byte[]> stream : list) {
        synchronized (stream) {
          try {
            stream.onNext(message);
          } catch (RuntimeException e) {
            // cancelled under us: the reader went away
          }
        }
      }
    }
    response.onNext(EMPTY);
    response.onCompleted();
  }

  @Override
  public void close() {
    server.stop().join();
  }
}
