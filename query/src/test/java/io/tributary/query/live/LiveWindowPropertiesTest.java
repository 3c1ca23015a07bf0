package io.tributary.query.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.Action;
import io.tributary.query.Analyzer;
import io.tributary.query.Environment;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.QueryEngine;
import io.tributary.query.parse.StatementParser;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A live window agrees with running its SELECT after every change: for random tables, random
 * sequences of inserts, updates and deletes and a set of ORDER BY / LIMIT shapes, the window holds
 * exactly the rows (in order) that the query engine returns for the same SELECT, and a subscriber
 * that applies the reported transitions holds those rows too, never more than LIMIT of them. Small
 * value domains make ties (broken by the primary key) and NULLs common.
 */
class LiveWindowPropertiesTest {
  static final TableDef ITEMS =
      new TableDef(
          30,
          "lab",
          "items",
          TableKind.USER,
          List.of(
              new ColumnDef("id", ColumnType.INT, false, null),
              new ColumnDef("grp", ColumnType.INT, false, null),
              new ColumnDef("score", ColumnType.INT, true, null),
              new ColumnDef("label", ColumnType.TEXT, true, null),
              new ColumnDef("d", ColumnType.DOUBLE, true, null),
              new ColumnDef("amount", ColumnType.decimal(6, 2), true, null)),
          List.of("id"),
          Map.of(),
          0);

  /** A live SELECT and the SELECT it must agree with (every column, ties broken by id). */
  record Case(String live, String reference) {}

  static final List<Case> CASES =
      List.of(
          new Case(
              "SELECT label, score FROM lab.items WHERE grp <> 2 ORDER BY score DESC LIMIT 3",
              "SELECT * FROM lab.items WHERE grp <> 2 ORDER BY score DESC, id LIMIT 3"),
          new Case(
              "SELECT * FROM lab.items ORDER BY label, score DESC LIMIT 4",
              "SELECT * FROM lab.items ORDER BY label, score DESC, id LIMIT 4"),
          new Case(
              "SELECT id FROM lab.items WHERE score > 3 LIMIT 2",
              "SELECT * FROM lab.items WHERE score > 3 ORDER BY id LIMIT 2"),
          new Case(
              "SELECT * FROM lab.items ORDER BY label DESC NULLS LAST, d NULLS FIRST LIMIT 5",
              "SELECT * FROM lab.items ORDER BY label DESC NULLS LAST, d NULLS FIRST, id LIMIT 5"),
          new Case(
              "SELECT * FROM lab.items ORDER BY _seq DESC LIMIT 3",
              "SELECT * FROM lab.items ORDER BY _seq DESC, id LIMIT 3"),
          new Case(
              "SELECT amount FROM lab.items WHERE grp = 1 ORDER BY amount DESC, d LIMIT 1",
              "SELECT * FROM lab.items WHERE grp = 1 ORDER BY amount DESC, d, id LIMIT 1"),
          new Case(
              "SELECT * FROM lab.items ORDER BY score LIMIT 0",
              "SELECT * FROM lab.items ORDER BY score, id LIMIT 0"),
          new Case(
              "SELECT * FROM lab.items ORDER BY grp, score LIMIT 100",
              "SELECT * FROM lab.items ORDER BY grp, score, id LIMIT 100"));

  record Values(int grp, Integer score, String label, Double d, BigDecimal amount) {}

  /** Upserts {@code values} at {@code id}, or deletes {@code id} when values is null. */
  record Op(int id, Values values) {}

