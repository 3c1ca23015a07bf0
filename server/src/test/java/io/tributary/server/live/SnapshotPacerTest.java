package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Role;
import io.tributary.server.Principal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a snapshot's batches are paced on a stream: the next batch may be read and queued only once
 * the previous one was taken by the stream's drain (which takes events only while the client is
 * ready), and a client that takes nothing fails within the configured limits. The gRPC call is the
 * recording stand-in of {@link LiveStreamBatchingTest}, whose readiness the test controls.
 */
class SnapshotPacerTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final ExecutorService setup = Executors.newSingleThreadExecutor();
  private final LiveStreamBatchingTest.RecordingCall call =
      new LiveStreamBatchingTest.RecordingCall();
  private final LiveStream stream =
      new LiveStream(
          "s1",
          new Principal("u1", Role.USER),
          call,
          writers,
          10_000,
          new LiveMetrics(new SimpleMeterRegistry(), () -> 0),
          /* oneShot= */ false);
  private final AtomicBoolean closed = new AtomicBoolean();

  @AfterEach
  void stop() {
    setup.shutdownNow();
    writers.shutdownNow();
  }

  private SnapshotPacer pacer(Duration stall, Duration max) {
    return new SnapshotPacer(stream, closed::get, "ns.t", stall, max);
  }

  @Test
  void shouldLetTheNextBatchGoOnlyOnceTheClientTookThePreviousOne() throws Exception {
    call.ready = false;
    SnapshotPacer pacer = pacer(LONG, LONG);
    assertThat(pacer.awaitRoom()).isTrue();
    assertThat(pacer.put(batch(1))).isTrue();

    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !room.isDone() && stream.queued() == 1);

    call.becomeReady();

    assertThat(room.get()).isTrue();
    assertThat(pacer.put(batch(2))).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> call.events().size() == 2);
    assertThat(call.events())
        .extracting(e -> e.getInitialRows().getRowsCount())
        .containsExactly(1, 2);
  }

  @Test
  void shouldFailAsTooSlowWhenTheClientTakesNothingForTheStallTimeout() {
    call.ready = false;
    SnapshotPacer pacer = pacer(Duration.ofSeconds(1), LONG);
    assertThat(pacer.put(batch(1))).isTrue();

    assertThatThrownBy(pacer::awaitRoom)
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIBER_TOO_SLOW))
        .hasMessage("Cannot subscribe to ns.t: the client read nothing of its snapshot for 1 s");
  }

  @Test
  void shouldFailAsTooSlowWhenTheSnapshotOutlastsTheLongestItMayStayOpen() {
    call.ready = false;
    SnapshotPacer pacer = pacer(LONG, Duration.ofSeconds(1));
    assertThat(pacer.put(batch(1))).isTrue();

    assertThatThrownBy(() -> pacer.put(batch(2)))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIBER_TOO_SLOW))
        .hasMessage(
            "Cannot subscribe to ns.t: the client did not read its snapshot within 1 s (the"
                + " longest a snapshot may stay open)");
    assertThat(stream.queued()).isEqualTo(1);
  }

  @Test
  void shouldStopWaitingWhenTheSubscriptionIsClosed() throws Exception {
    call.ready = false;
    SnapshotPacer pacer = pacer(LONG, LONG);
    assertThat(pacer.put(batch(1))).isTrue();
    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);

    closed.set(true); // KILL LIVE QUERY, or the stream went away

    assertThat(room.get()).isFalse();
    assertThat(pacer.put(batch(2))).isFalse();
    assertThat(stream.queued()).isEqualTo(1);
  }

  @Test
  void shouldStopWaitingWhenTheStreamIsCancelled() throws Exception {
    call.ready = false;
    SnapshotPacer pacer = pacer(LONG, LONG);
    assertThat(pacer.put(batch(1))).isTrue();
    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);

    stream.markCancelled();

    assertThat(room.get()).isFalse();
  }

  private static EventBytes batch(int rows) {
    InitialRows.Builder b = InitialRows.newBuilder();
    for (int i = 0; i < rows; i++) {
      b.addRows(Row.getDefaultInstance());
    }
    return EventBytes.of(LiveEvent.newBuilder().setSubscriptionId("sub").setInitialRows(b).build());
  }
}
