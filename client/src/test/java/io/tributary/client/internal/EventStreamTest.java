package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.delete;
import static io.tributary.client.testing.FakeTributaryServer.error;
import static io.tributary.client.testing.FakeTributaryServer.heartbeat;
import static io.tributary.client.testing.FakeTributaryServer.insert;
import static io.tributary.client.testing.FakeTributaryServer.ready;
import static io.tributary.client.testing.FakeTributaryServer.row;
import static io.tributary.client.testing.FakeTributaryServer.sending;
import static io.tributary.client.testing.FakeTributaryServer.sendingThenEnding;
import static io.tributary.client.testing.FakeTributaryServer.snapshot;
import static io.tributary.client.testing.FakeTributaryServer.subscribedOrderedByName;
import static io.tributary.client.testing.FakeTributaryServer.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tributary.client.Column;
import io.tributary.client.ErrorCode;
import io.tributary.client.EventStream;
import io.tributary.client.LiveEvent;
import io.tributary.client.TransportException;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.client.testing.FakeTributaryServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** stream(): one subscription's raw events over the one-shot Subscribe call. */
class EventStreamTest {

  private FakeTributaryServer fake;
  private TributaryClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    fake = new FakeTributaryServer().start(InProcessServerBuilder.forName(name));
    client =
        new GrpcTributaryClient(
                InProcessChannelBuilder.forName(name).build(), Duration.ofSeconds(10))
            .withToken("tok");
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    fake.close();
  }

  @Test
  void shouldHandOverEveryEventWithItsSeqAndTheOrderBy() {
    fake.subscribeScript =
        sendingThenEnding(
            subscribedOrderedByName(true, false),
            snapshot(true, row(1, "a", 3)),
            heartbeat(),
            snapshot(false, row(2, null, 4)),
            ready(4),
            insert(3, "c", 5),
            update(3, "c", 5, "d", 6),
            delete(1, "a", 3, 7));

    List<LiveEvent> events = new ArrayList<>();
    try (EventStream stream = client.stream("SELECT * FROM ns.t ORDER BY name DESC", 42L)) {
      stream.forEachRemaining(events::add);
    }

    assertThat(fake.subscribeRequests.get(0).getSql())
        .isEqualTo("SELECT * FROM ns.t ORDER BY name DESC");
    assertThat(fake.subscribeRequests.get(0).getParams(0).getBigintValue()).isEqualTo(42L);
    assertThat(fake.subscribeAuthorizations).containsExactly("Bearer tok");
    assertThat(events).hasSize(7);
    LiveEvent.Subscribed subscribed = (LiveEvent.Subscribed) events.get(0);
    assertThat(subscribed.columns())
        .containsExactly(
            new Column("id", "BIGINT", false),
            new Column("name", "TEXT", true),
            new Column("_seq", "BIGINT", false));
    assertThat(subscribed.primaryKey()).containsExactly("id");
    assertThat(subscribed.orderBy()).containsExactly(new LiveEvent.SortKey("name", true, false));
    LiveEvent.Snapshot first = (LiveEvent.Snapshot) events.get(1);
    assertThat(first.last()).isFalse();
    assertThat(first.rows().get(0).values()).containsExactly(1L, "a", 3L);
    LiveEvent.Snapshot second = (LiveEvent.Snapshot) events.get(2);
    assertThat(second.last()).isTrue();
    assertThat(second.rows().get(0).getString("name")).isNull();
    assertThat(events.get(3)).isEqualTo(new LiveEvent.Ready(4));
    LiveEvent.Insert inserted = (LiveEvent.Insert) events.get(4);
    assertThat(inserted.seq()).isEqualTo(5);
    assertThat(inserted.row().getLong("_seq")).isEqualTo(5L);
    LiveEvent.Update updated = (LiveEvent.Update) events.get(5);
    assertThat(updated.oldRow().getString("name")).isEqualTo("c");
    assertThat(updated.newRow().getString("name")).isEqualTo("d");
    assertThat(updated.seq()).isEqualTo(6);
    LiveEvent.Delete deleted = (LiveEvent.Delete) events.get(6);
    assertThat(deleted.row().getLong("id")).isEqualTo(1L);
    assertThat(deleted.seq()).isEqualTo(7);
  }

  @Test
  void shouldEndWithTheFailureAndItsLastSeq() {
    fake.subscribeScript =
        sending(
            FakeTributaryServer.subscribed(),
            ready(9),
            error("SUBSCRIBER_TOO_SLOW", "Cannot deliver: too slow", 9));

    List<LiveEvent> events = new ArrayList<>();
    try (EventStream stream = client.stream("SUBSCRIBE TO ns.t")) {
      stream.forEachRemaining(events::add);
      assertThat(stream.hasNext()).isFalse();
    }

    LiveEvent.Failed failed = (LiveEvent.Failed) events.get(events.size() - 1);
    assertThat(failed.error().errorCode()).isEqualTo(ErrorCode.SUBSCRIBER_TOO_SLOW);
    assertThat(failed.error().getMessage()).isEqualTo("Cannot deliver: too slow");
    assertThat(failed.lastSeq()).isEqualTo(9);
    await().untilAsserted(() -> assertThat(fake.cancelled).hasValue(1));
  }

  @Test
  void shouldThrowTheCodeOfARejectedStatement() {
    fake.subscribeScript =
        (request, authorization, events) ->
            events.onError(
                FakeTributaryServer.failure(
                    Status.INVALID_ARGUMENT, "TABLE_NOT_FOUND", "Cannot subscribe: no table"));

    try (EventStream stream = client.stream("SUBSCRIBE TO ns.nothing")) {
      assertThatThrownBy(stream::hasNext)
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> {
                assertThat(e).isNotInstanceOf(TransportException.class);
                assertThat(e.errorCode()).isEqualTo(ErrorCode.TABLE_NOT_FOUND);
                assertThat(e.getMessage()).isEqualTo("Cannot subscribe: no table");
              });
    }
  }

  @Test
  void shouldEndABlockedReadWhenClosedFromAnotherThread() throws Exception {
    fake.subscribeScript = sending(FakeTributaryServer.subscribed());
    EventStream stream = client.stream("SUBSCRIBE TO ns.t");
    assertThat(stream.next()).isInstanceOf(LiveEvent.Subscribed.class);

    CompletableFuture<Boolean> more = CompletableFuture.supplyAsync(stream::hasNext);
    await().untilAsserted(() -> assertThat(fake.subscribeRequests).hasSize(1));
    stream.close();

    assertThat(more.get(10, TimeUnit.SECONDS)).isFalse();
    await().untilAsserted(() -> assertThat(fake.cancelled).hasValue(1));
  }

  @Test
  void shouldSayWhatTheTransportSawWhenNoServerAnswers() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (TributaryClient nowhere = TributaryClient.connect("http://127.0.0.1:" + closedPort)) {
      assertThatThrownBy(() -> nowhere.execute("SELECT 1"))
          .isInstanceOfSatisfying(
              TransportException.class,
              e -> {
                assertThat(e.errorCode()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.reason()).isEqualTo("connection refused");
                assertThat(e.getMessage()).startsWith("Cannot execute statements: ");
              });
    }
  }
}
