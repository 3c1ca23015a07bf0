package io.tributary.query.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.parse.SqlParsing;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.calcite.sql.SqlNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpressionsTest {
  static final TableDef TABLE =
      new TableDef(
          7,
          "chat",
          "messages",
          TableKind.USER,
          List.of(
              col("id", ColumnType.BIGINT, false),
              col("n", ColumnType.INT, true),
              col("role", ColumnType.TEXT, true),
              col("content", ColumnType.TEXT, true),
              col("created_at", ColumnType.TIMESTAMP, true),
              col("on_day", ColumnType.DATE, true),
              col("price", ColumnType.decimal(10, 2), true),
              col("score", ColumnType.DOUBLE, true),
              col("data", ColumnType.BYTES, true),
              col("active", ColumnType.BOOLEAN, true),
              col("doc", ColumnType.JSON, true),
              col("ref_id", ColumnType.UUID, true)),
          List.of("id"),
          Map.of(),
          0);

  static final long T0 = Instant.parse("2024-01-02T03:04:05.678Z").toEpochMilli();
  static final int D0 = (int) LocalDate.parse("2024-01-02").toEpochDay();

  static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return new ColumnDef(name, type, nullable, null);
  }

  /** A row with id 1 and _seq 100, every other column NULL unless named. */
  static Object[] row(Object... namesAndValues) {
    Object[] row = new Object[TABLE.columns().size() + 1];
    row[0] = 1L;
    row[row.length - 1] = 100L;
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String name = (String) namesAndValues[i];
      int index = name.equals(TableDef.SEQ_COLUMN) ? row.length - 1 : TABLE.columnIndex(name);
      assertThat(index).as(name).isNotNegative();
      row[index] = namesAndValues[i + 1];
    }
    return row;
  }

  static boolean holds(String where, Object[] row) {
    return Expressions.predicate(TABLE, where).test(row);
  }

  static Object eval(String expr, ColumnType target, Object[] row) {
    return Expressions.expression(TABLE, expr, target, "target").evaluate(row);
  }

  /** Evaluates a boolean expression with three-valued logic: TRUE, FALSE or null (UNKNOWN). */
  static Boolean truth(String expr, Object[] row) {
    return (Boolean) eval(expr, ColumnType.BOOLEAN, row);
  }

  @Nested
  class Comparisons {
    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "n = 3 | true",
          "n = 4 | false",
          "n <> 4 | true",
          "n <> 3 | false",
          "n < 4 | true",
          "n < 3 | false",
          "n <= 3 | true",
          "n > 2 | true",
          "n > 3 | false",
          "n >= 3 | true",
          "4 > n | true",
          "3 = n | true",
          "n = id + 2 | true",
          "role = 'user' | true",
          "role <> 'user' | false",
          "role < 'zebra' | true",
          "'user' = role | true",
          "active = TRUE | true",
          "active | true",
          "price = 12.5 | true",
          "price > 12.49 | true",
          "score < 2.75 | true",
          "score = 2.5 | true",
          "data = X'0102' | true",
          "data < X'0103' | true",
          "on_day = DATE '2024-01-02' | true",
          "on_day = '2024-01-02' | true",
          "created_at = TIMESTAMP '2024-01-02 03:04:05.678' | true",
          "created_at > '2024-01-02 03:04:05' | true",
          "created_at < '2024-01-02T03:04:06Z' | true",
          "created_at > on_day | true",
          "on_day < created_at | true",
          "doc = '{\"a\":1}' | true",
          "ref_id = '5f1e2b0c-1111-2222-3333-444455556666' | true",
        })
    void shouldCompareValuesOfEveryType(String where, boolean expected) {
      Object[] row =
          row(
              "n",
              3,
              "role",
              "user",
              "active",
              true,
              "price",
              new BigDecimal("12.50"),
              "score",
              2.5,
              "data",
              new byte[] {1, 2},
              "on_day",
              D0,
              "created_at",
              T0,
              "doc",
              "{\"a\":1}",
              "ref_id",
              "5f1e2b0c-1111-2222-3333-444455556666");
      assertThat(holds(where, row)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "n < 5000000000 | true",
          "n > -5000000000 | true",
          "n = 3.0 | true",
          "n > 2.5 | true",
          "n < 3.5e0 | true",
          "n < price | true",
          "id < n | true",
          "id = 1.0 | true",
          "score > n | false",
          "score < price | true",
          "price > 12 | true",
          "price = 12.50 | true",
          "_seq > n | true",
          "n + id = 4 | true",
          "n * 1.5 = 4.5 | true",
          "n / 2 = 1 | true",
          "n / 2.0 = 1.5 | true",
        })
    void shouldCompareAcrossNumericTypes(String where, boolean expected) {
      Object[] row = row("n", 3, "price", new BigDecimal("12.50"), "score", 2.5);
      assertThat(holds(where, row)).isEqualTo(expected);
    }

    @Test
    void shouldTreatMinusZeroAsZero() {
      assertThat(holds("score = 0.0e0", row("score", -0.0))).isTrue();
      assertThat(holds("score IN (0.0e0, 1.0e0)", row("score", -0.0))).isTrue();
    }

    @Test
    void shouldMatchSeq() {
      assertThat(holds("_seq = 100", row())).isTrue();
      assertThat(holds("_seq > 99 AND _seq <= 100", row())).isTrue();
      assertThat(holds("_seq > 100", row())).isFalse();
      assertThat(holds("_seq BETWEEN 1 AND 5000000000", row("_seq", 4_000_000_000L))).isTrue();
    }
  }

  @Nested
  class NullsAndLogic {
    @ParameterizedTest
    @CsvSource(
        nullValues = "NULL",
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          // expression, active, n, expected (NULL = unknown)
          "active AND n > 1 | NULL | 2 | NULL",
          "active AND n > 1 | NULL | 0 | false",
          "active AND n > 1 | true | 2 | true",
          "active OR n > 1 | NULL | 2 | true",
          "active OR n > 1 | NULL | 0 | NULL",
          "active OR n > 1 | false | 0 | false",
          "NOT active | NULL | 0 | NULL",
          "NOT active | true | 0 | false",
          "NOT (active AND n > 1) | NULL | 0 | true",
          "NOT (active AND n > 1) | NULL | 2 | NULL",
          "n = 1 | true | NULL | NULL",
          "n <> 1 | true | NULL | NULL",
          "n IS NULL | true | NULL | true",
          "n IS NOT NULL | true | NULL | false",
          "active IS TRUE | NULL | 0 | false",
          "active IS NOT TRUE | NULL | 0 | true",
          "active IS FALSE | NULL | 0 | false",
          "active IS NOT FALSE | NULL | 0 | true",
          "active IS UNKNOWN | NULL | 0 | true",
          "active IS FALSE | false | 0 | true",
          "n IS DISTINCT FROM NULL | true | NULL | false",
          "n IS DISTINCT FROM 1 | true | NULL | true",
          "n IS NOT DISTINCT FROM 1 | true | 1 | true",
          "n IN (1, 2) | true | NULL | NULL",
          "n IN (1, NULL) | true | 1 | true",
          "n IN (1, NULL) | true | 2 | NULL",
          "n NOT IN (1, NULL) | true | 2 | NULL",
          "n NOT IN (1, 3) | true | 2 | true",
          "n BETWEEN 1 AND 3 | true | NULL | NULL",
          "n + 1 > 0 | true | NULL | NULL",
          "COALESCE(n, 5) = 5 | true | NULL | true",
          "CASE WHEN n IS NULL THEN active ELSE FALSE END | true | NULL | true",
        })
    void shouldFollowThreeValuedLogic(String expr, Boolean active, Integer n, Boolean expected) {
      Object[] row = row("active", active, "n", n);
      assertThat(truth(expr, row)).as(expr).isEqualTo(expected);
      assertThat(holds(expr, row)).as("predicate " + expr).isEqualTo(Boolean.TRUE.equals(expected));
    }

    @Test
    void shouldFoldConstantConditions() {
      assertThat(holds("TRUE", row())).isTrue();
      assertThat(holds("FALSE", row())).isFalse();
      assertThat(holds("1 = 1", row())).isTrue();
      assertThat(holds("1 = 2 OR n = 3", row("n", 3))).isTrue();
      assertThat(holds("CAST(NULL AS BOOLEAN)", row())).isFalse();
    }
  }

  @Nested
  class RangesPatternsAndSets {
    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "n BETWEEN 1 AND 3 | true",
          "n BETWEEN 4 AND 9 | false",
          "n NOT BETWEEN 4 AND 9 | true",
          "n BETWEEN SYMMETRIC 5 AND 1 | true",
          "n IN (1, 2, 3) | true",
          "n IN (1, 2) | false",
          "n NOT IN (1, 2) | true",
          "id IN (1, 5000000000) | true",
          "role IN ('user', 'assistant') | true",
          "role NOT IN ('system') | true",
          "price IN (12.5, 13) | true",
          "on_day IN (DATE '2024-01-02', DATE '2024-01-03') | true",
          "(n > 5 OR n IN (3, 4)) AND role = 'user' | true",
        })
    void shouldMatchRangesAndSets(String where, boolean expected) {
      Object[] row = row("n", 3, "role", "user", "price", new BigDecimal("12.50"), "on_day", D0);
      assertThat(holds(where, row)).isEqualTo(expected);
    }

    @Test
    void shouldMatchLongInLists() {
      String list = String.join(", ", IntStream.range(100, 200).mapToObj(String::valueOf).toList());
      RowPredicate in = Expressions.predicate(TABLE, "n IN (" + list + ")");
      RowPredicate notIn = Expressions.predicate(TABLE, "n NOT IN (" + list + ")");
      assertThat(in.test(row("n", 150))).isTrue();
      assertThat(in.test(row("n", 99))).isFalse();
      assertThat(notIn.test(row("n", 99))).isTrue();
      assertThat(notIn.test(row("n", null))).isFalse();
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "content LIKE 'hello%' | true",
          "content LIKE '%world' | true",
          "content LIKE '%lo w%' | true",
          "content LIKE 'hello world' | true",
          "content LIKE 'hello' | false",
          "content LIKE 'h_llo%' | true",
          "content LIKE 'h%o%d' | true",
          "content LIKE 'H%' | false",
          "content NOT LIKE '%x%' | true",
          "content LIKE '100!%%' ESCAPE '!' | false",
          "'100% sure' LIKE '100!%%' ESCAPE '!' | true",
          "'a.b' LIKE 'a.b' | true",
          "'axb' LIKE 'a.b' | false",
          "'line\\nbreak' LIKE 'line%' | true",
        })
    void shouldMatchLikePatterns(String where, boolean expected) {
      assertThat(holds(where.replace("\\n", "\n"), row("content", "hello world")))
          .isEqualTo(expected);
    }

    @Test
    void shouldNotMatchLikeOnNull() {
      assertThat(holds("content LIKE '%'", row())).isFalse();
      assertThat(holds("content NOT LIKE 'x%'", row())).isFalse();
      assertThat(truth("content LIKE '%'", row())).isNull();
    }
  }

  @Nested
  class Arithmetic {
    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "n + 1 | INT | 8",
          "n - 10 | INT | -3",
          "n * 3 | INT | 21",
          "n / 2 | INT | 3",
          "-n / 2 | INT | -3",
          "MOD(n, 4) | INT | 3",
          "MOD(-n, 4) | INT | -3",
          "-n | INT | -7",
          "+n | INT | 7",
          "ABS(-n) | INT | 7",
          "n + id | BIGINT | 8",
          "id * 5000000000 | BIGINT | 5000000000",
          "n + 1 | BIGINT | 8",
          "score / 2 | DOUBLE | 1.25",
          "score * n | DOUBLE | 17.5",
          "-score | DOUBLE | -2.5",
          "price * 2 | DECIMAL(10,2) | 25.00",
          "price + n | DECIMAL(10,2) | 19.50",
          "price / 4 | DECIMAL(10,2) | 3.13",
          "price - 0.005 | DECIMAL(10,2) | 12.50",
          "ABS(price - 20) | DECIMAL(10,2) | 7.50",
          "n * 1.5 | DECIMAL(10,2) | 10.50",
          "CEIL(score) | DOUBLE | 3.0",
          "FLOOR(score) | DOUBLE | 2.0",
          "FLOOR(price) | DECIMAL(10,2) | 12.00",
          "ROUND(score) | DOUBLE | 3.0",
          "ROUND(price, 1) | DECIMAL(10,2) | 12.50",
          "ROUND(1234, -2) | INT | 1200",
        })
    void shouldComputeArithmetic(String expr, String type, String expected) {
      Object[] row = row("n", 7, "score", 2.5, "price", new BigDecimal("12.50"));
      ColumnType target = ColumnType.parse(type);
      assertThat(eval(expr, target, row)).isEqualTo(target.coerce(expected, "expected"));
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "n / 0 = 1",
          "id / (n - 7) = 1",
          "score / 0 > 1",
          "price / 0 > 1",
          "MOD(n, 0) = 1"
        })
    void shouldFailOnDivisionByZero(String where) {
      RowPredicate p = Expressions.predicate(TABLE, where);
      Object[] row = row("n", 7, "score", 2.5, "price", BigDecimal.ONE);
      assertThatThrownBy(() -> p.test(row))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot evaluate " + where + ": division by zero")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void shouldNotFailOnDivisionByZeroWhenTheOperandIsNull() {
      assertThat(holds("n / 0 = 1", row())).isFalse();
    }

    @Test
    void shouldFailOnIntegerOverflow() {
      RowPredicate p = Expressions.predicate(TABLE, "n + 1 > 0");
      assertThatThrownBy(() -> p.test(row("n", Integer.MAX_VALUE)))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot evaluate n + 1 > 0: numeric overflow");
    }

    @Test
    void shouldAddIntervalsToTimestampsAndDates() {
      Object[] row = row("created_at", T0, "on_day", D0);
      assertThat(eval("created_at + INTERVAL '1' HOUR", ColumnType.TIMESTAMP, row))
          .isEqualTo(T0 + 3_600_000L);
      assertThat(eval("created_at - INTERVAL '2' DAY", ColumnType.TIMESTAMP, row))
          .isEqualTo(T0 - 2 * 86_400_000L);
      assertThat(eval("created_at + INTERVAL '1' MONTH", ColumnType.TIMESTAMP, row))
          .isEqualTo(Instant.parse("2024-02-02T03:04:05.678Z").toEpochMilli());
      assertThat(eval("on_day + INTERVAL '3' DAY", ColumnType.DATE, row)).isEqualTo(D0 + 3);
      assertThat(eval("on_day - INTERVAL '1' YEAR", ColumnType.DATE, row))
          .isEqualTo((int) LocalDate.parse("2023-01-02").toEpochDay());
    }
  }

  @Nested
  class FunctionsAndCasts {
    @ParameterizedTest
    @CsvSource(
        nullValues = "NULL",
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "content || '!' | hello world!",
          "role || ':' || content | user:hello world",
          "UPPER(content) | HELLO WORLD",
          "LOWER('MiXeD') | mixed",
          "CAST(CHAR_LENGTH(content) AS VARCHAR) | 11",
          "TRIM('  x  ') | x",
          "TRIM(LEADING ' ' FROM '  x  ') | ~x  ~",
          "TRIM(TRAILING 'x' FROM 'axxx') | a",
          "SUBSTRING(content FROM 7) | world",
          "SUBSTRING(content FROM 1 FOR 5) | hello",
          "SUBSTRING(content, 0, 3) | he",
          "SUBSTRING(content FROM 20) | ~~",
          "CAST(POSITION('world' IN content) AS VARCHAR) | 7",
          "REPLACE(content, 'world', 'there') | hello there",
          "COALESCE(doc, content) | hello world",
          "NULLIF(content, 'hello world') | NULL",
          "NULLIF(content, 'x') | hello world",
          "CASE WHEN n > 5 THEN 'big' WHEN n > 0 THEN 'small' ELSE 'none' END | small",
          "CASE n WHEN 1 THEN 'one' WHEN 3 THEN 'three' END | three",
          "CASE n WHEN 9 THEN 'nine' END | NULL",
          "CAST(n AS VARCHAR) | 3",
          "CAST(score AS VARCHAR) | 2.5",
          "CAST(price AS VARCHAR) | 12.50",
          "CAST(active AS VARCHAR) | TRUE",
          "CAST(on_day AS VARCHAR) | 2024-01-02",
          "CAST(created_at AS VARCHAR) | 2024-01-02 03:04:05.678",
          "CAST(CAST(created_at AS TIMESTAMP(0)) AS VARCHAR) | 2024-01-02 03:04:05",
          "CAST('abcdef' AS VARCHAR(3)) | abc",
        })
    void shouldEvaluateStringFunctions(String expr, String expected) {
      Object[] row =
          row(
              "n",
              3,
              "role",
              "user",
              "content",
              "hello world",
              "score",
              2.5,
              "price",
              new BigDecimal("12.50"),
              "active",
              true,
              "on_day",
              D0,
              "created_at",
              T0);
      assertThat(eval(expr, ColumnType.TEXT, row)).isEqualTo(expected);
    }

    @Test
    void shouldCastBetweenTypes() {
      Object[] row = row("n", 3, "score", 2.7, "price", new BigDecimal("12.55"), "created_at", T0);
      assertThat(eval("CAST('42' AS INTEGER)", ColumnType.INT, row)).isEqualTo(42);
      assertThat(eval("CAST(score AS INTEGER)", ColumnType.INT, row)).isEqualTo(2);
      assertThat(eval("CAST(price AS INTEGER)", ColumnType.INT, row)).isEqualTo(12);
      assertThat(eval("CAST(price AS DECIMAL(10, 1))", ColumnType.decimal(10, 1), row))
          .isEqualTo(new BigDecimal("12.6"));
      assertThat(eval("CAST(n AS DOUBLE)", ColumnType.DOUBLE, row)).isEqualTo(3.0);
      assertThat(eval("CAST('2.5' AS DOUBLE) * 2", ColumnType.DOUBLE, row)).isEqualTo(5.0);
      assertThat(eval("CAST(created_at AS DATE)", ColumnType.DATE, row)).isEqualTo(D0);
      assertThat(eval("CAST('2024-01-02 03:04:05.678' AS TIMESTAMP)", ColumnType.TIMESTAMP, row))
          .isEqualTo(T0);
      assertThat(eval("CAST('true' AS BOOLEAN)", ColumnType.BOOLEAN, row)).isEqualTo(true);
      assertThat(eval("CAST(n AS BIGINT)", ColumnType.BIGINT, row)).isEqualTo(3L);
    }

    @Test
    void shouldFailOnAnInvalidCast() {
      RowExpression e =
          Expressions.expression(TABLE, "CAST(content AS INTEGER)", ColumnType.INT, "n");
      assertThatThrownBy(() -> e.evaluate(row("content", "abc")))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot evaluate CAST(content AS INTEGER): cannot convert 'abc' to INTEGER")
          .extracting(x -> ((TributaryException) x).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
    }

    @Test
    void shouldExtractFieldsAndTruncateTimestamps() {
      Object[] row = row("created_at", T0, "on_day", D0);
      assertThat(eval("EXTRACT(YEAR FROM created_at)", ColumnType.BIGINT, row)).isEqualTo(2024L);
      assertThat(eval("EXTRACT(MONTH FROM on_day)", ColumnType.BIGINT, row)).isEqualTo(1L);
      assertThat(eval("EXTRACT(HOUR FROM created_at)", ColumnType.BIGINT, row)).isEqualTo(3L);
      assertThat(eval("EXTRACT(SECOND FROM created_at)", ColumnType.BIGINT, row)).isEqualTo(5L);
      assertThat(eval("FLOOR(created_at TO DAY)", ColumnType.TIMESTAMP, row))
          .isEqualTo(Instant.parse("2024-01-02T00:00:00Z").toEpochMilli());
      assertThat(eval("CEIL(created_at TO HOUR)", ColumnType.TIMESTAMP, row))
          .isEqualTo(Instant.parse("2024-01-02T04:00:00Z").toEpochMilli());
      assertThat(eval("FLOOR(created_at TO MONTH)", ColumnType.TIMESTAMP, row))
          .isEqualTo(Instant.parse("2024-01-01T00:00:00Z").toEpochMilli());
    }
  }

  @Nested
  class Assignment {
    @Test
    void shouldConvertLiteralsOfEveryTypeToTheTargetColumn() {
      Object[] row = row();
      assertThat(eval("'abc'", ColumnType.TEXT, row)).isEqualTo("abc");
      assertThat(eval("42", ColumnType.INT, row)).isEqualTo(42);
      assertThat(eval("42", ColumnType.BIGINT, row)).isEqualTo(42L);
      assertThat(eval("1.5", ColumnType.DOUBLE, row)).isEqualTo(1.5);
      assertThat(eval("1.5e0", ColumnType.DOUBLE, row)).isEqualTo(1.5);
      assertThat(eval("TRUE", ColumnType.BOOLEAN, row)).isEqualTo(true);
      assertThat((byte[]) eval("X'0A0B'", ColumnType.BYTES, row)).containsExactly(10, 11);
      assertThat(eval("TIMESTAMP '2024-01-02 03:04:05.678'", ColumnType.TIMESTAMP, row))
          .isEqualTo(T0);
      assertThat(eval("DATE '2024-01-02'", ColumnType.DATE, row)).isEqualTo(D0);
      assertThat(eval("12.345", ColumnType.decimal(10, 2), row)).isEqualTo(new BigDecimal("12.35"));
      assertThat(eval("NULL", ColumnType.INT, row)).isNull();
      assertThat(eval("CAST(NULL AS VARCHAR)", ColumnType.TEXT, row)).isNull();
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "'2024-01-02 03:04:05.678' | TIMESTAMP",
          "'2024-01-02T03:04:05.678Z' | TIMESTAMP",
          "'2024-01-02T05:04:05.678+02:00' | TIMESTAMP",
        })
    void shouldParseStringLiteralsIntoTimestamps(String literal, String type) {
      assertThat(eval(literal, ColumnType.parse(type), row())).isEqualTo(T0);
    }

    @Test
    void shouldParseStringLiteralsIntoOtherTypes() {
      assertThat(eval("'2024-01-02'", ColumnType.DATE, row())).isEqualTo(D0);
      assertThat(eval("'2024-01-02'", ColumnType.TIMESTAMP, row()))
          .isEqualTo(Instant.parse("2024-01-02T00:00:00Z").toEpochMilli());
      assertThat(eval("'5F1E2B0C-1111-2222-3333-444455556666'", ColumnType.UUID, row()))
          .isEqualTo("5f1e2b0c-1111-2222-3333-444455556666");
      assertThat(eval("'12.345'", ColumnType.decimal(10, 2), row()))
          .isEqualTo(new BigDecimal("12.35"));
      assertThat(eval("'{\"a\": [1, 2]}'", ColumnType.JSON, row())).isEqualTo("{\"a\": [1, 2]}");
      assertThat(eval("'17'", ColumnType.INT, row())).isEqualTo(17);
      assertThat(eval("'t'", ColumnType.BOOLEAN, row())).isEqualTo(true);
    }

    @Test
    void shouldWidenAndConvertExpressionResults() {
      Object[] row = row("n", 3, "on_day", D0, "created_at", T0);
      assertThat(eval("n + 1", ColumnType.BIGINT, row)).isEqualTo(4L);
      assertThat(eval("n", ColumnType.DOUBLE, row)).isEqualTo(3.0);
      assertThat(eval("n", ColumnType.decimal(5, 2), row)).isEqualTo(new BigDecimal("3.00"));
      assertThat(eval("on_day", ColumnType.TIMESTAMP, row))
          .isEqualTo(Instant.parse("2024-01-02T00:00:00Z").toEpochMilli());
      assertThat(eval("created_at", ColumnType.DATE, row)).isEqualTo(D0);
      assertThat(eval("n", ColumnType.TEXT, row)).isEqualTo("3");
      assertThat(eval("_seq + 1", ColumnType.BIGINT, row)).isEqualTo(101L);
    }

    @Test
    void shouldFailWhenAValueDoesNotFitTheTargetColumn() {
      assertThatThrownBy(() -> eval("'not-a-uuid'", ColumnType.UUID, row()))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot convert 'not-a-uuid' to UUID for column target: not a UUID")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
      assertThatThrownBy(() -> eval("'{oops'", ColumnType.JSON, row()))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot convert '{oops' to JSON for column target: not valid JSON");
      assertThatThrownBy(() -> eval("id * 5000000000", ColumnType.INT, row()))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot convert 5000000000 to INT for column target: out of range for INT");
      assertThatThrownBy(() -> eval("12345678.9", ColumnType.decimal(5, 2), row()))
          .isInstanceOf(TributaryException.class)
          .hasMessage(
              "Cannot convert 12345678.9 to DECIMAL(5,2) for column target: value does not fit"
                  + " DECIMAL(5,2)");
    }

    @Test
    void shouldRefuseATypeThatCanNeverBeAssigned() {
      assertThatThrownBy(() -> Expressions.expression(TABLE, "n > 1", ColumnType.INT, "n"))
          .isInstanceOf(TributaryException.class)
          .hasMessage(
              "Cannot compile expression: cannot assign a value of type BOOLEAN to column n of type INT")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
      assertThatThrownBy(() -> Expressions.expression(TABLE, "data", ColumnType.TEXT, "content"))
          .isInstanceOf(TributaryException.class)
          .hasMessage(
              "Cannot compile expression: cannot assign a value of type VARBINARY to column"
                  + " content of type TEXT");
    }

    @Test
    void shouldRefuseAggregates() {
      assertThatThrownBy(() -> Expressions.expression(TABLE, "COUNT(*)", ColumnType.BIGINT, "id"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot compile expression: an aggregate function is not supported")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.UNSUPPORTED_STATEMENT);
    }
  }

  @Nested
  class Errors {
    @Test
    void shouldNameAnUnknownColumnAndTheTable() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "n = 1 AND nope = 2"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot resolve column 'nope' in table chat.messages")
          .satisfies(
              e -> {
                TributaryException te = (TributaryException) e;
                assertThat(te.code()).isEqualTo(ErrorCode.COLUMN_NOT_FOUND);
                assertThat(te.line()).isEqualTo(1);
                assertThat(te.column()).isEqualTo(11);
              });
      assertThatThrownBy(() -> Expressions.expression(TABLE, "nope + 1", ColumnType.INT, "n"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot resolve column 'nope' in table chat.messages");
    }

    @Test
    void shouldBeCaseSensitive() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "N = 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot resolve column 'N' in table chat.messages");
    }

    @Test
    void shouldReportTheSyntaxErrorPosition() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "n = 1 AND\n  role = "))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot parse statement: Encountered \"= <EOF>\" at line 2, column 8.")
          .satisfies(
              e -> {
                TributaryException te = (TributaryException) e;
                assertThat(te.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
                assertThat(te.line()).isEqualTo(2);
                assertThat(te.column()).isEqualTo(8);
              });
    }

    @Test
    void shouldRefuseANonBooleanWhereClause() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "n + 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot compile WHERE clause: WHERE clause must be a condition")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "content = 1 | Cannot compile WHERE clause: cannot compare VARCHAR with INTEGER",
          "content + 1 = 2 | Cannot compile WHERE clause: Cannot apply '+' to arguments of type"
              + " '<VARCHAR> + <INTEGER>'. Supported form(s): '<NUMERIC> + <NUMERIC>'",
          "content IN (1, 2) | Cannot compile WHERE clause: cannot compare VARCHAR with INTEGER",
          "active = created_at | Cannot compile WHERE clause: Cannot apply '=' to arguments of"
              + " type '<BOOLEAN> = <TIMESTAMP(3)>'. Supported form(s): '<COMPARABLE_TYPE> ="
              + " <COMPARABLE_TYPE>'",
        })
    void shouldRefuseComparingTextWithNumbers(String where, String message) {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, where))
          .isInstanceOf(TributaryException.class)
          .hasMessage(message)
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
    }

    @ParameterizedTest
    @CsvSource(
        delimiterString = " | ",
        quoteCharacter = '~',
        value = {
          "created_at < CURRENT_TIMESTAMP | function CURRENT_TIMESTAMP is not supported",
          "RAND() > 0.5 | function RAND is not supported",
          "n IN (SELECT 1) | a subquery is not supported",
          "EXISTS (SELECT 1) | a subquery is not supported",
        })
    void shouldRefuseWhatItCannotCompile(String where, String reason) {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, where))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot compile WHERE clause: " + reason)
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.UNSUPPORTED_STATEMENT);
    }

    @Test
    void shouldRefuseAnUnknownFunction() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "foo(n) = 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot compile WHERE clause: function foo does not exist")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    }

    @Test
    void shouldRefuseAggregatesInWhere() {
      assertThatThrownBy(() -> Expressions.predicate(TABLE, "COUNT(*) > 1"))
          .isInstanceOf(TributaryException.class)
          .hasMessage(
              "Cannot compile WHERE clause: Aggregate expression is illegal in WHERE clause")
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }
  }

  @Test
  void shouldCompileForSystemTablesWithoutSeq() {
    RowPredicate p =
        Expressions.predicate(SystemTables.USERS, "role = 'system' AND name LIKE 'r%'");
    assertThat(p.test(new Object[] {"root", "system", 0L})).isTrue();
    assertThatThrownBy(() -> Expressions.predicate(SystemTables.USERS, "_seq > 1"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot resolve column '_seq' in table system.users");
  }

  @Test
  void shouldNotModifyAParsedTree() {
    SqlNode where =
        SqlParsing.parseExpression("n = 1 AND role IN ('a', 'b') AND content LIKE 'x%'");
    String before = SqlParsing.unparse(where);
    RowPredicate p = Expressions.predicate(TABLE, where);
    assertThat(SqlParsing.unparse(where)).isEqualTo(before);
    assertThat(p.test(row("n", 1, "role", "b", "content", "xyz"))).isTrue();
  }

  @Test
  void shouldBeUsableFromManyThreads() {
    RowPredicate p =
        Expressions.predicate(
            TABLE, "n BETWEEN 10 AND 20 AND role IN ('a', 'b') OR content LIKE 'x%'");
    long matches =
        IntStream.range(0, 200_000)
            .parallel()
            .filter(i -> p.test(row("n", i % 30, "role", i % 2 == 0 ? "a" : "c", "content", "y")))
            .count();
    assertThat(matches)
        .isEqualTo(
            IntStream.range(0, 200_000)
                .filter(i -> i % 30 >= 10 && i % 30 <= 20 && i % 2 == 0)
                .count());
  }
}
