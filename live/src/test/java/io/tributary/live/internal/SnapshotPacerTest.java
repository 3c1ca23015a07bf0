package io.tributary.live.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a snapshot's batches are paced on a stream: the next batch may be read and queued only once
 * the previous one was taken by the stream's drain (which takes events only while the client is
 * ready), and a client that takes nothing fails within the configured limits. The client is a
 * recording sink whose readiness the test controls; the limits are read on a clock the test moves.
 */
class SnapshotPacerTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final ExecutorService setup = Executors.newSingleThreadExecutor();
  private final RecordingSink sink = new RecordingSink();
  private final ManualTime time = new ManualTime();
  private final LiveStream stream =
      Fixtures.stream("s1", sink, new TextEncoder(), writers, 10_000, time);
  private final AtomicBoolean closed = new AtomicBoolean();

  @AfterEach
  void stop() {
    setup.shutdownNow();
    writers.shutdownNow();
  }

  private SnapshotPacer pacer(Duration stall, Duration max) {
    return new SnapshotPacer(stream, closed::get, "ns.t", stall, max, time);
  }

  @Test
  void shouldLetTheNextBatchGoOnlyOnceTheClientTookThePreviousOne() throws Exception {
    sink.ready = false;
    SnapshotPacer pacer = pacer(LONG, LONG);
    assertThat(pacer.awaitRoom()).isTrue();
    assertThat(pacer.put(batch(1))).isTrue();

    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !room.isDone() && stream.queued() == 1);

    sink.becomeReady();

    assertThat(room.get()).isTrue();
    assertThat(pacer.put(batch(2))).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> sink.events().size() == 2);
    assertThat(sink.events()).containsExactly("sub|rows 1", "sub|rows 2");
  }

  @Test
  void shouldFailAsTooSlowWhenTheClientTakesNothingForTheStallTimeout() {
    sink.ready = false;
    SnapshotPacer pacer = pacer(Duration.ofSeconds(1), LONG);
    assertThat(pacer.put(batch(1))).isTrue();

    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);
    moveTheClockUntilDone(room);

    assertThatThrownBy(room::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIBER_TOO_SLOW))
        .hasMessage("Cannot subscribe to ns.t: the client read nothing of its snapshot for 1 s");
  }

  @Test
  void shouldFailAsTooSlowWhenTheSnapshotOutlastsTheLongestItMayStayOpen() {
    sink.ready = false;
    SnapshotPacer pacer = pacer(LONG, Duration.ofSeconds(1));
    assertThat(pacer.put(batch(1))).isTrue();

    CompletableFuture<Boolean> second =
        CompletableFuture.supplyAsync(() -> pacer.put(batch(2)), setup);
    moveTheClockUntilDone(second);

    assertThatThrownBy(second::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIBER_TOO_SLOW))
        .hasMessage(
            "Cannot subscribe to ns.t: the client did not read its snapshot within 1 s (the"
                + " longest a snapshot may stay open)");
    assertThat(stream.queued()).isEqualTo(1);
  }

  @Test
  void shouldNotFailBeforeTheStallTimeoutHasPassedOnItsClock() {
    sink.ready = false;
    SnapshotPacer pacer = pacer(Duration.ofSeconds(10), LONG);
    assertThat(pacer.put(batch(1))).isTrue();

    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);
    await()
        .during(Duration.ofMillis(500)) // real time passes; the clock the pacer reads does not
        .atMost(Duration.ofSeconds(5))
        .until(() -> !room.isDone());
    sink.becomeReady();

    assertThat(room.join()).isTrue();
  }

  @Test
  void shouldStopWaitingWhenTheSubscriptionIsClosed() throws Exception {
    sink.ready = false;
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
    sink.ready = false;
    SnapshotPacer pacer = pacer(LONG, LONG);
    assertThat(pacer.put(batch(1))).isTrue();
    CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(pacer::awaitRoom, setup);

    stream.markCancelled();

    assertThat(room.get()).isFalse();
  }

  /** Moves the pacer's clock a second at a time until {@code waiting} ends (it waits on it). */
  private void moveTheClockUntilDone(CompletableFuture<?> waiting) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              time.advance(Duration.ofSeconds(1));
              return waiting.isDone();
            });
  }

  private static Event batch(int rows) {
    return new Event(TextEncoder.bytes("sub|"), TextEncoder.bytes("rows " + rows));
  }
}
