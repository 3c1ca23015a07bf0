package io.tributary.server.api;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.ServerConfig;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 *   <li>{@code GET /metrics} (Prometheus text) and {@code GET /health} ({@code 200 ok}).
 * </ul>
 *
 * <p>Every gRPC call but {@code AuthService/Login}, health and reflection needs {@code
 * authorization: Bearer <token>} with a token from {@link TokenService}; a missing, invalid or
 * expired token fails with {@code UNAUTHENTICATED}. Failures carry an {@code ErrorDetail} with a
 * stable error code in their trailers; a request whose body cannot be read fails with {@code
 * INVALID_ARGUMENT}. An unexpected exception fails only its own call, with {@code INTERNAL}; the
 * cause goes to the server log, never to the client.
 *
 * <p>Lifecycle: {@link #start} returns a listening server; {@link #close} stops it (idempotent).
 * Calls that wait (statements, logins, adding subscriptions) run on Armeria's blocking task
 * executor, so a slow runner never stalls the event loops; the rest, live streams' flow-control
 * callbacks among them, runs on the event loops. Thread-safe.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final MediaType PROMETHEUS_TEXT =
      MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

  /** How long close() lets calls in flight finish before cancelling them. */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);

  private final Server server;
  private final HealthStatusManager health;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ApiServer(Server server, HealthStatusManager health, int port) {
    this.server = server;
    this.health = health;
    this.port = port;
  }

  /**
   * Starts listening on {@code config.bind()}:{@code config.port()} (port 0 picks a free port; see
   * {@link #port()}) and returns once the port is open and health reports {@code SERVING}.
   *
   * @throws TributaryException UNAVAILABLE when the address cannot be bound
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
    HealthStatusManager health = new HealthStatusManager();
    GrpcServiceBuilder builder = GrpcService.builder();
    services.forEach(builder::addService);
    GrpcService grpc =
        builder
            .addService(new GrpcAuthService(runner, tokens, registry))
            .addService(new GrpcStatementService(runner, registry))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .intercept(new AuthInterceptor(tokens))
            .exceptionHandler(new MalformedRequests())
            .enableUnframedRequests(false)
            .build();
    Server server =
        Server.builder()
            .http(new InetSocketAddress(config.bind(), config.port()))
            // Clients set deadlines; long-lived streams must not be cut by a server default.
            .requestTimeout(Duration.ZERO)
            .gracefulShutdownTimeout(Duration.ZERO, SHUTDOWN_TIMEOUT)
            .meterRegistry(registry)
            .service(grpc)
            .service("/health", (ctx, req) -> HttpResponse.of("ok"))
            .service(
                "/metrics",
                (ctx, req) ->
                    HttpResponse.of(
                        CompletableFuture.supplyAsync(
                            () ->
                                HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, registry.scrape()),
                            ctx.blockingTaskExecutor())))
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
    return new ApiServer(server, health, port);
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
    health.enterTerminalState();
    server.stop().join();
    LOG.debug("API on port {} stopped", port);
  }
}
