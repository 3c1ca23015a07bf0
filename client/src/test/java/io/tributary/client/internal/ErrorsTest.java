package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.api.v1.Error;
import io.tributary.client.ErrorCode;
import io.tributary.client.TributaryException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ErrorsTest {

  @Test
  void shouldHaveOneSdkCodeOfTheSameNameForEveryProtocolCode() {
    assertThat(
            Arrays.stream(io.tributary.api.v1.ErrorCode.values())
                .filter(
                    c ->
                        c != io.tributary.api.v1.ErrorCode.ERROR_CODE_UNSPECIFIED
                            && c != io.tributary.api.v1.ErrorCode.UNRECOGNIZED)
                .map(Enum::name))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ErrorCode.values())
                .filter(c -> c != ErrorCode.UNRECOGNIZED)
                .map(Enum::name)
                .toList());
  }

  @Test
  void shouldTakeTheCodeFromTheEnumOverAStaleName() {
    TributaryException e =
        Errors.fromStatementError(
            Error.newBuilder()
                .setErrorCode(io.tributary.api.v1.ErrorCode.TABLE_NOT_FOUND)
                .setCode("TABLE_MISSING")
                .setMessage("Cannot find table shop.nope")
                .build());

    assertThat(e.errorCode()).isEqualTo(ErrorCode.TABLE_NOT_FOUND);
    assertThat(e.code()).isEqualTo("TABLE_NOT_FOUND");
    assertThat(e).hasMessage("Cannot find table shop.nope");
  }

  @Test
  void shouldTakeTheCodeFromTheNameOfAServerOlderThanTheEnum() {
    TributaryException e =
        Errors.fromStatementError(
            Error.newBuilder().setCode("DUPLICATE_KEY").setMessage("Cannot insert: id 1").build());

    assertThat(e.errorCode()).isEqualTo(ErrorCode.DUPLICATE_KEY);
    assertThat(e.code()).isEqualTo("DUPLICATE_KEY");
  }

  @Test
  void shouldKeepTheNameOfACodeNewerThanTheSdk() {
    TributaryException e =
        Errors.fromStatementError(
            Error.newBuilder()
                .setErrorCodeValue(777)
                .setCode("QUOTA_EXCEEDED")
                .setMessage("Cannot execute statements: too many calls")
                .build());

    assertThat(e.errorCode()).isEqualTo(ErrorCode.UNRECOGNIZED);
    assertThat(e.code()).isEqualTo("QUOTA_EXCEEDED");
  }

  @Test
  void shouldMapNamesToSdkCodes() {
    assertThat(ErrorCode.of("NOT_A_QUERY")).isEqualTo(ErrorCode.NOT_A_QUERY);
    assertThat(ErrorCode.of("no such code")).isEqualTo(ErrorCode.UNRECOGNIZED);
    assertThat(ErrorCode.of("UNRECOGNIZED")).isEqualTo(ErrorCode.UNRECOGNIZED);
    assertThat(ErrorCode.of("")).isEqualTo(ErrorCode.UNRECOGNIZED);
    assertThat(ErrorCode.of(null)).isEqualTo(ErrorCode.UNRECOGNIZED);
  }

  @Test
  void shouldNameTheCodeOfAnExceptionMadeWithATypedCode() {
    TributaryException e =
        new TributaryException(ErrorCode.NOT_A_QUERY, "Cannot query: give one statement");

    assertThat(e.code()).isEqualTo("NOT_A_QUERY").isEqualTo(TributaryException.NOT_A_QUERY);
    assertThat(e.errorCode()).isEqualTo(ErrorCode.NOT_A_QUERY);
    assertThat(e).hasMessage("Cannot query: give one statement");
  }
}
