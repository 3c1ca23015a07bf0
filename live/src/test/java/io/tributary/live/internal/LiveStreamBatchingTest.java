package io.tributary.live.internal;

import static io.tributary.live.internal.Fixtures.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.live.LiveQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a stream turns its queue into messages: the events waiting when the client becomes ready go
 * out together, in order, as one message; a change's events never split across messages; a change's
 * body is encoded once and the same bytes go to every subscription. The client is a recording sink
 * whose readiness the test controls (the server's end-to-end tests run real gRPC streams).
 */
class LiveStreamBatchingTest {
  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final RecordingSink sink = new RecordingSink();
  private final TextEncoder encoder = new TextEncoder();

  @AfterEach
  void stop() {
    writers.shutdownNow();
  }

  private LiveStream stream(int capacity) {
    return Fixtures.stream("s1", sink, encoder, writers, capacity, TimeSource.SYSTEM);
  }

  private static Event event(String head, String body) {
    return new Event(TextEncoder.bytes(head), TextEncoder.bytes(body));
  }

  @Test
  void shouldSendTheEventsWaitingForAReadyClientAsOneBatchInOrder() {
    LiveStream stream = stream(10_000);
    sink.ready = false;
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "sub-" + (i % 3) + "|";
      assertThat(stream.offer(event(id, "insert " + i), 0)).isTrue();
      expected.add(id + "insert " + i);
    }
    assertThat(sink.messages).isEmpty(); // not ready: nothing written

    sink.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == 300);
    assertThat(sink.messages).hasSize(1);
    assertThat(sink.events()).isEqualTo(expected);
  }

  @Test
  void shouldSplitABacklogAtTheBatchLimits() {
    LiveStream stream = stream(10_000);
    sink.ready = false;
    int events = LiveStream.MAX_BATCH_EVENTS * 2 + 5;
    for (int i = 0; i < events; i++) {
      stream.offer(event("sub|", "insert " + i), 0);
    }
    sink.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == events);
    assertThat(sink.messages).hasSize(3);
    assertThat(sink.messages.get(0)).hasSize(LiveStream.MAX_BATCH_EVENTS);
    for (int i = 0; i < events; i++) {
      assertThat(sink.events().get(i)).isEqualTo("sub|insert " + i);
    }
  }

  @Test
  void shouldNeverSplitTheEventsOfOneChangeAcrossBatches() {
    LiveStream stream = stream(10_000);
    Subscription window = Fixtures.subscription("win", stream, Fixtures.firstRows(1), encoder);
    window.loadWindow(List.<Object[]>of(new Object[] {5L, 5L}));
    assertThat(window.goLive(5)).isTrue();
    sink.ready = false;
    int before = LiveStream.MAX_BATCH_EVENTS - 1;
    for (int i = 0; i < before; i++) {
      stream.offer(event("sub|", "insert " + i), 0);
    }
    // Row 1 enters the window of the first row: row 5 leaves, row 1 enters, both with _seq 6.
    AppliedChange entering = insert(1, 6);
    assertThat(window.offer(entering, 0, encoder.change(entering))).isTrue();
    stream.offer(event("sub|", "insert 7"), 0);
    sink.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == before + 3);
    assertThat(sink.messages).hasSize(2);
    List<String> first = sink.messages.get(0);
    assertThat(first).hasSize(before + 2);
    assertThat(first.subList(before, before + 2)).containsExactly("win|delete 6", "win|insert 6");
    assertThat(sink.messages.get(1)).containsExactly("sub|insert 7");
  }

  @Test
  void shouldStopABatchNearTheByteLimitButSendAnOversizedEventAlone() {
    LiveStream stream = stream(10_000);
    sink.ready = false;
    String big = "x".repeat(LiveStream.MAX_BATCH_BYTES + 1);
    stream.offer(event("", big), 0);
    stream.offer(event("sub|", "insert 1"), 0);
    sink.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == 2);
    assertThat(sink.messages).hasSize(2);
    assertThat(sink.events().get(0)).isEqualTo(big);
  }

  @Test
  void shouldEncodeAChangeOncePerProjectionForEverySubscription() {
    LiveStream stream = stream(10_000);
    sink.ready = false;
    List<Subscription> subs = new ArrayList<>();
    LiveQuery query = Fixtures.everyRow(); // one projection list, as the hub shares it
    for (int i = 0; i < 3; i++) {
      Subscription sub = Fixtures.subscription("s" + i, stream, query, encoder);
      assertThat(sub.goLive(0)).isTrue();
      subs.add(sub);
    }
    List<Subscription> elsewhere = new ArrayList<>();
    List<Subscription> tooSlow = new ArrayList<>();

    AppliedChange change = insert(9);
    stream.offerLive(subs, 0, 3, change, 0, encoder.change(change), elsewhere, tooSlow);
    stream.flush();
    sink.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == 3);
    assertThat(elsewhere).isEmpty();
    assertThat(tooSlow).isEmpty();
    assertThat(sink.events()).containsExactly("s0|insert 9", "s1|insert 9", "s2|insert 9");
    byte[][] bodies = sink.bodies.get(0);
    assertThat(bodies[1]).isSameAs(bodies[0]);
    assertThat(bodies[2]).isSameAs(bodies[0]);
    assertThat(encoder.encodings).hasValue(1);
  }
}
