package io.tributary.client.internal;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.tributary.api.v1.ExecuteRequest;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.api.v1.StatementServiceGrpc;
import io.tributary.api.v1.StatementServiceGrpc.StatementServiceBlockingStub;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.api.v1.Value;
import io.tributary.client.ErrorCode;
import io.tributary.client.EventStream;
import io.tributary.client.LiveQuery;
import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import io.tributary.client.Session;
import io.tributary.client.StatementResult;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link TributaryClient} over a gRPC channel, which it owns. */
public final class GrpcTributaryClient implements TributaryClient {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcTributaryClient.class);

  /** Query results arrive in one message, so allow far more than gRPC's default of 4 MiB. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 256 << 20;

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ManagedChannel channel;
  private final Channel authenticated;
  private final Duration callTimeout;
  private final long callTimeoutNanos;
  private final LiveConnection.Options liveOptions;
  private final AuthServiceBlockingStub auth;
  private final StatementServiceBlockingStub statements;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String token;
  private LiveConnection live; // guarded by this; created by the first subscription

  /** A client over {@code channel}; it shuts the channel down on {@link #close()}. */
  GrpcTributaryClient(ManagedChannel channel, Duration callTimeout) {
    this(channel, callTimeout, LiveConnection.Options.DEFAULT);
  }

  /** A client whose live stream reconnects as {@code liveOptions} say. */
  GrpcTributaryClient(
      ManagedChannel channel, Duration callTimeout, LiveConnection.Options liveOptions) {
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.callTimeoutNanos = callTimeout.toNanos();
    this.liveOptions = liveOptions;
    // Login goes out on the bare channel: it must not carry a stale token.
    this.auth = AuthServiceGrpc.newBlockingStub(channel);
    this.authenticated =
        ClientInterceptors.intercept(channel, new BearerTokenInterceptor(() -> token));
    this.statements = StatementServiceGrpc.newBlockingStub(authenticated);
  }

  /** See {@link TributaryClient#connect(String, Duration)}. */
  public static TributaryClient connect(String url, Duration callTimeout) {
    URI uri = parse(url, callTimeout);
    boolean tls = uri.getScheme().equalsIgnoreCase("https");
    return connect(
        uri,
        callTimeout,
        tls ? TlsChannelCredentials.create() : InsecureChannelCredentials.create());
  }

  /** See {@link TributaryClient#connect(String, Duration, Path)}. */
  public static TributaryClient connect(
      String url, Duration callTimeout, Path trustedCertificates) {
    Objects.requireNonNull(trustedCertificates, "trustedCertificates");
    URI uri = parse(url, callTimeout);
    if (!uri.getScheme().equalsIgnoreCase("https")) {
      throw new IllegalArgumentException(
          "Cannot connect to '" + url + "': trusted certificates need an https:// URL");
    }
    String cannotRead =
        "Cannot connect to '"
            + url
            + "': cannot read trusted certificates from "
            + trustedCertificates;
    ChannelCredentials credentials;
    try {
      byte[] pem = Files.readAllBytes(trustedCertificates);
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem))
          .isEmpty()) {
        throw new IllegalArgumentException(cannotRead + ": the file holds no PEM certificate");
      }
      credentials =
          TlsChannelCredentials.newBuilder().trustManager(new ByteArrayInputStream(pem)).build();
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException(cannotRead + ": " + e.getMessage(), e);
    }
    return connect(uri, callTimeout, credentials);
  }

  private static TributaryClient connect(
      URI uri, Duration callTimeout, ChannelCredentials credentials) {
    boolean tls = uri.getScheme().equalsIgnoreCase("https");
    int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(uri.getHost(), port, credentials)
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    return new GrpcTributaryClient(builder.build(), callTimeout);
  }

  private static URI parse(String url, Duration callTimeout) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException(
          "Cannot connect to '" + url + "': call timeout must be positive, got " + callTimeout);
    }
    return parse(url);
  }

  private static URI parse(String url) {
    String expected = "expected http://host:port or https://host:port";
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Cannot connect to '" + url + "': " + expected, e);
    }
    String scheme = uri.getScheme();
    boolean knownScheme =
        scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
    boolean bare =
        uri.getUserInfo() == null
            && uri.getQuery() == null
            && uri.getFragment() == null
            && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"));
    if (!knownScheme || uri.getHost() == null || !bare) {
      throw new IllegalArgumentException("Cannot connect to '" + url + "': " + expected);
    }
    return uri;
  }

  @Override
  public Session login(String user, String password) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    String action = "log in";
    requireOpen(action);
    LoginResponse response;
    try {
      response =
          auth.withDeadlineAfter(callTimeoutNanos, TimeUnit.NANOSECONDS)
              .login(LoginRequest.newBuilder().setUser(user).setPassword(password).build());
    } catch (StatusRuntimeException e) {
      TributaryException failure = Errors.fromCall(action, e);
      // On Login, an UNAUTHENTICATED status without a Tributary code can only mean a refused
      // password; give it the code the contract promises.
      if (failure.errorCode() == ErrorCode.UNAUTHENTICATED) {
        throw new TributaryException(ErrorCode.AUTHENTICATION_FAILED, failure.getMessage(), e);
      }
      throw failure;
    }
    token = response.getToken();
    return new Session(
        response.getUser(),
        response.getRole(),
        response.getToken(),
        Instant.ofEpochMilli(response.getExpiresAtMillis()));
  }

  @Override
  public TributaryClient withToken(String token) {
    this.token = Objects.requireNonNull(token, "token");
    return this;
  }

  @Override
  public TopicConsumer consumer(String topicOrTable) {
    requireOpen("consume " + topicOrTable);
    return new StreamingConsumer(this, authenticated, topicOrTable, closed::get);
  }

  @Override
  public List<StatementResult> execute(String sql, Object... params) {
    ExecuteResponse response = call(sql, params);
    List<StatementResult> results = new ArrayList<>(response.getResultsCount());
    for (io.tributary.api.v1.StatementResult result : response.getResultsList()) {
      results.add(DecodedStatementResult.decode(result));
    }
    return Collections.unmodifiableList(results);
  }

  @Override
  public ResultSet query(String sql, Object... params) {
    List<StatementResult> results = execute(sql, params);
    throwFirstError(results);
    if (results.size() != 1) {
      throw new TributaryException(
          TributaryException.NOT_A_QUERY,
          "Cannot run query: expected exactly one statement, got " + results.size());
    }
    StatementResult result = results.get(0);
    if (result.kind() != StatementResult.Kind.ROWS) {
      throw new TributaryException(
          TributaryException.NOT_A_QUERY,
          "Cannot run query: the statement returned " + result.kind() + ", not rows");
    }
    return result.rows();
  }

  @Override
  public long update(String sql, Object... params) {
    List<StatementResult> results = execute(sql, params);
    throwFirstError(results);
    if (results.isEmpty()) {
      return 0;
    }
    StatementResult last = results.get(results.size() - 1);
    return last.kind() == StatementResult.Kind.ROWS_AFFECTED ? last.rowsAffected() : 0;
  }

  @Override
  public Subscription subscribe(String sql, SubscriptionListener listener, Object... params) {
    Objects.requireNonNull(listener, "listener");
    return subscribe(sql, listener, false, params);
  }

  @Override
  public LiveQuery live(String sql, Consumer<List<Row>> onRows, Object... params) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(onRows, "onRows");
    ReconciledLiveQuery query = new ReconciledLiveQuery(onRows);
    query.attach(subscribe(sql, query, true, params));
    return query;
  }

  @Override
  public EventStream stream(String sql, Object... params) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(
        params, "params must not be null; pass (Object) null to bind a single SQL NULL");
    requireOpen("subscribe");
    SubscribeRequest.Builder request = SubscribeRequest.newBuilder().setSql(sql);
    for (int i = 0; i < params.length; i++) {
      request.addParams(Values.toProto(params[i], i + 1));
    }
    return OneShotStream.open(authenticated, request.build());
  }

  private Subscription subscribe(
      String sql, SubscriptionListener listener, boolean resnapshots, Object... params) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(
        params, "params must not be null; pass (Object) null to bind a single SQL NULL");
    requireOpen("subscribe");
    List<Value> values = new ArrayList<>(params.length);
    for (int i = 0; i < params.length; i++) {
      values.add(Values.toProto(params[i], i + 1));
    }
    return liveConnection().subscribe(sql, values, listener, resnapshots);
  }

  private synchronized LiveConnection liveConnection() {
    requireOpen("subscribe");
    if (live == null) {
      live = new LiveConnection(authenticated, callTimeout, liveOptions);
    }
    return live;
  }

  private static void throwFirstError(List<StatementResult> results) {
    for (StatementResult result : results) {
      if (result.error().isPresent()) {
        throw result.error().get();
      }
    }
  }

  private ExecuteResponse call(String sql, Object... params) {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(
        params, "params must not be null; pass (Object) null to bind a single SQL NULL");
    String action = "execute statements";
    requireOpen(action);
    ExecuteRequest.Builder request = ExecuteRequest.newBuilder().setSql(sql);
    for (int i = 0; i < params.length; i++) {
      request.addParams(Values.toProto(params[i], i + 1));
    }
    try {
      return statements
          .withDeadlineAfter(callTimeoutNanos, TimeUnit.NANOSECONDS)
          .execute(request.build());
    } catch (StatusRuntimeException e) {
      throw Errors.fromCall(action, e);
    }
  }

  private void requireOpen(String action) {
    if (closed.get()) {
      throw new IllegalStateException("Cannot " + action + ": the client is closed");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LiveConnection liveConnection;
    synchronized (this) {
      liveConnection = live;
    }
    if (liveConnection != null) {
      liveConnection.close();
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Calls still running {} after close: cancelling them", CLOSE_GRACE);
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
