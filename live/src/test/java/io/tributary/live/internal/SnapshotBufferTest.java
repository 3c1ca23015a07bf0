package io.tributary.live.internal;

import static io.tributary.live.internal.Fixtures.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.live.EventEncoder;
import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.live.LiveQuery;
import java.time.Duration;
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
  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final RecordingSink sink = new RecordingSink();
  private final TextEncoder encoder = new TextEncoder();
  private final LiveStream stream =
      Fixtures.stream("s1", sink, encoder, writers, 3, TimeSource.SYSTEM);
  private final Subscription sub =
      Fixtures.subscription("sub", stream, Fixtures.everyRow(), encoder);

  @AfterEach
  void stop() {
    writers.shutdownNow();
  }

  @Test
  void shouldSendTheChangesAfterTheHighWaterMarkThatArrivedDuringTheSnapshot() {
    for (long seq = 9; seq <= 11; seq++) {
      assertThat(sub.offer(insert(seq), 0, null)).isTrue();
    }

    assertThat(sub.goLive(9)).isTrue(); // the snapshot already holds change 9

    await().atMost(Duration.ofSeconds(5)).until(() -> sink.events().size() == 2);
    assertThat(sink.events()).containsExactly("sub|insert 10", "sub|insert 11");
    assertThat(sub.resumeSeq()).isEqualTo(11);
    assertThat(sub.state()).isEqualTo(Subscription.State.LIVE);
  }

  @Test
  void shouldShareTheBytesOfBufferedChangesBetweenSubscribersThatGoLive() {
    // Many subscribers whose snapshots are slow (stalled readers) must not each hold their own
    // copy of every change that arrived meanwhile: the dispatcher's encoding is kept and reused.
    LiveQuery query = Fixtures.everyRow();
    RecordingSink otherSink = new RecordingSink();
    LiveStream otherStream =
        Fixtures.stream("s2", otherSink, encoder, writers, 3, TimeSource.SYSTEM);
    Subscription first = Fixtures.subscription("a", stream, query, encoder);
    Subscription second = Fixtures.subscription("b", otherStream, query, encoder);
    for (long seq = 10; seq <= 11; seq++) {
      AppliedChange change = insert(seq);
      EventEncoder.ChangeEncoding shared = encoder.change(change);
      assertThat(first.offer(change, 0, shared)).isTrue();
      assertThat(second.offer(change, 0, shared)).isTrue();
    }

    assertThat(first.goLive(9)).isTrue();
    assertThat(second.goLive(9)).isTrue();

    await().atMost(Duration.ofSeconds(5)).until(() -> sink.events().size() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> otherSink.events().size() == 2);
    assertThat(sink.events()).containsExactly("a|insert 10", "a|insert 11");
    assertThat(otherSink.events()).containsExactly("b|insert 10", "b|insert 11");
    assertThat(encoder.encodings).as("bodies built for two changes").hasValue(2);
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

  @Test
  void shouldAllowOnlyTheTransitionsOfItsLifecycle() {
    assertThat(Subscription.State.SNAPSHOT.isValidTransition(Subscription.State.LIVE)).isTrue();
    assertThat(Subscription.State.SNAPSHOT.isValidTransition(Subscription.State.CLOSED)).isTrue();
    assertThat(Subscription.State.LIVE.isValidTransition(Subscription.State.CLOSED)).isTrue();
    assertThat(Subscription.State.LIVE.isValidTransition(Subscription.State.SNAPSHOT)).isFalse();
    for (Subscription.State s : Subscription.State.values()) {
      assertThat(Subscription.State.CLOSED.isValidTransition(s)).as("CLOSED -> %s", s).isFalse();
    }
    assertThat(LiveStream.State.OPEN.isValidTransition(LiveStream.State.COMPLETING)).isTrue();
    assertThat(LiveStream.State.COMPLETING.isValidTransition(LiveStream.State.CLOSED)).isTrue();
    assertThat(LiveStream.State.COMPLETING.isValidTransition(LiveStream.State.OPEN)).isFalse();
    assertThat(LiveStream.State.CLOSED.isValidTransition(LiveStream.State.OPEN)).isFalse();

    assertThat(sub.close()).isTrue();
    assertThat(sub.close()).isFalse(); // closing twice is not a transition
    assertThat(sub.goLive(9)).isTrue(); // a closed subscription never goes live
    assertThat(sub.state()).isEqualTo(Subscription.State.CLOSED);
  }
}
