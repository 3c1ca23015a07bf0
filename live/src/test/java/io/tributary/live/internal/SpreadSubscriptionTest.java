package io.tributary.live.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.live.LiveQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A live query over every partition of a partitioned SHARED table ({@link LiveQuery#spread()}): a
 * change is applied when its {@code _seq} is past the last one applied in its own partition (the
 * positions of different partitions do not compare), starting from each partition's snapshot
 * high-water mark; it cannot be resumed from one position.
 */
class SpreadSubscriptionTest {
  /** {@code app.rooms (room BIGINT, id BIGINT, PRIMARY KEY (room, id))}, by room. */
  private static final TableDef ROOMS =
      new TableDef(
          8,
          "app",
          "rooms",
          TableKind.SHARED,
          List.of(
              new ColumnDef("room", ColumnType.BIGINT, false, null),
              new ColumnDef("id", ColumnType.BIGINT, false, null)),
          List.of("room", "id"),
          Map.of("PARTITION_KEY", "room"),
          0);

  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final RecordingSink sink = new RecordingSink();
  private final TextEncoder encoder = new TextEncoder();
  private final LiveStream stream =
      Fixtures.stream("s1", sink, encoder, writers, 16, TimeSource.SYSTEM);
  private final LiveQuery everyRoom =
      new LiveQuery(ROOMS, null, null, row -> true, List.of(), -1, -1, 500);
  private final Subscription sub = Fixtures.subscription("sub", stream, everyRoom, encoder);

  @AfterEach
  void stop() {
    writers.shutdownNow();
  }

  @Test
  void shouldApplyEachPartitionsChangesAfterItsOwnHighWaterMark() {
    assertThat(everyRoom.spread()).isTrue();
    assertThat(everyRoom.range()).isNull();
    // Buffered during the snapshot, the partitions interleaved: partition 0 is far ahead of 1.
    offer(insert(1, 50, 0));
    offer(insert(2, 20, 1));
    offer(insert(1, 60, 0));
    offer(insert(2, 30, 1));
    offer(insert(1, 70, 0));

    // The snapshot held partition 0 up to 50 and partition 1 up to 20.
    assertThat(sub.goLive(-1, new long[] {50, 20})).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> sink.events().size() == 3);
    assertThat(sink.events()).containsExactly("sub|insert 60", "sub|insert 30", "sub|insert 70");

    // Live: a replayed change of either partition is dropped, a later one of each goes out,
    // however its _seq compares with the other partition's.
    offer(insert(2, 30, 1));
    offer(insert(1, 70, 0));
    offer(insert(2, 40, 1));
    offer(insert(1, 71, 0));
    offer(insert(3, 5, 2)); // a partition never seen: everything of it is new
    await().atMost(Duration.ofSeconds(5)).until(() -> sink.events().size() == 6);
    assertThat(sink.events().subList(3, 6))
        .containsExactly("sub|insert 40", "sub|insert 71", "sub|insert 5");
    assertThat(sub.resumeSeq()).as("no one position to resume from").isEqualTo(-1);
  }

  @Test
  void shouldReadEveryPartitionInTurnAndKeepEachHighWaterMark() {
    List<HotCursor> partitions =
        List.of(
            cursor(List.<Object[]>of(new Object[] {1L, 1L, 5L}), 5),
            cursor(List.of(), -1),
            cursor(List.<Object[]>of(new Object[] {2L, 1L, 3L}, new Object[] {4L, 1L, 9L}), 9));
    List<Object[]> rows = new ArrayList<>();
    try (SpreadCursor spread = new SpreadCursor(partitions)) {
      spread.forEachRemaining(rows::add);
      assertThat(spread.highWaters()).containsExactly(5, -1, 9);
      assertThat(spread.highWater()).isEqualTo(-1);
    }
    assertThat(rows).extracting(r -> r[0]).containsExactly(1L, 2L, 4L);
  }

  private void offer(AppliedChange change) {
    if (sub.state() == Subscription.State.LIVE) {
      assertThat(stream.offerChange(sub, change, encoder.change(change), 0, true)).isTrue();
    } else {
      assertThat(sub.offer(change, 0, null)).isTrue();
    }
  }

  private static AppliedChange insert(long room, long seq, int partition) {
    return new AppliedChange(
        RowChange.Kind.INSERT, ROOMS, null, seq, null, new Object[] {room, seq, seq}, partition);
  }

  private static HotCursor cursor(List<Object[]> rows, long highWater) {
    Iterator<Object[]> it = rows.iterator();
    return new HotCursor() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Object[] next() {
        return it.next();
      }

      @Override
      public long highWater() {
        return highWater;
      }

      @Override
      public void close() {}
    };
  }
}
