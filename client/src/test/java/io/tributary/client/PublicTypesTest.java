package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PublicTypesTest {

  @Test
  void shouldHideTokenInSessionToString() {
    Session session = new Session("u1", "user", "secret-token", Instant.EPOCH);

    assertThat(session.toString())
        .isEqualTo("Session[user=u1, role=user, token=***, expiresAt=1970-01-01T00:00:00Z]")
        .doesNotContain("secret-token");
  }

  @Test
  void shouldShowCodeAndPositionInExceptionToString() {
    TributaryException failure =
        new TributaryException("SYNTAX_ERROR", "Cannot parse statement: oops", 2, 5, null);

    assertThat(failure)
        .hasToString(
            "io.tributary.client.TributaryException: [SYNTAX_ERROR] Cannot parse statement: oops"
                + " (line 2, column 5)");
  }
}
