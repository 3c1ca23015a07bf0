package io.tributary.server.api;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.query.Authorizer;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /metrics}: the Prometheus text of the server's registry, for a caller presenting
 * {@code Authorization: Bearer <token>} of a dba or system user. Without a valid token it answers
 * {@code 401} (with {@code WWW-Authenticate: Bearer}); with the token of another role, {@code 403}.
 * Metrics describe the whole node (statement and login rates, open subscriptions, the JVM), which
 * is the operators' business, not every user's.
 */
final class MetricsService implements HttpService {
  private static final MediaType PROMETHEUS_TEXT =
      MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

  private final TokenService tokens;
  private final StatementRunner accounts;
  private final PrometheusMeterRegistry registry;

  MetricsService(TokenService tokens, StatementRunner accounts, PrometheusMeterRegistry registry) {
    this.tokens = tokens;
    this.accounts = accounts;
    this.registry = registry;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    Principal principal;
    try {
      // The account's current role, and only while the token is not revoked (dropped account,
      // changed password), as for every gRPC call.
      principal =
          accounts.revalidate(
              tokens.verify(
                  AuthInterceptor.bearerToken(req.headers().get(HttpHeaderNames.AUTHORIZATION))));
    } catch (TributaryException e) {
      return HttpResponse.of(
          ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
              .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tributary\"")
              .contentType(MediaType.PLAIN_TEXT_UTF_8)
              .build(),
          HttpData.ofUtf8(e.getMessage() + "\n"));
    }
    if (!Authorizer.mayReadMetrics(principal.role())) {
      return HttpResponse.of(
          HttpStatus.FORBIDDEN,
          MediaType.PLAIN_TEXT_UTF_8,
          "Cannot read metrics: role %s may not read them (dba or system required)\n",
          principal.role().sqlName());
    }
    return HttpResponse.of(
        CompletableFuture.supplyAsync(
            () -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, registry.scrape()),
            ctx.blockingTaskExecutor()));
  }
}
