package io.tributary.benchmarks;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The benchmarks' gRPC client connections: opening them, authenticating calls, closing them. */
public final class GrpcChannels {
  private GrpcChannels() {}

  /** A plaintext channel to 127.0.0.1 whose callbacks run on the transport thread. */
  public static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .directExecutor()
        .build();
  }

  /** Call credentials sending {@code authorization: Bearer <token>}. */
  public static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  /**
   * Shuts every channel down now, then waits up to 10 s for each to terminate; returns false (with
   * the interrupt flag set again) if interrupted while waiting.
   */
  public static boolean shutdown(Collection<ManagedChannel> channels) {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      try {
        ch.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Cancels the client streams, then {@link #shutdown shuts their channels down}. */
  static boolean shutdown(
      Collection<? extends EventObserver<?>> observers, Collection<ManagedChannel> channels) {
    for (EventObserver<?> o : observers) {
      o.cancel();
    }
    return shutdown(channels);
  }
}
