package io.tributary.benchmarks.chat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.benchmarks.GrpcChannels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The raw gRPC ceiling as the chat target ({@link ChatCeilingServer} in its own JVM): the same
 * readers (one connection and one stream each, following its conversations) and writers (one
 * connection each, a unary call per insert), no database. An insert is acknowledged once the server
 * has written it to every member's stream.
 */
final class CeilingChat implements ChatTarget {
  private final Conversations world;
  private final ServerJvm server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Reader<byte[]>> readers = new ArrayList<>();
  private final List<ManagedChannel> writers = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

  CeilingChat(ChatOptions o, Conversations world, Schedule schedule, Path dir) throws IOException {
    this.world = world;
    this.server =
        ServerJvm.start(o.serverJvmFlags(), List.of("ceiling"), dir.resolve("ceiling.log"));
    try {
      for (int r = 0; r < o.users(); r++) {
        ManagedChannel ch = GrpcChannels.channel(server.port());
        channels.add(ch);
        Reader<byte[]> reader = new Reader<>(r, schedule, errors);
        ClientCalls.asyncServerStreamingCall(
            ch.newCall(ChatCeilingServer.CLIENT_STREAM, CallOptions.DEFAULT),
            ChatCeilingServer.streamRequest(world.of(r), world.of(r).size()),
            reader);
        readers.add(reader);
      }
      for (Reader<byte[]> r : readers) {
        r.opened().get(60, TimeUnit.SECONDS);
      }
      for (int w = 0; w < o.writers(); w++) {
        ManagedChannel ch = GrpcChannels.channel(server.port());
        channels.add(ch);
        writers.add(ch);
      }
    } catch (Exception e) {
      close();
      throw new IllegalStateException("Cannot set the gRPC ceiling up: " + e, e);
    }
  }

  @Override
  public String name() {
    return "ceiling";
  }

  @Override
  public String title() {
    return "Raw gRPC ceiling";
  }

  @Override
  public void send(int n, int conversation, Acknowledgement ack) {
    ClientCalls.asyncUnaryCall(
        writers
            .get(world.writerOf(conversation))
            .newCall(ChatCeilingServer.CLIENT_SEND, CallOptions.DEFAULT),
        ChatCeilingServer.sendRequest(n, conversation),
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {}

          @Override
          public void onError(Throwable t) {
            ack.done(t.toString());
          }

          @Override
          public void onCompleted() {
            ack.done(null);
          }
        });
  }

  @Override
  public long serverCpuNanos() {
    return server.cpu().toNanos();
  }

  @Override
  public List<String> streamErrors() {
    return List.copyOf(errors);
  }

  @Override
  public void close() {
    for (Reader<byte[]> r : readers) {
      r.cancel();
    }
    GrpcChannels.shutdown(channels);
    try {
      server.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
