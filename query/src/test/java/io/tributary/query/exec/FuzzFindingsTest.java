package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queries the SQL fuzzer of the reliability tier (reliability/, SqlFuzzTest) found failing with
 * {@code INTERNAL}: Calcite throws a plain runtime exception for them, which must reach the client
 * as a documented code with a {@code Cannot <action>: <reason>} message.
 */
class FuzzFindingsTest {
  private final QueryEngineTest engine = new QueryEngineTest();

  @BeforeEach
  void setUp() {
    engine.setUp();
  }

  private void assertFails(String sql, ErrorCode code, String message) {
    assertThatThrownBy(() -> engine.select(sql))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(code))
        .hasMessage(message);
  }

  @Test
  void shouldRefuseALikePatternWithAnInvalidEscapeAsAnInvalidArgument() {
    String message =
        "Cannot run query: invalid LIKE pattern (the ESCAPE character must be one character, and"
            + " in the pattern be followed by _, % or itself)";
    assertFails("SELECT 'a' LIKE 'b' ESCAPE 'xy' AS v", ErrorCode.INVALID_ARGUMENT, message);
    assertFails(
        "SELECT id FROM chat.messages WHERE role LIKE 'b\\' ESCAPE '\\'",
        ErrorCode.INVALID_ARGUMENT,
        message);
  }

  @Test
  void shouldRefuseALimitOrOffsetBeyondIntAsAnInvalidArgument() {
    String message = "Cannot run query: LIMIT and OFFSET must be between 0 and 2147483647";
    assertFails(
        "SELECT id FROM chat.messages LIMIT 2147483648", ErrorCode.INVALID_ARGUMENT, message);
    assertFails(
        "SELECT id FROM chat.messages ORDER BY id LIMIT 99999999999999999999",
        ErrorCode.INVALID_ARGUMENT,
        message);
    assertFails(
        "SELECT id FROM chat.messages LIMIT 1 OFFSET 9223372036854775807",
        ErrorCode.INVALID_ARGUMENT,
        message);
  }

  @Test
  void shouldRefuseACorrelatedSubqueryTheDecorrelatorCannotHandleAsUnsupported() {
    assertFails(
        "SELECT role AS g, COUNT(DISTINCT content) AS a FROM chat.messages WHERE (id BETWEEN 1 AND"
            + " 3 AND id IN (SELECT id FROM system.users WHERE conversation_id <> 1e10) OR NOT (id"
            + " > -134)) GROUP BY role",
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot run query: this correlated subquery is not supported (write it as a join, or"
            + " without OR)");
  }

  @Test
  void shouldRefuseADecimalPrecisionBeyondIntAsAnInvalidDefinition() {
    assertThatThrownBy(
            () ->
                ColumnType.parse("DECIMAL(50,99999999999999999999999999999999999999999999999999)"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e ->
                org.assertj.core.api.Assertions.assertThat(e.code())
                    .isEqualTo(ErrorCode.INVALID_DEFINITION))
        .hasMessage(
            "Cannot define DECIMAL(50,99999999999999999999999999999999999999999999999999):"
                + " precision must be 1..38 and scale 0..precision");
  }

  @Test
  void shouldRefuseADecimalResultBeyond38DigitsAsAnInvalidArgument() {
    assertFails(
        "SELECT 1 + 0.000000000000000000000000000000000000000001 AS two",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot run query: a DECIMAL value or result needs more than 38 digits");
  }

  @Test
  void shouldRefuseAComparisonOfADoubleWithABooleanAsATypeMismatch() {
    String message =
        "Cannot run query: values of incompatible types meet in one column or comparison";
    assertFails("SELECT NULLIF(d, FALSE) AS e FROM lab.types", ErrorCode.TYPE_MISMATCH, message);
    assertFails(
        "VALUES (352, TRUE), (TIMESTAMP '1970-01-01 00:00:00', NULL)",
        ErrorCode.TYPE_MISMATCH,
        message);
  }

  @Test
  void shouldRefuseAnOperatorTheEngineCannotCompileAsUnsupported() {
    assertFails(
        "SELECT SUBSTRING(bin FROM 2147483648 FOR 15) AS e FROM lab.types",
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot run query: the query engine cannot run one of its operators on these types or"
            + " values");
  }

  @Test
  void shouldRefuseValuesOfIncompatibleTypesAsATypeMismatch() {
    assertFails(
        "SELECT * FROM (VALUES (1.5), (DATE '2020-01-01')) AS t(a)",
        ErrorCode.TYPE_MISMATCH,
        "Cannot run query: values of incompatible types meet in one column or comparison");
  }
}
