package io.tributary.query.expr.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowExpression;
import io.tributary.query.expr.RowPredicate;
import io.tributary.query.parse.SqlParsing;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.calcite.rex.RexNode;

/**
 * Bind, encode, decode and compile gives the evaluator that compiling the bound Calcite expression
 * directly gives: the same RexNode, and the same result or failure on random rows.
 */
class BoundRoundTripTest {
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

  static final List<String> PREDICATES =
      List.of(
          "n > 5",
          "n BETWEEN -3 AND 7 AND role = 'user'",
          "n IN (1, 2, 3) OR role IS NULL",
          "n NOT IN (1, 2) AND id NOT BETWEEN 3 AND 4",
          "role LIKE 'a%' OR role NOT LIKE 'u\\_%' ESCAPE '\\'",
          "NOT (n < 0) AND n <> 3",
          "COALESCE(n, 0) + 1 > id",
          "n IS DISTINCT FROM 3 OR n IS NOT DISTINCT FROM 4",
          "active IS TRUE OR active IS NOT FALSE OR (n > 1) IS UNKNOWN",
          "active IS NOT TRUE AND active IS FALSE OR (n > 1) IS NOT UNKNOWN",
          "price > n OR active",
          "score >= 0.5 AND score < 1e3",
          "created_at > TIMESTAMP '2024-01-02 03:04:05.678'",
          "created_at + INTERVAL '1' HOUR > TIMESTAMP '2024-01-02 00:00:00'",
          "created_at - INTERVAL '2:30' HOUR TO MINUTE < TIMESTAMP '2024-01-02 00:00:00'",
          "on_day IN (DATE '2024-01-02', DATE '2024-01-03')",
          "on_day - INTERVAL '1' YEAR < DATE '2024-01-01'",
          "EXTRACT(YEAR FROM created_at) = 2024 AND EXTRACT(DAY FROM on_day) > 1",
          "FLOOR(created_at TO DAY) = TIMESTAMP '2024-01-02 00:00:00'",
          "CEIL(created_at TO HOUR) > created_at",
          "UPPER(role) = 'USER' OR LOWER(content) = 'hi'",
          "CHAR_LENGTH(content) > 3 OR CHARACTER_LENGTH(role) = 1",
          "TRIM(BOTH ' ' FROM content) = 'x' OR TRIM(LEADING 'a' FROM role) = 'b'",
          "POSITION('a' IN content) > 0",
          "SUBSTRING(content FROM 2 FOR 3) = 'bcd' OR SUBSTRING(role FROM 2) = 'ser'",
          "REPLACE(role, 'u', 'v') = 'vser'",
          "data = X'0A0B' OR data IN (X'01', X'02')",
          "ref_id = '00000000-0000-0000-0000-000000000001' OR doc = '{}'",
          "CAST(n AS VARCHAR) = '5' OR CAST(role AS INT) > 2",
          "n / (n - 5) > 0",
          "ABS(n) < 10 AND MOD(n, 3) = 1 AND n % 2 = 0",
          "ROUND(score) = 1 OR ROUND(price, 1) > 2",
          "CEIL(price) > 3 OR FLOOR(score) < 0",
          "NULLIF(n, 0) IS NULL",
          "CASE WHEN n IS NULL THEN role = 'x' ELSE MOD(n, 2) = 0 END",
          "CASE n WHEN 1 THEN 'a' WHEN 2 THEN 'b' END = role",
          "_seq > 10",
          "n * 1000000000 > 5",
          "id * 9223372036854775807 > 0",
          "content || '!' = 'hi!'",
          "-n < 0 AND +n > -10",
          "price BETWEEN 1.5 AND 2.5",
          "role > 'b' AND role <= 'user'",
          "role IN ('user', 'bot') OR content NOT IN ('a', 'b')",
          "score IN (0.5, 1.5) OR price IN (1.25, 2)",
          "active");

  /** A value expression and the column it is assigned to. */
  record Value(String sql, String column) {}

  static final List<Value> VALUES =
      List.of(
          new Value("n + 1", "n"),
          new Value("content || '!'", "content"),
          new Value("CASE WHEN n > 2 THEN 'big' ELSE role END", "role"),
          new Value("price * 2", "price"),
          new Value("created_at + INTERVAL '1' MONTH", "created_at"),
          new Value("on_day + INTERVAL '3' DAY", "on_day"),
          new Value("NULL", "n"),
          new Value("'2024-01-02'", "on_day"),
          new Value("n", "id"),
          new Value("score / 0", "score"),
          new Value("CAST(score AS INT)", "n"),
          new Value("X'0A0B'", "data"),
          new Value("UPPER(role)", "role"),
          new Value("EXTRACT(MONTH FROM on_day)", "id"),
          new Value("n * 100000", "n"),
          new Value("created_at", "on_day"),
          new Value("'{\"a\": 1}'", "doc"),
          new Value("COALESCE(role, content, 'none')", "content"));

