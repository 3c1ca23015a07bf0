package io.tributary.query.expr;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Compiled predicates agree with a naive evaluation of the same SQL with three-valued logic (null
 * is UNKNOWN), on random rows with many NULLs.
 */
class PredicatePropertiesTest {
  static final TableDef TABLE =
      new TableDef(
          9,
          "app",
          "items",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("n", ColumnType.INT, true, null),
              new ColumnDef("role", ColumnType.TEXT, true, null),
              new ColumnDef("score", ColumnType.DOUBLE, true, null),
              new ColumnDef("price", ColumnType.decimal(6, 2), true, null),
              new ColumnDef("flag", ColumnType.BOOLEAN, true, null)),
          List.of("id"),
          Map.of(),
          0);

  record Item(
      long id, Integer n, String role, Double score, BigDecimal price, Boolean flag, long seq) {
    Object[] row() {
      return new Object[] {id, n, role, score, price, flag, seq};
    }
  }

  /** SQL, and the same condition written by hand (null = UNKNOWN). */
  static final Map<String, Function<Item, Boolean>> CASES = new LinkedHashMap<>();

  static {
    CASES.put("n > 5", r -> gt(r.n(), 5));
    CASES.put(
        "n BETWEEN -3 AND 7 AND role = 'user'",
        r -> and(and(ge(r.n(), -3), le(r.n(), 7)), eq(r.role(), "user")));
    CASES.put("n IN (1, 2, 3) OR role IS NULL", r -> or(in(r.n(), 1, 2, 3), r.role() == null));
    CASES.put("NOT (n < 0)", r -> not(lt(r.n(), 0)));
    CASES.put("COALESCE(n, 0) + 1 > id", r -> (r.n() == null ? 0 : r.n()) + 1 > r.id());
    CASES.put(
        "role LIKE 'a%' OR score >= 0.5",
        r ->
            or(
                r.role() == null ? null : r.role().startsWith("a"),
                r.score() == null ? null : r.score() >= 0.5));
    CASES.put(
        "n <> 3 AND NOT (role = 'admin')",
        r -> and(r.n() == null ? null : r.n() != 3, not(eq(r.role(), "admin"))));
    CASES.put(
        "CASE WHEN n IS NULL THEN role = 'x' ELSE MOD(n, 2) = 0 END",
        r -> r.n() == null ? eq(r.role(), "x") : (Boolean) (r.n() % 2 == 0));
    CASES.put(
        "price > n OR flag",
        r ->
            or(
                r.price() == null || r.n() == null
                    ? null
                    : r.price().compareTo(BigDecimal.valueOf(r.n())) > 0,
                r.flag()));
    CASES.put(
        "flag IS NOT TRUE AND _seq > 500", r -> !Boolean.TRUE.equals(r.flag()) && r.seq() > 500);
    CASES.put(
        "n NOT IN (2, 4, 6)",
        r -> r.n() == null ? null : !(r.n() == 2 || r.n() == 4 || r.n() == 6));
    CASES.put(
        "score * 2 < n + 0.5",
        r -> r.score() == null || r.n() == null ? null : r.score() * 2 < r.n() + 0.5);
  }

  static final Map<String, RowPredicate> COMPILED = new LinkedHashMap<>();

  static {
    CASES.keySet().forEach(sql -> COMPILED.put(sql, Expressions.predicate(TABLE, sql)));
  }

  @Provide
  Arbitrary<Item> items() {
    Arbitrary<Long> id = Arbitraries.longs().between(-5, 20);
    Arbitrary<Integer> n = Arbitraries.integers().between(-10, 10).injectNull(0.2);
    Arbitrary<String> role =
        Arbitraries.of("user", "admin", "assistant", "x", "", "a").injectNull(0.2);
    Arbitrary<Double> score = Arbitraries.doubles().between(-2, 2).injectNull(0.2);
    Arbitrary<BigDecimal> price =
        Arbitraries.bigDecimals()
            .between(new BigDecimal("-20"), new BigDecimal("20"))
            .ofScale(2)
            .injectNull(0.2);
    Arbitrary<Boolean> flag = Arbitraries.of(true, false).injectNull(0.3);
    Arbitrary<Long> seq = Arbitraries.longs().between(0, 1000);
    return Combinators.combine(id, n, role, score, price, flag, seq).as(Item::new);
  }

  @Property(tries = 500)
  void compiledPredicatesAgreeWithNaiveEvaluation(@ForAll("items") Item item) {
    Object[] row = item.row();
    for (Map.Entry<String, Function<Item, Boolean>> c : CASES.entrySet()) {
      boolean expected = Boolean.TRUE.equals(c.getValue().apply(item));
      assertThat(COMPILED.get(c.getKey()).test(row))
          .as(c.getKey() + " on " + item)
          .isEqualTo(expected);
    }
  }

  // three-valued logic helpers: null is UNKNOWN

  static Boolean and(Boolean a, Boolean b) {
    if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) {
      return false;
    }
    return a == null || b == null ? null : true;
  }

  static Boolean or(Boolean a, Boolean b) {
    if (Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)) {
      return true;
    }
    return a == null || b == null ? null : false;
  }

  static Boolean not(Boolean a) {
    return a == null ? null : !a;
  }

  static Boolean eq(String a, String b) {
    return a == null ? null : a.equals(b);
  }

  static Boolean gt(Integer a, int b) {
    return a == null ? null : a > b;
  }

  static Boolean ge(Integer a, int b) {
    return a == null ? null : a >= b;
  }

  static Boolean lt(Integer a, int b) {
    return a == null ? null : a < b;
  }

  static Boolean le(Integer a, int b) {
    return a == null ? null : a <= b;
  }

  static Boolean in(Integer a, int... values) {
    if (a == null) {
      return null;
    }
    for (int v : values) {
      if (a == v) {
        return true;
      }
    }
    return false;
  }
}
