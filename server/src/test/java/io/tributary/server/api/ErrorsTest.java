package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
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
    com.google.rpc.Status rich = StatusProto.fromThrowable(e);
    assertThat(rich.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED.value());
    assertThat(rich.getMessage()).isEqualTo("Cannot log in: unknown user or wrong password");
    assertThat(rich.getDetails(0).unpack(ErrorDetail.class).getError().getCode())
        .isEqualTo("AUTHENTICATION_FAILED");
  }
}
