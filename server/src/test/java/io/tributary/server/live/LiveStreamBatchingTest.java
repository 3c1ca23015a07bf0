package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.Value;
import io.tributary.server.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a stream turns its queue into messages: the events waiting when the client becomes ready go
 * out together, in order, as one {@code LiveEventBatch} whose bytes parse to exactly the events
 * queued; a shared change body is the same bytes for every subscription. The gRPC call is a
 * recording stand-in whose readiness the test controls (the end-to-end tests run real streams).
 */
class LiveStreamBatchingTest {
  private final ExecutorService writers = Executors.newSingleThreadExecutor();
  private final RecordingCall call = new RecordingCall();
  private final LiveMetrics metrics = new LiveMetrics(new SimpleMeterRegistry(), () -> 0);

  @AfterEach
  void stop() {
    writers.shutdownNow();
  }

  private LiveStream stream(int capacity) {
    return new LiveStream(
        "s1", principal(), call, writers, capacity, metrics, /* oneShot= */ false);
  }

  private static Principal principal() {
    return new Principal("id-u1", "u1", io.tributary.query.catalog.Role.USER, 0);
  }

  @Test
  void shouldSendTheEventsWaitingForAReadyClientAsOneBatchInOrder() throws Exception {
    LiveStream stream = stream(10_000);
    call.ready = false;
    byte[] body = insertField(7);
    List<LiveEvent> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "sub-" + (i % 3);
      assertThat(stream.offer(new EventBytes(idField(id), body), 0)).isTrue();
      expected.add(LiveEvent.parseFrom(concat(idField(id), body)));
    }
    assertThat(call.messages).isEmpty(); // not ready: nothing written

    call.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> call.events().size() == 300);
    assertThat(call.messages).hasSize(1);
    assertThat(call.events()).isEqualTo(expected);
  }

  @Test
  void shouldSplitABacklogAtTheBatchLimits() throws Exception {
    LiveStream stream = stream(10_000);
    call.ready = false;
    int events = LiveStream.MAX_BATCH_EVENTS * 2 + 5;
    for (int i = 0; i < events; i++) {
      stream.offer(new EventBytes(idField("sub"), insertField(i)), 0);
    }
    call.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> call.events().size() == events);
    assertThat(call.messages).hasSize(3);
    assertThat(LiveEventBatch.parseFrom(call.messages.get(0)).getEventsCount())
        .isEqualTo(LiveStream.MAX_BATCH_EVENTS);
    for (int i = 0; i < events; i++) {
      assertThat(call.events().get(i).getInsert().getSeq()).isEqualTo(i);
    }
  }

  @Test
  void shouldNeverSplitTheEventsOfOneChangeAcrossBatches() throws Exception {
    LiveStream stream = stream(10_000);
    call.ready = false;
    int before = LiveStream.MAX_BATCH_EVENTS - 1;
    for (int i = 0; i < before; i++) {
      stream.offer(new EventBytes(idField("sub"), insertField(i)), 0);
    }
    // A window change: a row leaves, one moves, one enters, all with the same _seq.
    long change = 1_000_000;
    List<EventBytes> window =
        List.of(
            new EventBytes(idField("win"), insertField(change)),
            new EventBytes(idField("win"), insertField(change)),
            new EventBytes(idField("win"), insertField(change)));
    assertThat(stream.offerAll(window, 0, false)).isTrue();
    stream.offer(new EventBytes(idField("sub"), insertField(change + 1)), 0);
    call.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> call.events().size() == before + 4);
    assertThat(call.messages).hasSize(2);
    List<LiveEvent> first = LiveEventBatch.parseFrom(call.messages.get(0)).getEventsList();
    assertThat(first).hasSize(before + 3);
    assertThat(first.subList(before, before + 3))
        .allSatisfy(e -> assertThat(e.getInsert().getSeq()).isEqualTo(change));
    assertThat(LiveEventBatch.parseFrom(call.messages.get(1)).getEventsList())
        .singleElement()
        .satisfies(e -> assertThat(e.getInsert().getSeq()).isEqualTo(change + 1));
  }

  @Test
  void shouldStopABatchNearTheByteLimitButSendAnOversizedEventAlone() throws Exception {
    LiveStream stream = stream(10_000);
    call.ready = false;
    String big = "x".repeat(LiveStream.MAX_BATCH_BYTES + 1);
    LiveEvent huge =
        LiveEvent.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder().setServerTimeMillis(big.length()))
            .setSubscriptionId(big)
            .build();
    stream.offer(EventBytes.of(huge), 0);
    stream.offer(new EventBytes(idField("sub"), insertField(1)), 0);
    call.becomeReady();

    await().atMost(Duration.ofSeconds(10)).until(() -> call.events().size() == 2);
    assertThat(call.messages).hasSize(2);
    assertThat(call.events().get(0)).isEqualTo(huge);
  }

  @Test
  void shouldEncodeAChangeOncePerProjectionForEverySubscription() {
    EncodedBatch a = EncodedBatch.of(List.of(new EventBytes(idField("a"), insertField(3))));
    byte[] shared = insertField(3);
    EventBytes first = new EventBytes(idField("a"), shared);
    EventBytes second = new EventBytes(idField("b"), shared);
    EncodedBatch both = EncodedBatch.of(List.of(first, second));

    assertThat(EncodedBatch.framedSize(first)).isEqualTo(a.bytes().length);
    assertThat(both.bytes()).hasSize(2 * a.bytes().length);
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] idField(String id) {
    return EventBytes.field(LiveEvent.SUBSCRIPTION_ID_FIELD_NUMBER, id);
  }

  private static byte[] insertField(long seq) {
    Row row =
        Row.newBuilder()
            .addValues(Value.newBuilder().setBigintValue(seq))
            .addValues(Value.newBuilder().setBigintValue(seq))
            .build();
    return EventBytes.field(
        LiveEvent.INSERT_FIELD_NUMBER, RowInsert.newBuilder().setRow(row).setSeq(seq).build());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A server call that records what is written and is ready only when the test says so. */
  static final class RecordingCall extends ServerCallStreamObserver<EncodedBatch> {
    final List<byte[]> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean ready = true;
    private volatile Runnable onReady = () -> {};

    void becomeReady() {
      ready = true;
      onReady.run();
    }

    List<LiveEvent> events() throws Exception {
      List<LiveEvent> out = new ArrayList<>();
      for (byte[] m : messages) {
        out.addAll(LiveEventBatch.parseFrom(m).getEventsList());
      }
      return out;
    }

    @Override
    public void onNext(EncodedBatch value) {
      messages.add(value.bytes());
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
      onReady = handler;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
