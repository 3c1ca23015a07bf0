package io.tributary.server.live;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.RowInsert;
import io.tributary.benchmarks.jmh.Feed;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowChange;
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
 * The wire form of one inserted row for {@code receivers} subscriptions with the same projection:
 * the row encoded once ({@link EncodedChange}, as the live hub does) beside the row encoded again
 * for every subscription. Both build each subscription's {@code LiveEvent} (it carries the
 * subscription id) and serialize it, as the gRPC stream does. Time per change.
 *
 * <p>Kept to this one class on purpose: the hub's event encoding is being reworked (events
 * pre-encoded once and shared, with a per-subscription prefix), and only {@link #shared} needs to
 * follow it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ChangeEncodingBenchmark {
  /** Subscriptions that receive the change. */
  @Param({"10", "1000"})
  public int receivers;

  private String[] ids;
  private List<Integer> columns;
  private TableDef table;
  private AppliedChange change;

  @Setup
  public void setUp() {
    Feed feed = new Feed();
    table = feed.table();
    columns = feed.subscribe("room = 1").columns();
    long seq = 42L << 16;
    change =
        new AppliedChange(
            RowChange.Kind.INSERT, table, null, seq, null, Feed.row(42, 1, Feed.BODY, seq), 0);
    ids = new String[receivers];
    for (int i = 0; i < receivers; i++) {
      ids[i] = "sub-" + i;
    }
    if (shared() != perSubscription()) {
      throw new IllegalStateException("Cannot compare: the two encodings differ in size");
    }
  }

  @Benchmark
  public long shared() {
    EncodedChange encoded = new EncodedChange(change);
    long bytes = 0;
    for (String id : ids) {
      LiveEvent e =
          LiveEvent.newBuilder().setSubscriptionId(id).setInsert(encoded.insert(columns)).build();
      bytes += e.toByteArray().length;
    }
    return bytes;
  }

  @Benchmark
  public long perSubscription() {
    long bytes = 0;
    for (String id : ids) {
      RowInsert insert =
          RowInsert.newBuilder()
              .setRow(EncodedChange.row(table, columns, change.newRow()))
              .setSeq(change.seq())
              .build();
      LiveEvent e = LiveEvent.newBuilder().setSubscriptionId(id).setInsert(insert).build();
      bytes += e.toByteArray().length;
    }
    return bytes;
  }
}