  static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return new ColumnDef(name, type, nullable, null);
  }

  @Example
  void shouldRebuildTheSameRexNodeFromABoundTree() {
    for (String sql : PREDICATES) {
      ExpressionBinder.Bound bound =
          ExpressionBinder.bindCondition(TABLE, SqlParsing.parseExpression(sql), "WHERE clause");
      assertSameRex(sql, bound.node());
    }
    for (Value v : VALUES) {
      if (v.sql().equals("NULL")) {
        continue;
      }
      ExpressionBinder.Bound bound =
          ExpressionBinder.bindValue(TABLE, SqlParsing.parseExpression(v.sql()), "expression");
      assertSameRex(v.sql(), bound.node());
    }
  }

  private static void assertSameRex(String sql, RexNode original) {
    RexNode rebuilt = BoundRex.toRex(BoundRex.toBound(original, "test"), TABLE, "test").node();
    assertThat(rebuilt.toString()).as(sql).isEqualTo(original.toString());
    assertThat(rebuilt.getType()).as(sql).isEqualTo(original.getType());
    assertThat(rebuilt).as(sql).isEqualTo(original);
  }

  /** Each predicate compiled directly and after binding, encoding and decoding; once. */
  static final List<RowPredicate[]> COMPILED_PREDICATES =
      PREDICATES.stream()
          .map(
              sql -> {
                ExpressionBinder.Bound direct =
                    ExpressionBinder.bindCondition(
                        TABLE, SqlParsing.parseExpression(sql), "WHERE clause");
                BoundExpression bound = Expressions.bindPredicate(TABLE, sql);
                return new RowPredicate[] {
                  new RexCompiler(direct.rexBuilder(), sql, "WHERE clause")
                      .predicate(direct.node()),
                  Expressions.predicate(
                      TABLE, CommandCodec.decodeExpression(CommandCodec.encode(bound)))
                };
              })
          .toList();

  /** Each value expression compiled directly and after the round trip; once. */
  static final List<RowExpression[]> COMPILED_VALUES =
      VALUES.stream()
          .map(
              v -> {
                ColumnDef target = TABLE.columns().get(TABLE.columnIndex(v.column()));
                BoundExpression bound =
                    Expressions.bindValue(TABLE, v.sql(), target.type(), target.name());
                return new RowExpression[] {
                  v.sql().equals("NULL")
                      ? r -> null
                      : directValue(v.sql(), target.type(), target.name()),
                  Expressions.expression(
                      TABLE,
                      CommandCodec.decodeExpression(CommandCodec.encode(bound)),
                      target.type(),
                      target.name())
                };
              })
          .toList();

  @Property(tries = 500)
  void predicatesAgreeAfterEncodingAndDecoding(@ForAll("rows") Object[] row) {
    for (int i = 0; i < PREDICATES.size(); i++) {
      RowPredicate[] p = COMPILED_PREDICATES.get(i);
      assertThat(outcome(() -> p[1].test(row)))
          .as(PREDICATES.get(i) + " over " + Arrays.toString(row))
          .isEqualTo(outcome(() -> p[0].test(row)));
    }
  }

  @Property(tries = 500)
  void valuesAgreeAfterEncodingAndDecoding(@ForAll("rows") Object[] row) {
    for (int i = 0; i < VALUES.size(); i++) {
      RowExpression[] e = COMPILED_VALUES.get(i);
      assertThat(outcome(() -> e[1].evaluate(row)))
          .as(VALUES.get(i).sql() + " over " + Arrays.toString(row))
          .isEqualTo(outcome(() -> e[0].evaluate(row)));
    }
  }

  private static RowExpression directValue(String sql, ColumnType target, String column) {
    ExpressionBinder.Bound direct =
        ExpressionBinder.bindValue(TABLE, SqlParsing.parseExpression(sql), "expression");
    return new RexCompiler(direct.rexBuilder(), sql, "expression")
        .valueInto(direct.node(), target, column);
  }

  /** The value (byte arrays as lists), or the failure's code and message. */
  private static Object outcome(Supplier<Object> evaluation) {
    try {
      Object v = evaluation.get();
      return v instanceof byte[] b ? Arrays.toString(b) : v;
    } catch (TributaryException e) {
      return e.code() + ": " + e.getMessage();
    }
  }

  @Provide
  Arbitrary<Object[]> rows() {
    Arbitrary<Long> id = Arbitraries.longs().between(-5, 10);
    Arbitrary<Integer> n = Arbitraries.integers().between(-12, 12).injectNull(0.2);
    Arbitrary<String> role =
        Arbitraries.of("user", "bot", "a_b", "u_x", "b", "", " x ", "aab", "3").injectNull(0.2);
    Arbitrary<String> content = Arbitraries.of("hi", "abcde", "x", " a ", "HI").injectNull(0.2);
    Arbitrary<Long> createdAt =
        Arbitraries.longs().between(1704150000000L, 1704250000000L).injectNull(0.2);
    Arbitrary<Integer> onDay = Arbitraries.integers().between(19720, 19730).injectNull(0.2);
    Arbitrary<BigDecimal> price =
        Arbitraries.bigDecimals()
            .between(new BigDecimal("-10"), new BigDecimal("10"))
            .ofScale(2)
            .injectNull(0.2);
    Arbitrary<Double> score = Arbitraries.of(0.5, 1.5, -2.25, 0.0, 1e9).injectNull(0.2);
    Arbitrary<byte[]> data =
        Arbitraries.of(new byte[] {10, 11}, new byte[] {1}, new byte[0]).injectNull(0.2);
    Arbitrary<Boolean> active = Arbitraries.of(true, false).injectNull(0.3);
    Arbitrary<String> doc = Arbitraries.of("{}", "[1]").injectNull(0.5);
    Arbitrary<String> ref = Arbitraries.of("00000000-0000-0000-0000-000000000001").injectNull(0.5);
    Arbitrary<Long> seq = Arbitraries.longs().between(0, 20);
    List<Arbitrary<Object>> columns =
        List.of(
            id.map(v -> v),
            n.map(v -> v),
            role.map(v -> v),
            content.map(v -> v),
            createdAt.map(v -> v),
            onDay.map(v -> v),
            price.map(v -> v),
            score.map(v -> v),
            data.map(v -> v),
            active.map(v -> v),
            doc.map(v -> v),
            ref.map(v -> v),
            seq.map(v -> v));
    return Combinators.combine(columns).as(values -> values.toArray());
  }
}
