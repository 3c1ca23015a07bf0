package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.live.LiveQuery;
import io.tributary.server.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Changes that arrive while a subscription's snapshot is sent wait for it, at most a stream's queue
 * capacity of them: within it they follow the snapshot with no gap and no duplicate; past it the
 * subscription keeps none of them and, once its snapshot is sent, fails as too slow with the
 * snapshot's high-water mark as its resume position.
 */
class SnapshotBufferTest {
  private static final TableDef TABLE =
      new TableDef(
          7,
          "app",
          "feed",
          TableKind.SHARED,
          List.of(new ColumnDef("id", ColumnType.BIGINT, false, null)),
          List.of("id"),
          Map.of(),
          0);

  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final LiveStreamBatchingTest.RecordingCall call =
      new LiveStreamBatchingTest.RecordingCall();
  private final LiveStream stream =
      new LiveStream(
          "s1",
          new Principal("u1", Role.USER),
          call,
          writers,
          3,
          new LiveMetrics(new SimpleMeterRegistry(), () -> 0),
          /* oneShot= */ false);
  private final Subscription sub =
      new Subscription(
          "sub",
          stream,
          new LiveQuery(TABLE, null, null, row -> true, List.of(), -1, -1, 500),
          LiveQuery.allColumns(TABLE),
          "u1",
          "u1",
          0);

  @AfterEach
  void stop() {
    writers.shutdownNow();
  }

  @Test
  void shouldSendTheChangesAfterTheHighWaterMarkThatArrivedDuringTheSnapshot() throws Exception {
    for (long seq = 9; seq <= 11; seq++) {
      assertThat(sub.offer(insert(seq), 0, null)).isTrue();
    }

    assertThat(sub.goLive(9)).isTrue(); // the snapshot already holds change 9

    await().atMost(Duration.ofSeconds(5)).until(() -> call.events().size() == 2);
    assertThat(call.events()).extracting(e -> e.getInsert().getSeq()).containsExactly(10L, 11L);
    assertThat(sub.resumeSeq()).isEqualTo(11);
  }

  @Test
  void shouldFailAsTooSlowFromTheHighWaterMarkWhenMoreChangesArriveThanFit() {
    for (long seq = 10; seq < 20; seq++) {
      assertThat(sub.offer(insert(seq), 0, null)).isTrue(); // never refused during the snapshot
    }

    assertThat(sub.goLive(9)).isFalse();
    assertThat(sub.resumeSeq()).isEqualTo(9);
    assertThat(stream.queued()).isZero();
  }

  private static AppliedChange insert(long seq) {
    return new AppliedChange(
        RowChange.Kind.INSERT, TABLE, null, seq, null, new Object[] {seq, seq}, 0);
  }
}
