package io.tributary.benchmarks;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.StatementResult;
import io.tributary.api.v1.StatementServiceGrpc;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The benchmarks' gRPC client connections: opening them, logging in, running set-up statements,
 * authenticating calls, closing them.
 */
public final class GrpcChannels {
  private GrpcChannels() {}

  /** A plaintext channel to 127.0.0.1 whose callbacks run on the transport thread. */
  public static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .directExecutor()
        .build();
  }

  /** Logs {@code user} in on {@code channel} and returns the session token. */
  public static String login(ManagedChannel channel, String user, String password) {
    return AuthServiceGrpc.newBlockingStub(channel)
        .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build())
        .getToken();
  }

  /** Runs statements (set-up, not load) and fails on the first error: "Cannot run …: …". */
  public static void execute(ManagedChannel channel, CallCredentials credentials, String sql) {
    ExecuteResponse response =
        StatementServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .execute(ExecuteRequest.newBuilder().setSql(sql).build());
    for (StatementResult r : response.getResultsList()) {
      if (r.hasError()) {
        throw new IllegalStateException(
            "Cannot run " + r.getStatement() + ": " + r.getError().getMessage());
      }
    }
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
