package io.tributary.server.cli;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import java.net.ConnectException;
import java.net.UnknownHostException;

/**
 * A call that failed as a whole, as opposed to one statement failing inside a successful Execute.
 * {@link #fatal()} failures (the server cannot be reached, or does not accept our credentials) end
 * a non-interactive session with exit status 2.
 */
final class CallFailure extends RuntimeException {
  private static final Metadata.Key<ErrorDetail> DETAIL_KEY =
      ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  private final transient Error error;
  private final boolean fatal;

  CallFailure(Error error, boolean fatal) {
    super(ErrorCodes.code(error) + ": " + error.getMessage());
    this.error = error;
    this.fatal = fatal;
  }

  /** A fatal failure found on this side (bad URL, missing credentials): it has no error code. */
  static CallFailure local(String message) {
    return new CallFailure(Error.newBuilder().setMessage(message).build(), true);
  }

  /** Reads the Tributary error from a status' trailers, or describes a transport failure. */
  static CallFailure of(StatusRuntimeException e, String url) {
    Status status = e.getStatus();
    Metadata trailers = e.getTrailers();
    ErrorDetail detail = trailers == null ? null : trailers.get(DETAIL_KEY);
    if (detail != null && detail.hasError()) {
      boolean fatal =
          status.getCode() == Status.Code.UNAVAILABLE
              || status.getCode() == Status.Code.UNAUTHENTICATED;
      return new CallFailure(detail.getError(), fatal);
    }
    // No Tributary detail: the server was not reached, or is not a Tributary server.
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null) {
      root = root.getCause();
    }
    String reason;
    if (root instanceof ConnectException) {
      reason = "connection refused";
    } else if (root instanceof UnknownHostException) {
      reason = "unknown host " + root.getMessage();
    } else if (root != null && root.getMessage() != null) {
      reason = root.getMessage();
    } else if (status.getDescription() != null) {
      reason = status.getDescription();
    } else {
      reason = status.getCode().name();
    }
    return new CallFailure(
        ErrorCodes.transport(status.getCode())
            .setMessage("Cannot connect to " + url + ": " + reason)
            .build(),
        true);
  }

  Error error() {
    return error;
  }

  boolean fatal() {
    return fatal;
  }
}
