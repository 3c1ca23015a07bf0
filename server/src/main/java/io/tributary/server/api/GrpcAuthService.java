package io.tributary.server.api;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.api.v1.LoginRequest;
import io.tributary.api.v1.LoginResponse;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Login: checks a password with the runner and issues a token. */
final class GrpcAuthService extends AuthServiceGrpc.AuthServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcAuthService.class);

  private final StatementRunner runner;
  private final TokenService tokens;
  private final Counter succeeded;
  private final Counter failed;

  GrpcAuthService(StatementRunner runner, TokenService tokens, MeterRegistry registry) {
    this.runner = runner;
    this.tokens = tokens;
    this.succeeded =
        Counter.builder("tributary.logins")
            .description("Login attempts")
            .tag("result", "ok")
            .register(registry);
    this.failed =
        Counter.builder("tributary.logins")
            .description("Login attempts")
            .tag("result", "failed")
            .register(registry);
  }

  @Override
  public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
    Blocking.run(() -> loginNow(request, response));
  }

  private void loginNow(LoginRequest request, StreamObserver<LoginResponse> response) {
    try {
      Principal principal = runner.authenticate(request.getUser(), request.getPassword());
      TokenService.IssuedToken token = tokens.issue(principal);
      succeeded.increment();
      response.onNext(
          LoginResponse.newBuilder()
              .setToken(token.token())
              .setExpiresAtMillis(token.expiresAt().toEpochMilli())
              .setUser(principal.user())
              .setRole(principal.role().sqlName())
              .build());
      response.onCompleted();
    } catch (TributaryException e) {
      failed.increment();
      if (e.code() == ErrorCode.AUTHENTICATION_FAILED) {
        // The user name is user data, and the message is the same for both causes on purpose.
        LOG.debug("Login failed: {}", e.getMessage());
      } else {
        LOG.warn("Login failed: {} {}", e.code(), e.getMessage());
      }
      response.onError(Errors.toStatus(e));
    } catch (RuntimeException e) {
      failed.increment();
      LOG.error("Login failed with an unexpected error", e);
      response.onError(Errors.internal());
    }
  }
}
