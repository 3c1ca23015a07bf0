package io.tributary.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import io.grpc.Metadata;
import io.grpc.Status;
import io.tributary.api.v1.Error;
import io.tributary.query.ErrorCode;

/**
 * Gives a request whose body cannot be read (a gRPC or gRPC-Web frame that is cut short, or a
 * payload that is not the method's protobuf message) the status {@code INVALID_ARGUMENT} and an
 * {@link io.tributary.api.v1.ErrorDetail}, instead of Armeria's {@code INTERNAL} or {@code
 * UNKNOWN}: the client sent something that can never succeed, and the server is fine.
 *
 * <p>Armeria consults it only for failures that carry a cause (its own deframing and unmarshalling,
 * or an exception escaping a service); it returns null, keeping Armeria's status, for everything
 * else. Our services close calls with statuses of their own, without a cause.
 */
final class MalformedRequests implements GrpcExceptionHandlerFunction {
  @Override
  public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED || !isUnreadableBody(cause)) {
      return null; // a message over the size limit keeps RESOURCE_EXHAUSTED
    }
    String method = ctx.path().startsWith("/") ? ctx.path().substring(1) : ctx.path();
    String message =
        "Cannot read the request to "
            + method
            + (hasCause(cause)
                ? ": its body is not a valid request message"
                : ": its body is not a complete gRPC message frame");
    Error error = Errors.error(ErrorCode.INVALID_ARGUMENT).setMessage(message).build();
    Errors.addDetail(metadata, Status.INVALID_ARGUMENT, error);
    return Status.INVALID_ARGUMENT.withDescription(message);
  }

  private static boolean isUnreadableBody(Throwable cause) {
    return hasCause(cause) || thrownWhileDeframing(cause);
  }

  /** Whether the chain holds the protobuf parser's refusal of the payload. */
  private static boolean hasCause(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidProtocolBufferException) {
        return true;
      }
    }
    return false;
  }

  /** Whether the failure comes from Armeria reading gRPC frames off the request body. */
  private static boolean thrownWhileDeframing(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (StackTraceElement frame : t.getStackTrace()) {
        String type = frame.getClassName();
        if (type.startsWith("com.linecorp.armeria.")
            && (type.endsWith("MessageDeframer") || type.endsWith("DecoderInput"))) {
          return true;
        }
      }
    }
    return false;
  }
}
