package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorCode;
import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  @Test
  void shouldPreferTheEnumToTheName() {
    Error error =
        Error.newBuilder().setErrorCode(ErrorCode.TYPE_MISMATCH).setCode("SOMETHING_ELSE").build();

    assertThat(ErrorCodes.code(error)).isEqualTo("TYPE_MISMATCH");
  }

  @Test
  void shouldReadTheNameFromAServerOlderThanTheEnum() {
    assertThat(ErrorCodes.code(Error.newBuilder().setCode("TABLE_EXISTS").build()))
        .isEqualTo("TABLE_EXISTS");
  }

  @Test
  void shouldReadTheNameOfACodeNewerThanThisCli() {
    Error error = Error.newBuilder().setErrorCodeValue(777).setCode("RATE_LIMITED").build();

    assertThat(error.getErrorCode()).isEqualTo(ErrorCode.UNRECOGNIZED);
    assertThat(ErrorCodes.code(error)).isEqualTo("RATE_LIMITED");
  }

  @Test
  void shouldGiveNoCodeToAnErrorFoundOnThisSide() {
    assertThat(ErrorCodes.code(CallFailure.local("Cannot connect: no URL").error())).isEmpty();
  }

  @Test
  void shouldCodeTransportFailuresAsTheSdkDoes() {
    assertThat(ErrorCodes.transport(Status.Code.UNAVAILABLE).build().getErrorCode())
        .isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(ErrorCodes.transport(Status.Code.DEADLINE_EXCEEDED).build().getErrorCode())
        .isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    Error unknown = ErrorCodes.transport(Status.Code.UNKNOWN).build();
    assertThat(unknown.getErrorCode()).isEqualTo(ErrorCode.ERROR_CODE_UNSPECIFIED);
    assertThat(ErrorCodes.code(unknown)).isEqualTo("UNKNOWN");
  }
}
