package io.tributary.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.client.ErrorCode;
import io.tributary.client.TransportException;
import io.tributary.client.TributaryException;
import java.net.ConnectException;
import java.net.UnknownHostException;

/** Turns failed calls and statement errors into {@link TributaryException}s. */
final class Errors {

  /**
   * The trailer of a failed call that carries its Tributary error ("tributary.v1.ErrorDetail-bin").
   */
  static final Metadata.Key<ErrorDetail> ERROR_DETAIL_KEY =
      ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  private Errors() {}

  /** The exception of a statement's error. */
  static TributaryException fromStatementError(io.tributary.api.v1.Error error) {
    return new TributaryException(
        code(error), error.getMessage(), error.getLine(), error.getColumn(), null);
  }

  /**
   * The code of an error from the server: its {@code error_code}, which is authoritative, or else
   * (a server older than that field, or a code newer than this SDK) its {@code code} string. The
   * SDK's {@link io.tributary.client.ErrorCode} has a constant of the same name for every value of
   * the protocol's enum, so the name is the whole mapping.
   */
  static String code(io.tributary.api.v1.Error error) {
    io.tributary.api.v1.ErrorCode code = error.getErrorCode();
    if (code == io.tributary.api.v1.ErrorCode.ERROR_CODE_UNSPECIFIED
        || code == io.tributary.api.v1.ErrorCode.UNRECOGNIZED) {
      return error.getCode();
    }
    return code.name();
  }

  /**
   * The exception of a failed call.
   *
   * @param action what the call was doing, for the message: "Cannot {action}: {description}"
   * @param failure what the stub threw
   */
  static TributaryException fromCall(String action, Throwable failure) {
    Status status = Status.fromThrowable(failure);
    Metadata trailers = Status.trailersFromThrowable(failure);
    ErrorDetail detail = detail(status, trailers);
    if (detail != null && !code(detail.getError()).isEmpty()) {
      io.tributary.api.v1.Error error = detail.getError();
      return new TributaryException(
          code(error), error.getMessage(), error.getLine(), error.getColumn(), failure);
    }
    ErrorCode code =
        switch (status.getCode()) {
          case UNAVAILABLE -> ErrorCode.UNAVAILABLE;
          case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
          case DEADLINE_EXCEEDED -> ErrorCode.DEADLINE_EXCEEDED;
          default -> ErrorCode.INTERNAL;
        };
    String description =
        status.getDescription() != null ? status.getDescription() : status.getCode().toString();
    return new TransportException(
        code, "Cannot " + action + ": " + description, reason(status), failure);
  }

  /**
   * What the transport saw, for a failure without a Tributary error: the root cause's own words
   * ("connection refused", "unknown host h"), else the status' description, else its code.
   */
  private static String reason(Status status) {
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null) {
      root = root.getCause();
    }
    if (root instanceof ConnectException) {
      return "connection refused";
    }
    if (root instanceof UnknownHostException) {
      return "unknown host " + root.getMessage();
    }
    if (root != null && root.getMessage() != null) {
      return root.getMessage();
    }
    if (status.getDescription() != null) {
      return status.getDescription();
    }
    return status.getCode().name();
  }

  /**
   * The error detail of a failed call: from its own trailer, or else packed in the standard
   * grpc-status-details-bin trailer (google.rpc.Status), which the proto's comment also names.
   */
  private static ErrorDetail detail(Status status, Metadata trailers) {
    if (trailers == null) {
      return null;
    }
    ErrorDetail detail = trailers.get(ERROR_DETAIL_KEY);
    if (detail != null) {
      return detail;
    }
    com.google.rpc.Status rich = StatusProto.fromStatusAndTrailers(status, trailers);
    if (rich == null) {
      return null;
    }
    for (Any any : rich.getDetailsList()) {
      if (any.is(ErrorDetail.class)) {
        try {
          return any.unpack(ErrorDetail.class);
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }
}
