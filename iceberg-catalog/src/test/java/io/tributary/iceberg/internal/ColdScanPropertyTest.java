package io.tributary.iceberg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Cold reads with push-down return exactly the rows an in-memory filter returns: random rows
 * written by several flushes (with updates and deletes between them), random predicates over every
 * kind of column (pushable, partly pushable and not pushable at all), one owner or all.
 */
class ColdScanPropertyTest {
  private static final TableDef TABLE =
      new TableDef(
          11,
          "prop",
          "rows",
          TableKind.USER,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("a", ColumnType.INT, true, null),
              new ColumnDef("b", ColumnType.BIGINT, true, null),
              new ColumnDef("d", ColumnType.DOUBLE, true, null),
              new ColumnDef("p", ColumnType.decimal(8, 2), true, null),
              new ColumnDef("s", ColumnType.TEXT, true, null),
              new ColumnDef("flag", ColumnType.BOOLEAN, true, null),
              new ColumnDef("ts", ColumnType.TIMESTAMP, true, null),
              new ColumnDef("born", ColumnType.DATE, true, null)),
          List.of("id"),
          Map.of(),
          0);
  private static final String[] STRINGS = {"apple", "banana", "cherry", "é", "Zed", "", "ap"};
  private static final long T0 = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
  private static final int DAY0 = 19_723; // 2024-01-01

  private static Path dir;
  private static IcebergColdStore store;

  /** The table's current rows by owner and id: what the cold tier must hold after the flushes. */
  private static final Map<String, RowVersion> expected = new LinkedHashMap<>();

  @BeforeContainer
  static void writeRows() throws IOException {
    dir = Files.createTempDirectory("cold-prop");
    store = IcebergColdStore.open(dir, 4);
    Random random = new Random(20261207);
    long seq = 0;
    for (int flush = 0; flush < 4; flush++) {
      List<RowVersion> batch = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        seq++;
        String owner = "u" + random.nextInt(6);
        long id = random.nextInt(400);
        String key = owner + "/" + id;
        RowVersion v =
            expected.containsKey(key) && random.nextInt(3) == 0
                ? RowVersion.tombstone(owner, tombstone(id, seq))
                : RowVersion.of(owner, randomRow(random, id, seq));
        batch.add(v);
        if (v.deleted()) {
          expected.remove(key);
        } else {
          expected.put(key, v);
        }
      }
      store.flush(TABLE, "f" + flush, seq, batch.iterator());
    }
  }

  @AfterContainer
  static void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Object[] tombstone(long id, long seq) {
    Object[] row = new Object[TABLE.columns().size() + 1];
    row[0] = id;
    row[row.length - 1] = seq;
    return row;
  }

  private static Object[] randomRow(Random r, long id, long seq) {
    return new Object[] {
      id,
      maybe(r, r.nextInt(21) - 5),
      maybe(r, (long) r.nextInt(2000) - 1000),
      maybe(r, r.nextInt(40) / 4.0 - 2),
      maybe(r, BigDecimal.valueOf(r.nextInt(2000) - 500, 2)),
      maybe(r, STRINGS[r.nextInt(STRINGS.length)]),
      maybe(r, r.nextBoolean()),
      maybe(r, T0 + r.nextInt(20) * 1000L + r.nextInt(3)),
      maybe(r, DAY0 + r.nextInt(10)),
      seq
    };
  }

  private static Object maybe(Random r, Object value) {
    return r.nextInt(7) == 0 ? null : value;
  }

  @Property(tries = 80)
  void coldScanEqualsInMemoryFilter(
      @ForAll("predicates") String where, @ForAll("owners") String owner) {
    BoundExpression bound = Expressions.bindPredicate(TABLE, where);
    RowPredicate predicate = Expressions.predicate(TABLE, where);
    List<RowVersion> want =
        expected.values().stream()
            .filter(v -> owner.isEmpty() || owner.equals(v.owner()))
            .filter(v -> predicate.test(v.row()))
            .toList();

    List<RowVersion> got =
        ColdFixtures.drain(store.scan(TABLE, owner.isEmpty() ? null : owner, bound));

    assertThat(ColdFixtures.shown(got)).as(where).isEqualTo(ColdFixtures.shown(want));
    Statistics.collect(want.isEmpty() ? "no row" : "rows");
    Statistics.coverage(c -> c.check("rows").percentage(p -> p >= 25.0));
  }

  @Provide
  Arbitrary<String> owners() {
    return Arbitraries.of("", "u0", "u3", "u5", "nobody");
  }

  @Provide
  Arbitrary<String> predicates() {
    return predicate(3);
  }

  private Arbitrary<String> predicate(int depth) {
    if (depth == 0) {
      return leaf();
    }
    Arbitrary<String> sub = Arbitraries.lazy(() -> predicate(depth - 1));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, leaf()),
        net.jqwik.api.Tuple.of(
            2, Combinators.combine(sub, sub).as((x, y) -> "(" + x + ") AND (" + y + ")")),
        net.jqwik.api.Tuple.of(
            2, Combinators.combine(sub, sub).as((x, y) -> "(" + x + ") OR (" + y + ")")),
        net.jqwik.api.Tuple.of(1, sub.map(x -> "NOT (" + x + ")")));
  }

  private static Arbitrary<String> op() {
    return Arbitraries.of("=", "<>", "<", "<=", ">", ">=");
  }

  private Arbitrary<String> leaf() {
    Arbitrary<String> nullable =
        Arbitraries.of("a", "b", "d", "p", "s", "flag", "ts", "born")
            .flatMap(c -> Arbitraries.of(c + " IS NULL", c + " IS NOT NULL"));
    Arbitrary<String> ints =
        Combinators.combine(op(), Arbitraries.integers().between(-6, 16))
            .as((o, v) -> "a " + o + " " + v);
    Arbitrary<String> longs =
        Combinators.combine(op(), Arbitraries.integers().between(-1100, 1100))
            .as((o, v) -> "b " + o + " " + v);
    Arbitrary<String> ids =
        Combinators.combine(op(), Arbitraries.integers().between(-1, 401))
            .as((o, v) -> "id " + o + " " + v);
    Arbitrary<String> doubles =
        Combinators.combine(op(), Arbitraries.integers().between(-12, 44))
            .as((o, v) -> "d " + o + " " + (v / 4.0));
    Arbitrary<String> decimals =
        Combinators.combine(op(), Arbitraries.integers().between(-600, 1600))
            .as((o, v) -> "p " + o + " " + BigDecimal.valueOf(v, 2).toPlainString());
    Arbitrary<String> strings =
        Combinators.combine(op(), Arbitraries.of(STRINGS)).as((o, v) -> "s " + o + " '" + v + "'");
    Arbitrary<String> likes =
        Arbitraries.of(
            "s LIKE 'a%'",
            "s LIKE 'ap%'",
            "s LIKE '%an%'",
            "s NOT LIKE 'b%'",
            "s LIKE 'b_nana'",
            "s LIKE 'cherry'");
    Arbitrary<String> sets =
        Arbitraries.of(
            "a IN (1, 3, 5)",
            "a NOT IN (2, 4)",
            "a BETWEEN 2 AND 8",
            "a NOT BETWEEN 0 AND 10",
            "s IN ('apple', 'Zed')",
            "b BETWEEN -100 AND 300",
            "id IN (5, 17, 250, 399)",
            "born BETWEEN DATE '2024-01-03' AND DATE '2024-01-06'");
    Arbitrary<String> booleans =
        Arbitraries.of(
            "flag", "NOT flag", "flag = TRUE", "flag IS TRUE", "flag IS NOT TRUE", "flag IS FALSE");
    Arbitrary<String> times =
        Combinators.combine(
                op(), Arbitraries.integers().between(-1, 21), Arbitraries.of("000", "001", "500"))
            .as(
                (o, s, ms) ->
                    "ts "
                        + o
                        + " TIMESTAMP '2024-01-01 00:00:"
                        + String.format("%02d", Math.max(0, s))
                        + "."
                        + ms
                        + "'");
    Arbitrary<String> days =
        Combinators.combine(op(), Arbitraries.integers().between(0, 11))
            .as((o, d) -> "born " + o + " DATE '2024-01-" + String.format("%02d", d + 1) + "'");
    Arbitrary<String> seqs =
        Combinators.combine(op(), Arbitraries.integers().between(0, 620))
            .as((o, v) -> "_seq " + o + " " + v);
    Arbitrary<String> notPushable =
        Arbitraries.of(
            "a + 1 > 5",
            "a = b",
            "CAST(a AS BIGINT) > 4",
            "UPPER(s) = 'APPLE'",
            "CHAR_LENGTH(s) > 2",
            "b * 2 < 100",
            "COALESCE(a, 0) = 0");
    return Arbitraries.oneOf(
        nullable,
        ints,
        longs,
        ids,
        doubles,
        decimals,
        strings,
        likes,
        sets,
        booleans,
        times,
        days,
        seqs,
        notPushable);
  }
}
