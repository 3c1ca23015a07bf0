package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.ErrorCode;
import io.tributary.client.TransportException;
import io.tributary.client.TributaryException;
import org.junit.jupiter.api.Test;

/**
 * The codes the command line prints. How the SDK reads a code from the protocol (the enum over a
 * stale name, the name of a code newer than the SDK) is tested in the client's ErrorsTest.
 */
class ErrorCodesTest {

  @Test
  void shouldPrintTheNameOfACodeNewerThanTheSdk() {
    TributaryException newer = new TributaryException("RATE_LIMITED", "Cannot run: slow down");

    assertThat(Problem.of(newer).code()).isEqualTo("RATE_LIMITED");
    assertThat(CallFailure.of(newer, "http://h:1").fatal()).isFalse();
  }

  @Test
  void shouldGiveNoCodeToAnErrorFoundOnThisSide() {
    assertThat(CallFailure.local("Cannot connect: no URL").problem().code()).isEmpty();
  }

  @Test
  void shouldCodeTransportFailuresAsTheSdkDoesAndSayWhereItCouldNotConnect() {
    CallFailure failure =
        CallFailure.of(
            new TransportException(
                ErrorCode.UNAVAILABLE,
                "Cannot execute statements: io exception",
                "connection refused",
                null),
            "http://h:1");

    assertThat(failure.problem().code()).isEqualTo("UNAVAILABLE");
    assertThat(failure.problem().message())
        .isEqualTo("Cannot connect to http://h:1: connection refused");
    assertThat(failure.fatal()).isTrue();
  }

  @Test
  void shouldEndTheSessionWhenTheServerIsUnavailableOrRefusesTheCredentials() {
    assertThat(
            CallFailure.of(new TributaryException(ErrorCode.UNAUTHENTICATED, "expired"), "u")
                .fatal())
        .isTrue();
    assertThat(CallFailure.of(new TributaryException(ErrorCode.UNAVAILABLE, "no log"), "u").fatal())
        .isTrue();
    assertThat(
            CallFailure.of(new TributaryException(ErrorCode.PERMISSION_DENIED, "no"), "u").fatal())
        .isFalse();
  }
}
