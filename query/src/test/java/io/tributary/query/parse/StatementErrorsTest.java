package io.tributary.query.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlSelect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The parser's refusals: limits, statements not run yet, misspellings and reserved names. */
class StatementErrorsTest {

  private static void assertFails(String sql, ErrorCode code, String message) {
    assertThatThrownBy(() -> StatementParser.parse(sql))
        .isInstanceOfSatisfying(TributaryException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessage(message);
  }

  // ------------------------------------------------------------------ nesting

  @Test
  void shouldRefuseDeepParenthesesInMillisecondsWithTheirPosition() {
    String sql = "SELECT " + "(".repeat(20_000) + "1" + ")".repeat(20_000) + " AS x";

    TributaryException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2),
            () -> catchParse(sql),
            "a deep statement must fail before Calcite parses it");

    assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
    assertThat(e.line()).isEqualTo(1);
    assertThat(e.column()).isEqualTo(8 + StatementLimits.MAX_NESTING - 1);
    assertThat(e.getMessage())
        .isEqualTo(
            "Cannot parse statement: it nests more than 256 levels deep (parentheses, CASE and"
                + " operators chained in one expression each count; use IN (...) for long lists"
                + " of alternatives) at line 1, column 263");
  }

  @Test
  void shouldRefuseALongOperatorChainAndCaseNesting() {
    String chain =
        "SELECT x FROM ns.t WHERE "
            + IntStream.range(0, 20_000)
                .mapToObj(i -> "x = " + i)
                .collect(Collectors.joining(" OR "));
    TributaryException e =
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> catchParse(chain));
    assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
    assertThat(e.getMessage()).startsWith("Cannot parse statement: it nests more than 256 levels");

    String cases =
        "SELECT " + "CASE WHEN TRUE THEN ".repeat(300) + "1" + " END".repeat(300) + " AS x";
    assertThat(catchParse(cases).code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
  }

  @Test
  void shouldAcceptWhatStaysWithinTheNestingLimit() {
    // Siblings do not add up: long lists, many rows, many columns.
    String in =
        "SELECT x FROM ns.t WHERE x IN ("
            + IntStream.range(0, 10_000)
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(","))
            + ")";
    String rows =
        "INSERT INTO ns.t (a, b) VALUES "
            + IntStream.range(0, 5_000)
                .mapToObj(i -> "(-" + i + ", 'v' || " + i + ")")
                .collect(Collectors.joining(", "));
    String deep = "SELECT " + "(".repeat(200) + "1 + 2" + ")".repeat(200) + " AS x";

    assertThat(StatementParser.parse(in)).isInstanceOf(Statement.Query.class);
    assertThat(StatementParser.parse(rows)).isInstanceOf(Statement.Insert.class);
    assertThat(StatementParser.parse(deep)).isInstanceOf(Statement.Query.class);
  }

  // ------------------------------------------------------------------ parameters

  @Test
  void shouldRefuseParameterNumbersOutOfRangeWithTheirPosition() {
    assertFails(
        "SELECT x FROM ns.t WHERE x = $99999999999",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: parameter $99999999999 is out of range: parameters are $1 to"
            + " $65535 at line 1, column 30");
    assertFails(
        "SELECT x FROM ns.t\nWHERE x = $0",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: parameter $0 is out of range: parameters are $1 to $65535 at"
            + " line 2, column 11");
    assertFails(
        "SELECT x FROM ns.t WHERE x = $65536",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: parameter $65536 is out of range: parameters are $1 to $65535"
            + " at line 1, column 30");
    Statement.Query q = (Statement.Query) StatementParser.parse("SELECT $65535, $007 AS x");
    assertThat(q.paramMap()).containsExactly(65_534, 6);
  }

  // ------------------------------------------------------------------ statement size

  @Test
  void shouldMeasureTextAndParametersInUtf8Bytes() {
    int limit = StatementLimits.MAX_STATEMENT_BYTES;
    StatementLimits.checkStatementSize("x".repeat(limit), List.of());
    StatementLimits.checkStatementSize("x".repeat(limit - 32), java.util.Arrays.asList(7L, null));

    assertThatThrownBy(
            () -> StatementLimits.checkStatementSize("é".repeat(limit / 2 + 1), List.of()))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LARGE))
        .hasMessage(
            "Cannot run statement: its text and parameters are more than 262,144 bytes (256 KiB);"
                + " split it into smaller statements");
    assertThatThrownBy(() -> StatementLimits.checkStatementSize("x", List.of(new byte[limit], "a")))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LARGE));
  }

  // ------------------------------------------------------------------ statements

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "flush ns.t | FLUSH | ",
        "BEGIN | BEGIN | (each statement is atomic on its own)",
        "START TRANSACTION | START TRANSACTION | (each statement is atomic on its own)",
        "COMMIT | COMMIT | (each statement is atomic on its own)",
        "rollback | ROLLBACK | (each statement is atomic on its own)",
      })
  void shouldRefuseStatementsNotSupportedYet(String sql, String name, String hint) {
    assertFails(
        sql,
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot run " + name + ": not supported yet" + (hint == null ? "" : " " + hint));
  }

  @Test
  void shouldNameAMisspelledStatementWithoutCalciteWording() {
    assertFails(
        "SELEC * FROM ns.t",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: 'SELEC' does not start a statement (did you mean SELECT?) at line"
            + " 1, column 1");
    assertFails(
        "INSRET INTO ns.t VALUES (1)",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: 'INSRET' does not start a statement (did you mean INSERT?) at"
            + " line 1, column 1");
    assertFails(
        "42",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: '42' does not start a statement (expected SELECT, INSERT, UPDATE,"
            + " DELETE, CREATE, DROP, SHOW, ...) at line 1, column 1");
    assertFails(
        "(x)",
        ErrorCode.SYNTAX_ERROR,
        "Cannot parse statement: expected a query (SELECT, VALUES, ...) or a statement at line 1,"
            + " column 2");
  }

  // ------------------------------------------------------------------ names

  @Test
  void shouldRefuseReservedWordsAsUnquotedNamesAtCreation() {
    assertFails(
        "CREATE TABLE ns.t (id INT PRIMARY KEY, value TEXT)",
        ErrorCode.INVALID_DEFINITION,
        "Cannot create table ns.t: column name value is a reserved word in SQL; choose another"
            + " name, or quote it (`value`) here and in every statement that uses it");
    assertFails(
        "CREATE TABLE ns.select (id INT PRIMARY KEY)",
        ErrorCode.INVALID_DEFINITION,
        "Cannot create table ns.select: table name select is a reserved word in SQL; choose"
            + " another name, or quote it (`select`) here and in every statement that uses it");
    assertFails(
        "CREATE NAMESPACE user",
        ErrorCode.INVALID_DEFINITION,
        "Cannot create namespace user: namespace name user is a reserved word in SQL; choose"
            + " another name, or quote it (`user`) here and in every statement that uses it");

    Statement.CreateTable quoted =
        (Statement.CreateTable)
            StatementParser.parse(
                "CREATE TABLE ns.t (id INT PRIMARY KEY, `value` TEXT, role TEXT)");
    assertThat(quoted.columns())
        .extracting(Statement.ColumnSpec::name)
        .containsExactly("id", "value", "role");
    assertThat(StatementParser.parse("CREATE NAMESPACE system"))
        .isEqualTo(new Statement.CreateNamespace("system", false));
  }

  // ------------------------------------------------------------------ dialect additions

  @Test
  void shouldReadPercentAsRemainderAndTheDialectsTypeNamesInCast() {
    Statement.Query q =
        (Statement.Query)
            StatementParser.parse(
                "SELECT a % 3, CAST(a AS TEXT), CAST(b AS BYTES), CAST(c AS BOOL) FROM ns.t");
    SqlSelect select = (SqlSelect) q.node();

    assertThat(select.getSelectList().get(0).getKind()).isEqualTo(SqlKind.MOD);
    assertThat(select.getSelectList().getList().subList(1, 4))
        .extracting(
            n -> ((SqlDataTypeSpec) ((SqlBasicCall) n).operand(1)).getTypeName().getSimple())
        .containsExactly("VARCHAR", "VARBINARY", "BOOLEAN");
    assertThat(SqlParsing.unparse(select.getSelectList().get(1))).isEqualTo("CAST(`a` AS VARCHAR)");
  }

  private static TributaryException catchParse(String sql) {
    try {
      StatementParser.parse(sql);
    } catch (TributaryException e) {
      return e;
    }
    throw new AssertionError("expected " + sql.substring(0, 40) + "... to fail");
  }
}
