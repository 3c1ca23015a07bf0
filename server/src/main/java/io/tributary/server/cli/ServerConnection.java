package io.tributary.server.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.SubscribeRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

/**
 * The shell's connection to a server, over the protocol stubs only (the {@code client} SDK is not a
 * dependency of {@code server}). Holds the token; when it was obtained by a login, an expired token
 * is renewed by logging in again. Not thread-safe.
 */
final class ServerConnection implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  private static final long LOGIN_TIMEOUT_SECONDS = 30;

  private final String url;
  private final ManagedChannel channel;
  private volatile String token;
  private String user;
  private String password;
  private LoginResponse login;

  private ServerConnection(String url, ManagedChannel channel) {
    this.url = url;
    this.channel = channel;
  }

  /**
   * Opens a channel to {@code http://host:port} (plaintext) or {@code https://host:port} (TLS). No
   * connection is made until the first call.
   *
   * @throws CallFailure when the URL is not an http(s) URL with a host
   */
  static ServerConnection open(String url) {
    URI uri;
    try {
      uri = new URI(url.contains("://") ? url : "http://" + url);
    } catch (URISyntaxException e) {
      throw CallFailure.local("Cannot connect to " + url + ": " + e.getMessage());
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw CallFailure.local(
          "Cannot connect to " + url + ": expected http://host:port or https://host:port");
    }
    boolean tls = scheme.equals("https");
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    ChannelCredentials credentials =
        tls ? TlsChannelCredentials.create() : InsecureChannelCredentials.create();
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(uri.getHost(), port, credentials)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .userAgent("tributary-cli")
            .build();
    return new ServerConnection(url, channel);
  }

  String url() {
    return url;
  }

  /** Logs in and keeps the credentials to renew the token when it expires. */
  LoginResponse login(String user, String password) {
    this.user = user;
    this.password = password;
    return renew();
  }

  /** The last login's response, or null when a token was given. */
  LoginResponse lastLogin() {
    return login;
  }

  void useToken(String token) {
    this.token = token;
  }

  /** Runs one request (its statements separated by {@code ;}). */
  ExecuteResponse execute(String sql) {
    ExecuteRequest request = ExecuteRequest.newBuilder().setSql(sql).build();
    try {
      return statements().execute(request);
    } catch (StatusRuntimeException e) {
      // A rejected token never reached the runner, so running the request again is safe.
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED && user != null) {
        renew();
        try {
          return statements().execute(request);
        } catch (StatusRuntimeException again) {
          throw CallFailure.of(again, url);
        }
      }
      throw CallFailure.of(e, url);
    }
  }

  /**
   * Starts a one-shot subscription (LiveService.Subscribe). Its events arrive through the iterator
   * as they are read, so the server cannot outrun the reader; cancel the current {@link
   * io.grpc.Context} to end the call. Failures surface from the iterator as {@link
   * StatusRuntimeException}.
   */
  Iterator<LiveEvent> subscribe(String sql) {
    Iterator<LiveEventBatch> batches =
        LiveServiceGrpc.newBlockingStub(channel)
            .withInterceptors(new BearerToken())
            .subscribe(SubscribeRequest.newBuilder().setSql(sql).build());
    return new Iterator<>() {
      private Iterator<LiveEvent> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && batches.hasNext()) {
          current = batches.next().getEventsList().iterator();
        }
        return current.hasNext();
      }

      @Override
      public LiveEvent next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /** True when the token came from a login, so an expired one can be renewed. */
  boolean canRenew() {
    return user != null;
  }

  /** Logs in again with the credentials of the last login. */
  void renewToken() {
    renew();
  }

  private LoginResponse renew() {
    try {
      login =
          AuthServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(LOGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build());
    } catch (StatusRuntimeException e) {
      CallFailure failure = CallFailure.of(e, url);
      throw new CallFailure(failure.error(), true);
    }
    token = login.getToken();
    return login;
  }

  private StatementServiceGrpc.StatementServiceBlockingStub statements() {
    return StatementServiceGrpc.newBlockingStub(channel).withInterceptors(new BearerToken());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Adds {@code authorization: Bearer <token>} to each call. */
  private final class BearerToken implements ClientInterceptor {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          String current = token;
          if (current != null) {
            headers.put(AUTHORIZATION, "Bearer " + current);
          }
          super.start(listener, headers);
        }
      };
    }
  }
}
