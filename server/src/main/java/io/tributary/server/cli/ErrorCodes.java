package io.tributary.server.cli;

import io.grpc.Status;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorCode;

/** The codes the CLI prints, read from the protocol's {@link ErrorCode}. */
final class ErrorCodes {
  private ErrorCodes() {}

  /**
   * The code of {@code error}: its {@link ErrorCode}, which is authoritative, or else (a server
   * older than that field, or a code newer than this CLI) the code's name; empty when it has none.
   */
  static String code(Error error) {
    ErrorCode code = error.getErrorCode();
    if (code == ErrorCode.ERROR_CODE_UNSPECIFIED || code == ErrorCode.UNRECOGNIZED) {
      return error.getCode();
    }
    return code.name();
  }

  /**
   * The error of a call that reached no Tributary server: coded as the SDK codes it where the
   * protocol has a code for the status ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}), and named
   * after the gRPC status in either case.
   */
  static Error.Builder transport(Status.Code status) {
    Error.Builder error = Error.newBuilder().setCode(status.name());
    switch (status) {
      case UNAVAILABLE -> error.setErrorCode(ErrorCode.UNAVAILABLE);
      case DEADLINE_EXCEEDED -> error.setErrorCode(ErrorCode.DEADLINE_EXCEEDED);
      default -> {}
    }
    return error;
  }
}
