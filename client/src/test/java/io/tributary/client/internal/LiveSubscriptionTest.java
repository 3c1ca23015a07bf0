package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.delete;
import static io.tributary.client.testing.FakeTributaryServer.error;
import static io.tributary.client.testing.FakeTributaryServer.heartbeat;
import static io.tributary.client.testing.FakeTributaryServer.insert;
import static io.tributary.client.testing.FakeTributaryServer.ready;
import static io.tributary.client.testing.FakeTributaryServer.row;
import static io.tributary.client.testing.FakeTributaryServer.snapshot;
import static io.tributary.client.testing.FakeTributaryServer.subscribed;
import static io.tributary.client.testing.FakeTributaryServer.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.Value;
import io.tributary.client.Column;
import io.tributary.client.LiveQuery;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.client.testing.FakeTributaryServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** subscribe() and live() against a scripted in-process LiveService. */
class LiveSubscriptionTest {

  private static final String SQL = "SUBSCRIBE TO chat.messages WHERE conversation_id = $1";

  private FakeTributaryServer fake;
  private ManualScheduler scheduler;
  private TributaryClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    fake = new FakeTributaryServer().start(InProcessServerBuilder.forName(name).directExecutor());
    scheduler = new ManualScheduler();
    client =
        new GrpcTributaryClient(
                InProcessChannelBuilder.forName(name).directExecutor().build(),
                Duration.ofSeconds(10),
                new LiveConnection.Options(
                    new Backoff(Duration.ofMillis(100), Duration.ofMillis(700), () -> 0.5),
                    scheduler,
                    4))
            .withToken("tok");
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    fake.close();
  }

  @Test
  void shouldDecodeSnapshotReadyAndChangesOnOneListenerThread() {
    Recorder events = new Recorder();

    Subscription subscription = client.subscribe(SQL, events, 1L);
    fake.send(
        subscribed("sub-1"),
        snapshot("sub-1", true, row(1, "a", 3)),
        snapshot("sub-1", false, row(2, null, 5)),
        ready("sub-1", 9),
        heartbeat(),
        insert("sub-1", 3, "c", 10),
        update("sub-1", 1, "a", 3, "A", 11),
        delete("sub-1", 2, null, 12));

    eventually()
        .untilAsserted(
            () ->
                assertThat(events.log)
                    .containsExactly(
                        "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]",
                        "snapshot [[1, a, 3]]",
                        "snapshot [[2, null, 5]] last",
                        "ready 9",
                        "insert 10 [3, c, 10]",
                        "update 11 [1, a, 3] -> [1, A, 11]",
                        "delete 12 [2, null, 12]"));
    assertThat(subscription.id()).isEqualTo("sub-1");
    assertThat(subscription.lastSeq()).isEqualTo(12);
    assertThat(events.threads).hasSize(1);
    assertThat(events.threads.iterator().next())
        .startsWith("tributary-live-")
        .isNotEqualTo(Thread.currentThread().getName());
    assertThat(events.typedName).isEqualTo("c");
  }

  @Test
  void shouldSendStatementParamsAndTokenOnOneStream() {
    client.subscribe(SQL, new Recorder(), 7L, "x", null);
    client.subscribe("SUBSCRIBE TO chat.rooms", new Recorder());

    assertThat(fake.openCalls).hasValue(1);
    assertThat(fake.adds).hasSize(2);
    assertThat(fake.adds.get(0).getStreamId()).isEqualTo("stream-1");
    assertThat(fake.adds.get(0).getSql()).isEqualTo(SQL);
    assertThat(fake.adds.get(0).getParamsList())
        .containsExactly(
            Value.newBuilder().setBigintValue(7).build(),
            Value.newBuilder().setTextValue("x").build(),
            Value.getDefaultInstance());
    assertThat(fake.adds.get(1).getStreamId()).isEqualTo("stream-1");
    assertThat(fake.authorizations)
        .containsExactly(
            "OpenStream Bearer tok", "AddSubscription Bearer tok", "AddSubscription Bearer tok");
  }

  @Test
  void shouldDispatchEventsBySubscriptionId() {
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    client.subscribe(SQL, first, 1L);
    client.subscribe(SQL, second, 2L);

    fake.send(
        subscribed("sub-2"),
        subscribed("sub-1"),
        insert("sub-2", 20, "b", 21),
        insert("sub-1", 10, "a", 11),
        insert("sub-unknown", 99, "z", 99),
        insert("sub-2", 22, "c", 23));

    eventually()
        .untilAsserted(
            () ->
                assertThat(second.log)
                    .containsExactly(
                        "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]",
                        "insert 21 [20, b, 21]",
                        "insert 23 [22, c, 23]"));
    assertThat(first.log)
        .containsExactly(
            "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]", "insert 11 [10, a, 11]");
  }

  @Test
  void shouldAskForMoreEventsAsTheListenerHandlesThem() {
    Recorder events = new Recorder();
    client.subscribe(SQL, events, 1L);

    fake.send(subscribed("sub-1"), ready("sub-1", 0));
    for (int seq = 1; seq <= 50; seq++) {
      fake.send(insert("sub-1", seq, "r" + seq, seq));
    }

    // The stream's window is 4 events: the other 48 came because the listener thread asked.
    eventually().until(() -> events.log.size() == 52);
    assertThat(events.log.get(51)).isEqualTo("insert 50 [50, r50, 50]");
  }

  @Test
  void shouldDeliverEventsThatArriveBeforeTheAddResponse() {
    fake.onAdd =
        (request, id, response) -> {
          fake.send(subscribed(id), snapshot(id, false, row(1, "a", 1)), ready(id, 4));
          FakeTributaryServer.answer(response, id);
        };
    Recorder events = new Recorder();

    client.subscribe(SQL, events, 1L);

    eventually()
        .untilAsserted(
            () ->
                assertThat(events.log)
                    .containsExactly(
                        "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]",
                        "snapshot [[1, a, 1]] last",
                        "ready 4"));
  }

  @Test
  void shouldThrowWhenTheServerRejectsTheStatement() {
    fake.onAdd =
        (request, id, response) -> {
          Metadata trailers = new Metadata();
          trailers.put(
              Errors.ERROR_DETAIL_KEY,
              ErrorDetail.newBuilder()
                  .setError(
                      Error.newBuilder()
                          .setCode("TABLE_NOT_FOUND")
                          .setMessage("Cannot subscribe: table chat.nope does not exist"))
                  .build());
          response.onError(Status.NOT_FOUND.asRuntimeException(trailers));
        };

    assertThatThrownBy(() -> client.subscribe("SUBSCRIBE TO chat.nope", new Recorder()))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot subscribe: table chat.nope does not exist")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo("TABLE_NOT_FOUND");
  }

  @Test
  void shouldThrowUnavailableWhenTheStreamCannotOpen() {
    fake.failOpens.set(1);

    assertThatThrownBy(() -> client.subscribe(SQL, new Recorder(), 1L))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot subscribe: not yet")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(TributaryException.UNAVAILABLE);
    assertThat(scheduler.delays).isEmpty();
  }

  @Test
  void shouldRejectBadParameterBeforeSending() {
    assertThatThrownBy(() -> client.subscribe(SQL, new Recorder(), new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot bind parameter $1: unsupported type java.lang.Object");
    assertThat(fake.openCalls).hasValue(0);
  }

  @Test
  void shouldResumeFromLastSeqAfterTheStreamDropsAndDropDuplicates() {
    Recorder events = new Recorder();
    Subscription subscription =
        client.subscribe(SQL + " OPTIONS (last_rows = 20, batch_size = 5)", events, 1L);
    fake.send(
        subscribed("sub-1"),
        snapshot("sub-1", false, row(1, "a", 3)),
        ready("sub-1", 10),
        insert("sub-1", 2, "b", 12));
    eventually().until(() -> events.log.size() == 4);

    fake.drop(Status.UNAVAILABLE.withDescription("connection reset"));
    eventually().until(() -> scheduler.delays.size() == 1);
    assertThat(scheduler.delays).containsExactly(Duration.ofMillis(100));
    scheduler.runPending();

    eventually().until(() -> fake.adds.size() == 2);
    assertThat(fake.openCalls).hasValue(2);
    assertThat(fake.lastAdd().getStreamId()).isEqualTo("stream-2");
    assertThat(fake.lastAdd().getSql())
        .isEqualTo(
            "SUBSCRIBE TO chat.messages WHERE conversation_id = $1 OPTIONS (batch_size = 5,"
                + " from_seq = 12)");
    assertThat(fake.lastAdd().getParamsList())
        .containsExactly(Value.newBuilder().setBigintValue(1).build());
    eventually().until(() -> subscription.id().equals("sub-2"));

    fake.send(
        subscribed("sub-2"),
        ready("sub-2", 12),
        insert("sub-2", 1, "dup", 11),
        insert("sub-2", 2, "dup", 12),
        insert("sub-2", 3, "c", 13));

    eventually().until(() -> events.log.size() == 5);
    assertThat(events.log.subList(3, 5))
        .containsExactly("insert 12 [2, b, 12]", "insert 13 [3, c, 13]");
    assertThat(subscription.lastSeq()).isEqualTo(13);
  }

  @Test
  void shouldBackOffExponentiallyWhileTheServerIsDownAndResetOnceOpen() {
    Recorder events = new Recorder();
    client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"), ready("sub-1", 5));
    eventually().until(() -> events.log.size() == 2);
    fake.failOpens.set(4);

    fake.drop(Status.UNAVAILABLE);
    for (int attempt = 1; attempt <= 5; attempt++) {
      eventually().until(() -> scheduler.pending() == 1);
      scheduler.runPending();
    }
    eventually().until(() -> fake.adds.size() == 2);
    fake.drop(Status.UNAVAILABLE);
    eventually().until(() -> scheduler.delays.size() == 6);

    assertThat(scheduler.delays)
        .extracting(Duration::toMillis)
        .containsExactly(100L, 200L, 400L, 700L, 700L, 100L);
    assertThat(fake.openCalls).hasValue(6);
    assertThat(fake.adds.get(1).getSql()).endsWith(" OPTIONS (from_seq = 5)");
    assertThat(events.log)
        .containsExactly("subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]", "ready 5");
  }

  @Test
  void shouldResumeOnTheSameStreamWhenTheServerSaysTooSlow() {
    Recorder events = new Recorder();
    Subscription subscription = client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"), ready("sub-1", 10), insert("sub-1", 1, "a", 11));
    eventually().until(() -> events.log.size() == 3);

    fake.send(error("sub-1", "SUBSCRIBER_TOO_SLOW", "Cannot deliver: subscriber too slow", 11));

    eventually().until(() -> fake.adds.size() == 2);
    assertThat(fake.lastAdd().getStreamId()).isEqualTo("stream-1");
    assertThat(fake.lastAdd().getSql()).isEqualTo(SQL + " OPTIONS (from_seq = 11)");
    eventually().until(() -> subscription.id().equals("sub-2"));
    fake.send(insert("sub-2", 1, "a", 11), insert("sub-2", 2, "b", 12));

    eventually().until(() -> events.log.size() == 4);
    assertThat(events.log.get(3)).isEqualTo("insert 12 [2, b, 12]");
    assertThat(fake.openCalls).hasValue(1);
    assertThat(scheduler.delays).isEmpty();
  }

  @Test
  void shouldResumeAllWhenTheStreamItselfIsTooSlow() {
    Recorder events = new Recorder();
    client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"), ready("sub-1", 10));
    eventually().until(() -> events.log.size() == 2);

    fake.send(error("", "SUBSCRIBER_TOO_SLOW", "Cannot deliver: stream too slow", 0));

    eventually().until(() -> scheduler.delays.size() == 1);
    assertThat(fake.stream().isCancelled()).isTrue();
    scheduler.runPending();
    eventually().until(() -> fake.adds.size() == 2);
    assertThat(fake.lastAdd().getSql()).isEqualTo(SQL + " OPTIONS (from_seq = 10)");
  }

  @Test
  void shouldRestartTheSnapshotWhenDroppedBeforeReady() {
    Recorder events = new Recorder();
    client.subscribe(SQL + " OPTIONS (last_rows = 20)", events, 1L);
    fake.send(subscribed("sub-1"), snapshot("sub-1", true, row(1, "a", 3)));
    eventually().until(() -> events.log.size() == 2);

    fake.drop(Status.UNAVAILABLE);
    eventually().until(() -> scheduler.delays.size() == 1);
    scheduler.runPending();
    eventually().until(() -> fake.adds.size() == 2);
    fake.send(subscribed("sub-2"), snapshot("sub-2", false, row(1, "a", 3)), ready("sub-2", 8));

    assertThat(fake.lastAdd().getSql()).isEqualTo(SQL + " OPTIONS (last_rows = 20)");
    eventually().until(() -> events.log.size() == 5);
    assertThat(events.log)
        .containsExactly(
            "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]",
            "snapshot [[1, a, 3]]",
            "subscribed [id BIGINT, name TEXT, _seq BIGINT] key [id]",
            "snapshot [[1, a, 3]] last",
            "ready 8");
  }

  @Test
  void shouldEndWithOnErrorOnATerminalError() {
    Recorder events = new Recorder();
    Subscription subscription = client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"), ready("sub-1", 10));

    fake.send(
        error("sub-1", "PERMISSION_DENIED", "Cannot subscribe: access revoked", 10),
        insert("sub-1", 1, "late", 11));

    eventually().until(() -> events.log.size() == 3);
    assertThat(events.log.get(2))
        .isEqualTo("error PERMISSION_DENIED: Cannot subscribe: access revoked");
    assertThat(events.errors).hasSize(1);
    assertThat(fake.adds).hasSize(1);
    subscription.close();
    assertThat(fake.removes).isEmpty();
  }

  @Test
  void shouldFailRawSubscriptionWhenTheResumePositionIsLost() {
    Recorder events = new Recorder();
    client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"), ready("sub-1", 10));
    fake.send(error("sub-1", "SUBSCRIBER_TOO_SLOW", "Cannot deliver: too slow", 10));
    eventually().until(() -> fake.adds.size() == 2);
    eventually().until(() -> events.log.size() == 2);

    fake.send(error("sub-2", "RESUME_POSITION_LOST", "Cannot resume: _seq 10 is gone", 10));

    eventually().until(() -> events.log.size() == 3);
    assertThat(events.log.get(2))
        .isEqualTo("error RESUME_POSITION_LOST: Cannot resume: _seq 10 is gone");
    assertThat(fake.adds).hasSize(2);
  }

  @Test
  void shouldEndEverySubscriptionWhenTheStreamIsRefused() {
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    client.subscribe(SQL, first, 1L);
    client.subscribe(SQL, second, 2L);

    fake.drop(Status.UNAUTHENTICATED.withDescription("token expired"));

    eventually().until(() -> first.log.size() == 1 && second.log.size() == 1);
    assertThat(first.log)
        .containsExactly("error UNAUTHENTICATED: Cannot receive live events: token expired");
    assertThat(second.log)
        .containsExactly("error UNAUTHENTICATED: Cannot receive live events: token expired");
    assertThat(scheduler.delays).isEmpty();
  }

  @Test
  void shouldRemoveTheSubscriptionOnClose() {
    Recorder events = new Recorder();
    Subscription subscription = client.subscribe(SQL, events, 1L);
    fake.send(subscribed("sub-1"));
    eventually().until(() -> events.log.size() == 1);

    subscription.close();
    subscription.close();
    fake.send(ready("sub-1", 3));

    eventually().until(() -> fake.removes.size() == 1);
    assertThat(fake.removes.get(0).getStreamId()).isEqualTo("stream-1");
    assertThat(fake.removes.get(0).getSubscriptionId()).isEqualTo("sub-1");
    assertThat(events.log).hasSize(1);
  }

  @Test
  void shouldStopCallbacksOnceClosedFromAListener() {
    List<String> seen = new CopyOnWriteArrayList<>();
    Subscription[] handle = new Subscription[1];
    handle[0] =
        client.subscribe(
            SQL,
            new Recorder() {
              @Override
              public void onInsert(Row row, long seq) {
                seen.add("insert " + seq);
                handle[0].close();
              }
            },
            1L);

    fake.send(insert("sub-1", 1, "a", 1), insert("sub-1", 2, "b", 2));

    eventually().until(() -> fake.removes.size() == 1);
    assertThat(seen).containsExactly("insert 1");
  }

  @Test
  void shouldCancelTheStreamWhenTheClientCloses() {
    Recorder events = new Recorder();
    client.subscribe(SQL, events, 1L);

    client.close();

    eventually().until(() -> fake.stream().isCancelled());
    assertThatThrownBy(() -> client.subscribe(SQL, events, 1L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot subscribe: the client is closed");
  }

  @Test
  void shouldNotReopenAnIdleStream() {
    Subscription subscription = client.subscribe(SQL, new Recorder(), 1L);
    subscription.close();
    eventually().until(() -> fake.removes.size() == 1);

    fake.drop(Status.UNAVAILABLE);
    Subscription next = client.subscribe(SQL, new Recorder(), 1L);

    assertThat(scheduler.delays).isEmpty();
    assertThat(fake.openCalls).hasValue(2);
    assertThat(next.id()).isEqualTo("sub-2");
  }

  @Test
  void shouldReconcileLiveRowsByPrimaryKeyInKeyOrder() {
    List<List<String>> published = new CopyOnWriteArrayList<>();

    LiveQuery query = client.live(SQL, rows -> published.add(names(rows)), 1L);
    fake.send(
        subscribed("sub-1"),
        snapshot("sub-1", true, row(1, "a", 1), row(2, "b", 2)),
        snapshot("sub-1", false, row(3, "c", 3)),
        ready("sub-1", 3),
        insert("sub-1", 4, "d", 4),
        update("sub-1", 2, "b", 2, "B", 5),
        delete("sub-1", 1, "a", 6),
        insert("sub-1", 1, "a2", 7));

    eventually().until(() -> published.size() == 5);
    assertThat(published)
        .containsExactly(
            List.of("a", "b", "c"),
            List.of("a", "b", "c", "d"),
            List.of("a", "B", "c", "d"),
            List.of("B", "c", "d"),
            List.of("a2", "B", "c", "d"));
    assertThat(names(query.rows())).containsExactly("a2", "B", "c", "d");
    assertThat(query.rows().get(1).getLong("_seq")).isEqualTo(5L);
    assertThat(query.failure()).isEmpty();
  }

  @Test
  void shouldSendALiveSelectAsWritten() {
    client.live("SELECT * FROM chat.messages WHERE conversation_id = $1", rows -> {}, 1L);

    assertThat(fake.lastAdd().getSql())
        .isEqualTo("SELECT * FROM chat.messages WHERE conversation_id = $1");
  }

  @Test
  void shouldKeepLiveRowsAcrossAResumeAndTakeANewSnapshotWhenThePositionIsLost() {
    List<List<String>> published = new CopyOnWriteArrayList<>();
    LiveQuery query = client.live(SQL, rows -> published.add(names(rows)), 1L);
    fake.send(
        subscribed("sub-1"),
        snapshot("sub-1", false, row(1, "a", 1)),
        ready("sub-1", 1),
        insert("sub-1", 2, "b", 2));
    eventually().until(() -> published.size() == 2);

    fake.drop(Status.UNAVAILABLE);
    eventually().until(() -> scheduler.delays.size() == 1);
    scheduler.runPending();
    eventually().until(() -> fake.adds.size() == 2);
    assertThat(fake.lastAdd().getSql()).isEqualTo(SQL + " OPTIONS (from_seq = 2)");
    fake.send(subscribed("sub-2"), insert("sub-2", 3, "c", 3));
    eventually().until(() -> published.size() == 3);
    assertThat(published.get(2)).containsExactly("a", "b", "c");

    fake.send(error("sub-2", "RESUME_POSITION_LOST", "Cannot resume: gone", 3));
    eventually().until(() -> fake.adds.size() == 3);
    assertThat(fake.lastAdd().getSql()).isEqualTo(SQL);
    fake.send(subscribed("sub-3"), snapshot("sub-3", false, row(9, "z", 90)), ready("sub-3", 90));

    eventually().until(() -> published.size() == 4);
    assertThat(published.get(3)).containsExactly("z");
    assertThat(names(query.rows())).containsExactly("z");
    assertThat(query.failure()).isEmpty();
  }

  @Test
  void shouldKeepTheTerminalFailureOfALiveQuery() {
    LiveQuery query = client.live(SQL, rows -> {}, 1L);
    fake.send(subscribed("sub-1"), error("sub-1", "PERMISSION_DENIED", "Cannot subscribe: no", 0));

    eventually().until(() -> query.failure().isPresent());
    assertThat(query.failure().get().code()).isEqualTo("PERMISSION_DENIED");
    assertThat(query.rows()).isEmpty();
    query.close();
    assertThat(fake.removes).isEmpty();
  }

  @Test
  void shouldRemoveALiveQueryOnClose() {
    LiveQuery query = client.live(SQL, rows -> {}, 1L);

    query.close();

    eventually().until(() -> fake.removes.size() == 1);
    assertThat(fake.removes.get(0).getSubscriptionId()).isEqualTo("sub-1");
  }

  /** Awaitility polling often: every step here takes microseconds. */
  private static ConditionFactory eventually() {
    return await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2))
        .atMost(Duration.ofSeconds(10));
  }

  private static List<String> names(List<Row> rows) {
    List<String> names = new ArrayList<>();
    for (Row row : rows) {
      names.add(row.getString("name"));
    }
    return names;
  }

  /** Records each callback as a line, and the threads they ran on. */
  static class Recorder implements SubscriptionListener {
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<TributaryException> errors = new CopyOnWriteArrayList<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    volatile String typedName;

    @Override
    public void onSubscribed(List<Column> columns, List<String> primaryKey) {
      record(
          "subscribed "
              + columns.stream().map(c -> c.name() + " " + c.type()).toList()
              + " key "
              + primaryKey);
    }

    @Override
    public void onSnapshot(List<Row> rows, boolean last) {
      record("snapshot " + rows + (last ? " last" : ""));
    }

    @Override
    public void onReady(long seq) {
      record("ready " + seq);
    }

    @Override
    public void onInsert(Row row, long seq) {
      typedName = row.getString("name");
      record("insert " + seq + " " + row);
    }

    @Override
    public void onUpdate(Row oldRow, Row newRow, long seq) {
      record("update " + seq + " " + oldRow + " -> " + newRow);
    }

    @Override
    public void onDelete(Row row, long seq) {
      record("delete " + seq + " " + row);
    }

    @Override
    public void onError(TributaryException e) {
      errors.add(e);
      record("error " + e.code() + ": " + e.getMessage());
    }

    private void record(String line) {
      threads.add(Thread.currentThread().getName());
      log.add(line);
    }
  }
}
