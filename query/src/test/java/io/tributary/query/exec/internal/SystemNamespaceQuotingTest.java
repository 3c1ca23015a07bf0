package io.tributary.query.exec.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SystemNamespaceQuotingTest {
  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "SELECT * FROM system.users => SELECT * FROM `system`.users",
        "SELECT * FROM system . users => SELECT * FROM `system` . users",
        "SELECT u.name FROM system.users u JOIN system.tables t ON TRUE"
            + " => SELECT u.name FROM `system`.users u JOIN `system`.tables t ON TRUE",
        "SELECT 'system.users' FROM `system`.users => SELECT 'system.users' FROM `system`.users",
        "SELECT 1 -- system.users => SELECT 1 -- system.users",
        "SELECT /* system.x */ 1 => SELECT /* system.x */ 1",
        "SELECT systems.x FROM chat.system => SELECT systems.x FROM chat.system",
        "SELECT x.system.y => SELECT x.system.y",
        "SELECT SYSTEM.users => SELECT SYSTEM.users",
      })
  void shouldQuoteOnlyTheSystemNamespace(String sql, String expected) {
    assertThat(SystemNamespaceQuoting.rewrite(sql).sql()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1, 13, 13", "1, 18, 17", "1, 24, 22", "2, 16, 14"})
  void shouldMapPositionsBackToTheOriginalText(int line, int column, int expected) {
    SystemNamespaceQuoting.Rewritten r =
        SystemNamespaceQuoting.rewrite("SELECT 1 FROM system.users\nWHERE system.f(x)");
    TributaryException e =
        new TributaryException(
            ErrorCode.SYNTAX_ERROR,
            "Cannot parse statement: Encountered \"x\" at line "
                + line
                + ", column "
                + column
                + ".",
            line,
            column,
            null);
    TributaryException restored = r.restore(e);
    assertThat(restored.getMessage())
        .isEqualTo(
            "Cannot parse statement: Encountered \"x\" at line "
                + line
                + ", column "
                + expected
                + ".");
    assertThat(restored.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
    assertThat(restored.line()).isEqualTo(line);
    assertThat(restored.column()).isEqualTo(expected);
  }
}
