package io.tributary.benchmarks.jmh;

import io.tributary.query.expr.RowPredicate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A subscription's WHERE clause as the server compiles it ({@code SUBSCRIBE TO ... WHERE}, through
 * the parser and the analyzer) evaluated over rows of canonical values, beside a hand-written Java
 * lambda of the same condition: the most a compiled predicate could hope for. Time per row.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PredicateBenchmark {
  static final int ROWS = 1024;

  /** {@code eq}: {@code room = 7}; {@code and}: an equality, a range and a LIKE. */
  @Param({"eq", "and"})
  public String where;

  private Object[][] rows;
  private RowPredicate compiled;
  private RowPredicate lambda;

  /** The WHERE clause of each {@link #where} value. */
  static String sql(String where) {
    return switch (where) {
      case "eq" -> "room = 7";
      case "and" -> "room = 7 AND id > 100 AND body LIKE '%seventy%'";
      default -> throw new IllegalArgumentException("Cannot find predicate " + where);
    };
  }

  @Setup
  public void setUp() {
    compiled = new Feed().subscribe(sql(where)).predicate();
    lambda =
        switch (where) {
          case "eq" -> r -> r[1] != null && (Integer) r[1] == 7;
          case "and" ->
              r ->
                  r[1] != null
                      && (Integer) r[1] == 7
                      && r[0] != null
                      && (Long) r[0] > 100
                      && r[2] != null
                      && ((String) r[2]).contains("seventy");
          default -> throw new IllegalArgumentException("Cannot find predicate " + where);
        };
    rows = new Object[ROWS][];
    for (int i = 0; i < ROWS; i++) {
      String body = i % 3 == 0 ? "another body without the word" : Feed.BODY;
      rows[i] = Feed.row(i, i % 16, body, (long) i << 16);
    }
    int a = count(compiled);
    int b = count(lambda);
    if (a != b || a == 0) {
      throw new IllegalStateException(
          "Cannot compare predicates: compiled matches " + a + " rows, the lambda " + b);
    }
  }

  private int count(RowPredicate p) {
    int n = 0;
    for (Object[] r : rows) {
      if (p.test(r)) {
        n++;
      }
    }
    return n;
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public int compiled() {
    return count(compiled);
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public int lambda() {
    return count(lambda);
  }
}
