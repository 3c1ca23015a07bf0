package io.tributary.server.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.tributary.api.v1.AuthServiceGrpc;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.Principal;
import io.tributary.server.StatementRunner;
import io.tributary.server.auth.TokenService;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code authorization: Bearer <token>} on every call except login, health and reflection,
 * and makes the verified {@link Principal} available as {@link #PRINCIPAL} in the gRPC {@link
 * Context} of the call. A token is accepted only while its account exists and has not changed its
 * password since the token was issued ({@link StatementRunner#revalidate}).
 */
final class AuthInterceptor implements ServerInterceptor {
  /** The caller of the current call; set for every call that needs a token. */
  static final Context.Key<Principal> PRINCIPAL = Context.key("tributary-principal");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);
  private static final String BEARER = "bearer ";
  private static final Set<String> OPEN_METHODS =
      Set.of(AuthServiceGrpc.getLoginMethod().getFullMethodName());
  private static final Set<String> OPEN_SERVICES =
      Set.of(
          HealthGrpc.SERVICE_NAME,
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  private final TokenService tokens;
  private final StatementRunner accounts;

  AuthInterceptor(TokenService tokens, StatementRunner accounts) {
    this.tokens = tokens;
    this.accounts = accounts;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    var method = call.getMethodDescriptor();
    if (OPEN_METHODS.contains(method.getFullMethodName())
        || OPEN_SERVICES.contains(method.getServiceName())) {
      return next.startCall(call, headers);
    }
    Principal principal;
    try {
      principal = accounts.revalidate(tokens.verify(bearerToken(headers.get(AUTHORIZATION))));
    } catch (TributaryException e) {
      return reject(call, Errors.toStatus(e));
    } catch (RuntimeException e) {
      LOG.error("Token check failed with an unexpected error", e);
      return reject(call, Errors.internal());
    }
    Context context = Context.current().withValue(PRINCIPAL, principal);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> reject(
      ServerCall<ReqT, RespT> call, StatusRuntimeException status) {
    call.close(status.getStatus(), status.getTrailers());
    return new ServerCall.Listener<>() {};
  }

  /**
   * The token of an {@code authorization} header value (also used by {@code /metrics}).
   *
   * @throws TributaryException UNAUTHENTICATED when the header is missing or not {@code Bearer}
   */
  static String bearerToken(String header) {
    if (header == null) {
      throw new TributaryException(
          ErrorCode.UNAUTHENTICATED,
          "Cannot authenticate: missing 'authorization: Bearer <token>' header (log in first)");
    }
    String trimmed = header.trim();
    if (trimmed.length() <= BEARER.length()
        || !trimmed.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      throw new TributaryException(
          ErrorCode.UNAUTHENTICATED,
          "Cannot authenticate: the authorization header must read 'Bearer <token>'");
    }
    return trimmed.substring(BEARER.length()).trim();
  }
}
