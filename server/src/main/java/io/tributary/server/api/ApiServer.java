package io.tributary.server.api;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.iceberg.ColdCatalogView;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.HealthCheck;
import io.tributary.server.ServerConfig;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network face of a Tributary server: one HTTP port serving
 *
 * <ul>
 *   <li>the gRPC services of {@code tributary/v1} ({@code AuthService}, {@code StatementService})
 *       as native gRPC (HTTP/2) and gRPC-Web (HTTP/1.1, for browsers), with CORS that exposes the
 *       {@code grpc-status}, {@code grpc-message} and {@code grpc-status-details-bin} headers;
 *   <li>the standard gRPC health service ({@code SERVING} once started) and server reflection;
 *   <li>{@code GET /metrics} (Prometheus text, for a bearer token of a dba or system user; see
 *       {@link MetricsService}) and {@code GET /health} ({@code 200 ok}, open);
 *   <li>when given the cold tier's catalog, a read-only Iceberg REST catalog under {@code /iceberg}
 *       (for a bearer token of a dba or system user; see {@link IcebergRestService}).
 * </ul>
 *
 * <p>With {@link ServerConfig#tls()} the port speaks HTTPS only (gRPC over TLS with ALPN {@code
 * h2}, gRPC-Web over HTTPS/1.1): a plaintext connection fails its handshake. Without it, binding an
 * address other than loopback logs a warning.
 *
 * <p>Every gRPC call but {@code AuthService/Login}, health and reflection needs {@code
 * authorization: Bearer <token>} with a token from {@link TokenService}; a missing, invalid or
 * expired token, or one whose account was dropped or changed its password since, fails with {@code
 * UNAUTHENTICATED}. Failures carry an {@code ErrorDetail} with a stable error code in their
 * trailers; a request whose body cannot be read fails with {@code INVALID_ARGUMENT}. An unexpected
 * exception fails only its own call, with {@code INTERNAL}; the cause goes to the server log, never
 * to the client.
 *
 * <p>Lifecycle: {@link #start} returns a listening server; {@link #close} stops it (idempotent).
 * Calls that wait (statements, logins, adding subscriptions) run on Armeria's blocking task
 * executor, so a slow runner never stalls the event loops; the rest, live streams' flow-control
 * callbacks among them, runs on the event loops. Thread-safe.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  /** How long close() lets calls in flight finish before cancelling them. */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);

  private final Server server;
  private final HealthStatusManager health;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile java.util.concurrent.ScheduledFuture<?> healthUpdates;
  private volatile String lastProblem;

  private ApiServer(Server server, HealthStatusManager health, int port) {
    this.server = server;
    this.health = health;
    this.port = port;
  }

  /**
   * Starts listening on {@code config.bind()}:{@code config.port()} (port 0 picks a free port; see
   * {@link #port()}) and returns once the port is open and health reports {@code SERVING}.
   *
   * @throws TributaryException UNAVAILABLE when the address cannot be bound; INVALID_ARGUMENT when
   *     the TLS certificate or key cannot be used
   */
  public static ApiServer start(
      ServerConfig config,
      StatementRunner runner,
      TokenService tokens,
      PrometheusMeterRegistry registry) {
    return start(config, runner, tokens, registry, List.of());
  }

  /**
   * Like {@link #start(ServerConfig, StatementRunner, TokenService, PrometheusMeterRegistry)}, also
   * serving {@code services} behind the same authentication.
   */
  public static ApiServer start(
      ServerConfig config,
      StatementRunner runner,
      TokenService tokens,
      PrometheusMeterRegistry registry,
      List<BindableService> services) {
    return start(config, runner, tokens, registry, services, HealthCheck.ALWAYS);
  }

  /**
   * Like {@link #start(ServerConfig, StatementRunner, TokenService, PrometheusMeterRegistry,
   * List)}; {@code check} decides what health reports: {@code GET /health} answers {@code 200 ok},
   * or {@code 503 not serving: <reason>}, and the gRPC health service follows within a second.
   */
  public static ApiServer start(
      ServerConfig config,
      StatementRunner runner,
      TokenService tokens,
      PrometheusMeterRegistry registry,
      List<BindableService> services,
      HealthCheck check) {
    return start(config, runner, tokens, registry, services, check, null);
  }

  /**
   * Like {@link #start(ServerConfig, StatementRunner, TokenService, PrometheusMeterRegistry, List,
   * HealthCheck)}, also serving the read-only Iceberg REST catalog of {@code coldCatalog} under
   * {@code /iceberg} (see {@link IcebergRestService}); null serves none.
   */
  public static ApiServer start(
      ServerConfig config,
      StatementRunner runner,
      TokenService tokens,
      PrometheusMeterRegistry registry,
      List<BindableService> services,
      HealthCheck check,
      ColdCatalogView coldCatalog) {
    HealthStatusManager health = new HealthStatusManager();
    GrpcServiceBuilder builder = GrpcService.builder();
    services.forEach(builder::addService);
    GrpcService grpc =
        builder
            .addService(new GrpcAuthService(runner, tokens, registry))
            .addService(new GrpcStatementService(runner, registry))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .intercept(new AuthInterceptor(tokens, runner))
            .exceptionHandler(new MalformedRequests())
            .enableUnframedRequests(false)
            .build();
    InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
    ServerBuilder sb = Server.builder();
    if (config.tls() != null) {
      TlsMaterial tls = TlsMaterial.load(config.tls());
      if (tls.notAfter().isBefore(Instant.now())) {
        LOG.warn(
            "The TLS certificate in {} expired at {}: clients will refuse it",
            config.tls().certificateChain(),
            tls.notAfter());
      }
      // HTTPS only: a plaintext connection fails its TLS handshake.
      sb.https(address).tls(tls.privateKey(), tls.certificateChain());
    } else {
      sb.http(address);
      warnIfExposed(config.bind());
    }
    if (coldCatalog != null) {
      sb.serviceUnder(
          IcebergRestService.PREFIX, new IcebergRestService(tokens, runner, coldCatalog));
    }
    Server server =
        sb
            // Clients set deadlines; long-lived streams must not be cut by a server default.
            .requestTimeout(Duration.ZERO)
            .gracefulShutdownTimeout(Duration.ZERO, SHUTDOWN_TIMEOUT)
            .meterRegistry(registry)
            .service(grpc)
            .service(
                "/health",
                (ctx, req) -> {
                  String problem = check.problem();
                  return problem == null
                      ? HttpResponse.of("ok")
                      : HttpResponse.of(
                          HttpStatus.SERVICE_UNAVAILABLE,
                          MediaType.PLAIN_TEXT_UTF_8,
                          "not serving: " + problem);
                })
            .service("/metrics", new MetricsService(tokens, runner, registry))
            .decorator(
                CorsService.builderForAnyOrigin()
                    .allowRequestMethods(HttpMethod.POST, HttpMethod.GET, HttpMethod.OPTIONS)
                    .allowRequestHeaders(
                        "authorization",
                        "content-type",
                        "x-grpc-web",
                        "x-user-agent",
                        "grpc-timeout",
                        "connect-protocol-version",
                        "connect-timeout-ms")
                    .exposeHeaders(
                        "grpc-status",
                        "grpc-message",
                        "grpc-status-details-bin",
                        "tributary.v1.errordetail-bin")
                    .maxAge(Duration.ofHours(1))
                    .newDecorator())
            .build();
    try {
      server.start().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      server.closeAsync();
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          String.format(
              "Cannot listen on %s:%d: %s", config.bind(), config.port(), cause.getMessage()),
          cause);
    }
    int port = server.activeLocalPort();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    LOG.debug("API listening on {}:{}", config.bind(), port);
    ApiServer api = new ApiServer(server, health, port);
    if (check != HealthCheck.ALWAYS) {
      api.followHealth(check);
    }
    return api;
  }

  /** Sets the gRPC health status from {@code check} once a second, logging each change. */
  private void followHealth(HealthCheck check) {
    healthUpdates =
        server
            .config()
            .blockingTaskExecutor()
            .scheduleWithFixedDelay(
                () -> {
                  if (closed.get()) {
                    return;
                  }
                  String problem = check.problem();
                  if (!java.util.Objects.equals(problem, lastProblem)) {
                    if (problem == null) {
                      LOG.info("Serving again");
                    } else {
                      LOG.warn("Not serving: {}", problem);
                    }
                    lastProblem = problem;
                    health.setStatus(
                        HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
                        problem == null ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
                  }
                },
                1,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
  }

  /** A plaintext port on an address other hosts can reach carries tokens and passwords in clear. */
  private static void warnIfExposed(String bind) {
    boolean loopback;
    try {
      loopback = InetAddress.getByName(bind).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return; // the bind itself fails and says why
    }
    if (!loopback) {
      LOG.warn(
          "Serving plaintext HTTP on {}, which other hosts can reach: passwords and tokens cross"
              + " the network unencrypted. Start with --tls-cert and --tls-key, or put a TLS proxy"
              + " in front and bind 127.0.0.1",
          bind);
    }
  }

  /** The port the server listens on (the actual one when started with port 0). */
  public int port() {
    return port;
  }

  /**
   * Reports {@code NOT_SERVING} to health checks, lets calls in flight finish for a few seconds,
   * then closes the port. Idempotent; blocks until stopped.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (healthUpdates != null) {
      healthUpdates.cancel(false);
    }
    health.enterTerminalState();
    server.stop().join();
    LOG.debug("API on port {} stopped", port);
  }
}