  @Provide
  Arbitrary<Values> values() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 6).injectNull(0.2),
            Arbitraries.of("a", "b", "c").injectNull(0.2),
            Arbitraries.of(-1.5, 0.0, 2.25).injectNull(0.2),
            Arbitraries.of(new BigDecimal("1.00"), new BigDecimal("2.50")).injectNull(0.3))
        .as(Values::new);
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        Combinators.combine(Arbitraries.integers().between(0, 9), values().injectNull(0.25))
            .as(Op::new);
    return op.list().ofMinSize(1).ofMaxSize(60);
  }

  @Provide
  Arbitrary<Map<Integer, Values>> initial() {
    return Arbitraries.maps(Arbitraries.integers().between(0, 9), values()).ofMaxSize(8);
  }

  @Provide
  Arbitrary<Integer> cases() {
    return Arbitraries.integers().between(0, CASES.size() - 1);
  }

  @Property(tries = 250)
  void windowAgreesWithTheQueryAfterEveryChange(
      @ForAll("cases") int caseIndex,
      @ForAll("initial") Map<Integer, Values> initial,
      @ForAll("ops") List<Op> ops) {
    Case c = CASES.get(caseIndex);
    LiveQuery query = analyze(c.live());
    assertThat(query.windowed()).isTrue();
    LiveWindow window = new LiveWindow(query);
    Map<Integer, Object[]> table = new TreeMap<>();
    long seq = 0;
    for (Map.Entry<Integer, Values> e : initial.entrySet()) {
      table.put(e.getKey(), row(e.getKey(), e.getValue(), ++seq));
    }
    window.load(table.values());
    Map<Object, Object[]> subscriber = new LinkedHashMap<>();
    for (Object[] r : window.rows()) {
      subscriber.put(r[0], r);
    }
    check(c, query, window, subscriber, table);
    for (Op op : ops) {
      Object[] before = table.get(op.id());
      Object[] after = op.values() == null ? null : row(op.id(), op.values(), ++seq);
      if (after == null) {
        table.remove(op.id());
      } else {
        table.put(op.id(), after);
      }
      for (LiveWindow.Transition t : window.apply(before, after)) {
        if (t.after() == null) {
          assertThat(subscriber.remove(t.before()[0])).as("left").isEqualTo(t.before());
        } else if (t.before() == null) {
          assertThat(subscriber.put(t.after()[0], t.after())).as("entered").isNull();
        } else {
          assertThat(t.after()[0]).isEqualTo(op.id());
          assertThat(subscriber.put(t.after()[0], t.after())).as("changed").isEqualTo(t.before());
        }
        assertThat(subscriber.size()).isLessThanOrEqualTo((int) query.limit());
      }
      check(c, query, window, subscriber, table);
    }
  }

  @Property(tries = 100)
  void reapplyingTheLastChangeMovesNothing(
      @ForAll("initial") Map<Integer, Values> initial, @ForAll("ops") List<Op> ops) {
    LiveWindow window = new LiveWindow(analyze(CASES.get(0).live()));
    Map<Integer, Object[]> table = new TreeMap<>();
    long seq = 0;
    for (Map.Entry<Integer, Values> e : initial.entrySet()) {
      table.put(e.getKey(), row(e.getKey(), e.getValue(), ++seq));
    }
    window.load(table.values());
    for (Op op : ops) {
      Object[] before = table.get(op.id());
      Object[] after = op.values() == null ? null : row(op.id(), op.values(), ++seq);
      if (after == null) {
        table.remove(op.id());
      } else {
        table.put(op.id(), after);
      }
      window.apply(before, after);
      assertThat(window.apply(before, after)).isEmpty();
    }
  }

  private void check(
      Case c,
      LiveQuery query,
      LiveWindow window,
      Map<Object, Object[]> subscriber,
      Map<Integer, Object[]> table) {
    List<Object[]> expected =
        engine.select(c.reference(), List.of(), t -> List.copyOf(table.values())).rows();
    assertThat(lists(window.rows()))
        .as("%s over %s", c.live(), lists(table.values()))
        .containsExactlyElementsOf(lists(expected));
    assertThat(new HashSet<>(lists(subscriber.values()))).isEqualTo(Set.copyOf(lists(expected)));
    assertThat(window.size())
        .isEqualTo(
            query.limit() == 0
                ? 0
                : (int) table.values().stream().filter(r -> query.predicate().test(r)).count());
  }

  private static List<List<Object>> lists(Iterable<Object[]> rows) {
    List<List<Object>> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(Arrays.asList(r));
    }
    return out;
  }

  static Object[] row(int id, Values v, long seq) {
    return new Object[] {id, v.grp(), v.score(), v.label(), v.d(), v.amount(), seq};
  }

  private final CatalogState catalog = catalog();
  private final QueryEngine engine = new QueryEngine(catalog);

  private static CatalogState catalog() {
    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("lab", 0)));
    catalog.apply(CatalogRecord.table(ITEMS));
    return catalog;
  }

  private LiveQuery analyze(String sql) {
    Action action =
        new Analyzer(catalog, ENV)
            .analyze(StatementParser.parseLive(sql), "u", Role.USER, List.of());
    return ((Action.Subscribe) action).query();
  }

  private static final Environment ENV =
      new Environment() {
        @Override
        public long nowMillis() {
          return 0;
        }

        @Override
        public long nextId() {
          return 1;
        }

        @Override
        public String uuidV7() {
          return "018cc251-f400-7000-8000-000000000001";
        }

        @Override
        public String requestId() {
          return "r";
        }

        @Override
        public String hashPassword(String password) {
          return password;
        }
      };
}
