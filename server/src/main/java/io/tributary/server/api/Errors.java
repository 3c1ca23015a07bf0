package io.tributary.server.api;

import com.google.protobuf.Any;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;

/**
 * Maps Tributary errors to gRPC: a status code chosen from the {@link ErrorCode}, and the stable
 * code (as the protocol's {@code ErrorCode} and as its name), message and position in an {@link
 * ErrorDetail}, sent twice in the trailers: under {@code tributary.v1.ErrorDetail-bin}, and packed
 * in the standard {@code grpc-status-details-bin} ({@code google.rpc.Status}) that generic tools
 * (grpcurl, gRPC-Web clients) decode.
 *
 * <p>The message travels three times in the trailers (and twice in base64), and gRPC clients refuse
 * trailers above 8 KiB by default (the call then fails with an HTTP/2 {@code PROTOCOL_ERROR}
 * instead of the error). So a trailer message is cut to {@value #MAX_TRAILER_MESSAGE_CHARS}
 * characters: an error that quotes a long statement (a 60 KB identifier) still reaches the client
 * with its code. Errors in a response body ({@code Execute}) keep their whole message.
 */
public final class Errors {
  static final Metadata.Key<ErrorDetail> DETAIL_KEY =
      ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  /** The standard rich-status trailer, as {@code io.grpc.protobuf.StatusProto} reads it. */
  static final Metadata.Key<com.google.rpc.Status> STATUS_DETAILS_KEY =
      Metadata.Key.of(
          "grpc-status-details-bin",
          ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

  /** What a client sees for a failure the server did not expect; the cause is only logged. */
  static final String INTERNAL_MESSAGE = "Cannot execute: internal error (see server log)";

  private Errors() {}

  public static Error toProto(TributaryException e) {
    return error(e.code())
        .setMessage(String.valueOf(e.getMessage()))
        .setLine(e.line())
        .setColumn(e.column())
        .build();
  }

  /** A call-level failure carrying the exception's code and message in its trailers. */
  public static StatusRuntimeException toStatus(TributaryException e) {
    return toStatus(statusOf(e.code()), toProto(e));
  }

  static StatusRuntimeException toStatus(Status status, Error error) {
    error = forTrailers(error);
    Metadata trailers = new Metadata();
    addDetail(trailers, status, error);
    return status.withDescription(error.getMessage()).asRuntimeException(trailers);
  }

  /** Adds the error's two detail trailers (see the class comment) to {@code trailers}. */
  static void addDetail(Metadata trailers, Status status, Error error) {
    error = forTrailers(error);
    ErrorDetail detail = ErrorDetail.newBuilder().setError(error).build();
    trailers.put(DETAIL_KEY, detail);
    trailers.discardAll(STATUS_DETAILS_KEY);
    trailers.put(
        STATUS_DETAILS_KEY,
        com.google.rpc.Status.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(error.getMessage())
            .addDetails(Any.pack(detail))
            .build());
  }

  /** The longest error message sent in trailers (see the class comment). */
  static final int MAX_TRAILER_MESSAGE_CHARS = 1024;

  /** {@code error} with its message cut to {@link #MAX_TRAILER_MESSAGE_CHARS} characters. */
  static Error forTrailers(Error error) {
    String message = error.getMessage();
    if (message.length() <= MAX_TRAILER_MESSAGE_CHARS) {
      return error;
    }
    String cut = " … (" + message.length() + " characters, cut)";
    int keep = MAX_TRAILER_MESSAGE_CHARS - cut.length();
    if (Character.isHighSurrogate(message.charAt(keep - 1))) {
      keep--;
    }
    return error.toBuilder().setMessage(message.substring(0, keep) + cut).build();
  }

  static StatusRuntimeException internal() {
    return toStatus(
        Status.INTERNAL, error(ErrorCode.INTERNAL).setMessage(INTERNAL_MESSAGE).build());
  }

  /**
   * An error carrying {@code code} in both its fields: the protocol's enum, which is authoritative,
   * and the code's name, which clients older than the enum read.
   */
  static Error.Builder error(ErrorCode code) {
    return Error.newBuilder().setCode(code.name()).setErrorCode(protoCode(code));
  }

  /**
   * The protocol's code of a server code: the same name (ErrorCodeProtocolTest keeps the two enums
   * equal).
   */
  static io.tributary.api.v1.ErrorCode protoCode(ErrorCode code) {
    return io.tributary.api.v1.ErrorCode.valueOf(code.name());
  }

  static Status statusOf(ErrorCode code) {
    switch (code) {
      case AUTHENTICATION_FAILED:
      case UNAUTHENTICATED:
        return Status.UNAUTHENTICATED;
      case PERMISSION_DENIED:
        return Status.PERMISSION_DENIED;
      case NAMESPACE_NOT_FOUND:
      case TABLE_NOT_FOUND:
      case COLUMN_NOT_FOUND:
      case FUNCTION_NOT_FOUND:
      case USER_NOT_FOUND:
      case LIVE_QUERY_NOT_FOUND:
      case POLICY_NOT_FOUND:
      case SOURCE_NOT_FOUND:
      case TOPIC_NOT_FOUND:
      case CONSUMER_GROUP_NOT_FOUND:
        return Status.NOT_FOUND;
      case NAMESPACE_EXISTS:
      case TABLE_EXISTS:
      case USER_EXISTS:
      case POLICY_EXISTS:
      case SOURCE_EXISTS:
      case TOPIC_EXISTS:
      case DUPLICATE_KEY:
        return Status.ALREADY_EXISTS;
      case NAMESPACE_NOT_EMPTY:
      case SOURCE_INVALID:
        return Status.FAILED_PRECONDITION;
      case UNSUPPORTED_STATEMENT:
        return Status.UNIMPLEMENTED;
      case UNAVAILABLE:
      case SOURCE_UNAVAILABLE:
        return Status.UNAVAILABLE;
      case TIMEOUT:
        return Status.DEADLINE_EXCEEDED;
      case TOO_MANY_ROWS:
      case LIMIT_EXCEEDED:
      case SUBSCRIBER_TOO_SLOW:
      case RATE_LIMITED:
        return Status.RESOURCE_EXHAUSTED;
      case RESUME_POSITION_LOST:
      case OFFSET_OUT_OF_RANGE:
        return Status.OUT_OF_RANGE;
      case LIVE_QUERY_KILLED:
      case WRITE_CONFLICT:
      case SCHEMA_CHANGED:
        return Status.ABORTED;
      case SYNTAX_ERROR:
      case STATEMENT_TOO_LARGE: // never retried: the same statement fails the same way
      case INVALID_ARGUMENT:
      case INVALID_DEFINITION:
      case TYPE_MISMATCH:
      case NOT_NULL_VIOLATION:
      case UNSUPPORTED_TYPE:
        return Status.INVALID_ARGUMENT;
      case INTERNAL:
      default:
        return Status.INTERNAL;
    }
  }
}
