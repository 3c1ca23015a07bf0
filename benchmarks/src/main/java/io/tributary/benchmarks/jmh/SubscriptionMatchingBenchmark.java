package io.tributary.benchmarks.jmh;

import io.tributary.live.LiveInnerLoops;
import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Which subscriptions one change concerns: the live hub's subscription index (candidates by table,
 * owner and equality value, then each candidate's compiled filter; {@link LiveInnerLoops.Matcher})
 * beside a linear scan that tests every subscription's filter. {@code matching} subscriptions
 * follow room 1, the change's room; the rest are spread over 1,000 other rooms, as in the fan-out
 * benchmark's {@code 10k-1k} layout. Time per change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SubscriptionMatchingBenchmark {
  @Param({"10000", "100000"})
  public int subscriptions;

  @Param({"1000"})
  public int matching;

  /** Rooms the other subscriptions are spread over (one compiled filter each). */
  @Param({"1000"})
  public int otherRooms;

  private final LiveInnerLoops.Matcher index = new LiveInnerLoops.Matcher();
  private final List<LiveQuery> all = new ArrayList<>();
  private long tableId;
  private Object[] newRow;

  @Setup
  public void setUp() {
    Feed feed = new Feed();
    tableId = feed.table().id();
    // One analyzed query per room (compiling costs milliseconds); each subscription is its own.
    LiveQuery[] byRoom = new LiveQuery[otherRooms + 2];
    for (int i = 0; i < subscriptions; i++) {
      int room = i < matching ? 1 : 2 + i % otherRooms;
      if (byRoom[room] == null) {
        byRoom[room] = feed.subscribe("room = " + room);
      }
      index.add("s" + i, byRoom[room]);
      all.add(byRoom[room]);
    }
    newRow = Feed.row(42, 1, Feed.BODY, 42L << 16);
    int a = index();
    int b = linearScan();
    if (a != matching || b != matching) {
      throw new IllegalStateException(
          "Cannot compare: the index finds " + a + " matches, the scan " + b + ", not " + matching);
    }
  }

  @Benchmark
  public int index() {
    return index.matches(tableId, null, null, newRow);
  }

  @Benchmark
  public int linearScan() {
    int n = 0;
    for (LiveQuery q : all) {
      if (q.table().id() == tableId && q.predicate().test(newRow)) {
        n++;
      }
    }
    return n;
  }
}
