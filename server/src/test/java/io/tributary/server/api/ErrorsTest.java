package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ErrorsTest {

  @Test
  void shouldGiveEveryCodeButInternalAStatusOtherThanInternal() {
    assertThat(Arrays.stream(ErrorCode.values()).filter(c -> c != ErrorCode.INTERNAL))
        .allSatisfy(
            code ->
                assertThat(Errors.statusOf(code).getCode())
                    .as("status of %s", code)
                    .isNotEqualTo(Status.Code.INTERNAL));
    assertThat(Errors.statusOf(ErrorCode.STATEMENT_TOO_LARGE).getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Errors.statusOf(ErrorCode.FUNCTION_NOT_FOUND).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void shouldCarryTheErrorInBothDetailTrailers() throws Exception {
    StatusRuntimeException e =
        Errors.toStatus(
            new TributaryException(
                ErrorCode.AUTHENTICATION_FAILED, "Cannot log in: unknown user or wrong password"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getTrailers().get(Errors.DETAIL_KEY).getError().getCode())
        .isEqualTo("AUTHENTICATION_FAILED");
    assertThat(e.getTrailers().get(Errors.DETAIL_KEY).getError().getErrorCode())
        .isEqualTo(io.tributary.api.v1.ErrorCode.AUTHENTICATION_FAILED);
    com.google.rpc.Status rich = StatusProto.fromThrowable(e);
    assertThat(rich.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED.value());
    assertThat(rich.getMessage()).isEqualTo("Cannot log in: unknown user or wrong password");
    assertThat(rich.getDetails(0).unpack(ErrorDetail.class).getError().getCode())
        .isEqualTo("AUTHENTICATION_FAILED");
  }

  @Test
  void shouldCutALongMessageSoTheTrailersStayUnderEightKibibytes() {
    String quoted = "y".repeat(65_000);
    StatusRuntimeException e =
        Errors.toStatus(
            new TributaryException(
                ErrorCode.COLUMN_NOT_FOUND, "Cannot subscribe: unknown column '" + quoted + "'"));

    String message = e.getTrailers().get(Errors.DETAIL_KEY).getError().getMessage();
    assertThat(message)
        .hasSize(Errors.MAX_TRAILER_MESSAGE_CHARS)
        .startsWith("Cannot subscribe: unknown column 'yyy")
        .endsWith(" … (65035 characters, cut)");
    assertThat(e.getStatus().getDescription()).isEqualTo(message);
    assertThat(StatusProto.fromThrowable(e).getMessage()).isEqualTo(message);
    assertThat(e.getTrailers().get(Errors.DETAIL_KEY).getError().getErrorCode())
        .isEqualTo(io.tributary.api.v1.ErrorCode.COLUMN_NOT_FOUND);
    int trailerBytes = 0;
    for (byte[] part : io.grpc.InternalMetadata.serialize(e.getTrailers())) {
      trailerBytes += part.length;
    }
    assertThat(trailerBytes).isLessThan(8 * 1024 - 2 * Errors.MAX_TRAILER_MESSAGE_CHARS);
  }

  @Test
  void shouldFillTheCodeAsEnumAndAsNameWithItsPosition() {
    Error error =
        Errors.toProto(
            new TributaryException(
                ErrorCode.SYNTAX_ERROR, "Cannot parse statement: unexpected 'FORM'", 2, 7, null));

    assertThat(error.getErrorCode()).isEqualTo(io.tributary.api.v1.ErrorCode.SYNTAX_ERROR);
    assertThat(error.getCode()).isEqualTo("SYNTAX_ERROR");
    assertThat(error.getMessage()).isEqualTo("Cannot parse statement: unexpected 'FORM'");
    assertThat(error.getLine()).isEqualTo(2);
    assertThat(error.getColumn()).isEqualTo(7);
  }

  @Test
  void shouldFillBothCodesOfAnInternalError() {
    Error error = Errors.internal().getTrailers().get(Errors.DETAIL_KEY).getError();

    assertThat(error.getErrorCode()).isEqualTo(io.tributary.api.v1.ErrorCode.INTERNAL);
    assertThat(error.getCode()).isEqualTo("INTERNAL");
    assertThat(error.getMessage()).isEqualTo(Errors.INTERNAL_MESSAGE);
  }
}
