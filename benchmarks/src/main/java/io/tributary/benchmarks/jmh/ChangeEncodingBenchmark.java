package io.tributary.benchmarks.jmh;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.RowInsert;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowChange;
import io.tributary.server.api.LiveEncodingLoops;
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
 * as the live hub does it ({@link #shared}: the insert field encoded once, each subscription's
 * event its id field, built when it subscribed, followed by those same bytes, written into a {@code
 * LiveEventBatch}; {@link LiveEncodingLoops#encodeInsertOnce}) beside the row encoded again for
 * every subscription into its own serialized {@code LiveEvent} ({@link #perSubscription}). Time per
 * change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ChangeEncodingBenchmark {
  /** Subscriptions that receive the change. */
  @Param({"10", "1000"})
  public int receivers;

  private String[] ids;
  private byte[][] idFields;
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
    idFields = new byte[receivers][];
    for (int i = 0; i < receivers; i++) {
      ids[i] = "sub-" + i;
      idFields[i] = LiveEncodingLoops.idField(ids[i]);
    }
    if (shared() != perSubscription()) {
      throw new IllegalStateException("Cannot compare: the two encodings differ in size");
    }
  }

  @Benchmark
  public long shared() {
    // Framing is the batch's, not the event's: it counts the events' bytes, as perSubscription.
    return LiveEncodingLoops.encodeInsertOnce(change, columns, idFields);
  }

  @Benchmark
  public long perSubscription() {
    long bytes = 0;
    for (String id : ids) {
      RowInsert insert =
          RowInsert.newBuilder()
              .setRow(LiveEncodingLoops.row(table, columns, change.newRow()))
              .setSeq(change.seq())
              .build();
      LiveEvent e = LiveEvent.newBuilder().setSubscriptionId(id).setInsert(insert).build();
      bytes += e.toByteArray().length;
    }
    return bytes;
  }
}
