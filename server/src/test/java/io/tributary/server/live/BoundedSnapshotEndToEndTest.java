package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots much larger than a batch (DESIGN.md section 5, bounded snapshots): the server reads a
 * snapshot from the store only as fast as its client takes it, delivers every row once followed by
 * every change after the snapshot's high-water mark (also those written while it was sent), and
 * closes the snapshot's view of the store when the client goes away or the subscription is killed.
 * Observed through the server's metrics of snapshots (rows read from the store, open views).
 */
class BoundedSnapshotEndToEndTest {
  private static final int ROWS = 20_000;
  private static final int BATCH = 100;
  private static final String BODY = "x".repeat(100);

  private static TributaryClient root;
  private static TributaryClient reader;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE snap;"
            + "CREATE TABLE snap.big (id INT PRIMARY KEY, body TEXT);"
            + "CREATE USER 'snapreader' WITH PASSWORD 'snapreader-password'");
    reader = TributaryClient.connect(SharedServer.url());
    reader.login("snapreader", "snapreader-password");
    insertRows(0, ROWS);
  }

  @AfterAll
  static void tearDown() {
    reader.close();
    root.close();
  }

  private static void insertRows(int from, int to) {
    for (int start = from; start < to; start += 2_000) {
      StringBuilder insert = new StringBuilder("INSERT INTO snap.big VALUES ");
      for (int id = start; id < Math.min(to, start + 2_000); id++) {
        insert.append(id == start ? "" : ", ").append('(').append(id).append(", '");
        insert.append(BODY).append("')");
      }
      reader.update(insert.toString());
    }
  }

  private static LiveConnection connect() {
    return new LiveConnection(port, "snapreader", "snapreader-password", 16 * 1024);
  }

  @Test
  void shouldReadTheSnapshotAsTheClientTakesItThenDeliverEveryRowAndChangeOnce() {
    try (LiveConnection conn = connect()) {
      double views = openSnapshots();
      double rowsBefore = snapshotRowsRead();
      Subscriber sub =
          Subscriber.open(conn, "SUBSCRIBE TO snap.big OPTIONS (batch_size = " + BATCH + ")");

      // The client reads nothing: the server reads a few batches, until the stream is full, and
      // stops there with the snapshot's view open.
      await().atMost(Duration.ofSeconds(10)).until(() -> snapshotRowsRead() - rowsBefore >= BATCH);
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(4))
          .until(
              () -> snapshotRowsRead() - rowsBefore <= 10 * BATCH && openSnapshots() == views + 1);

      // Written while the snapshot is being sent: after its high-water mark, so live changes.
      reader.update("UPDATE snap.big SET body = 'early' WHERE id < 10");
      reader.update("UPDATE snap.big SET body = 'middle' WHERE id = 15000");
      reader.update("DELETE FROM snap.big WHERE id >= 19990");
      reader.update("INSERT INTO snap.big VALUES (20000, 'new'), (20001, 'new')");

      sub.call.get().request(Integer.MAX_VALUE);

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> sub.events().stream().filter(LiveEvents::isChange).count() == 23);
      reader.update("INSERT INTO snap.big VALUES (30000, 'live')");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> sub.events().stream().filter(LiveEvents::isChange).count() == 24);

      List<LiveEvent> events = sub.events();
      assertThat(events.stream().filter(LiveEvent::hasInitialRows).mapToInt(e -> rows(e)).sum())
          .isEqualTo(ROWS);
      assertThat(events.stream().filter(LiveEvent::hasInitialRows))
          .allSatisfy(e -> assertThat(rows(e)).isLessThanOrEqualTo(BATCH));
      // No row twice, no change missed or repeated: the client's rows are the table's.
      assertThat(LiveEvents.state(events, -1)).isEqualTo(table());
      assertThat(events).noneMatch(LiveEvent::hasError);
      assertThat(snapshotRowsRead() - rowsBefore).isEqualTo(ROWS);
      await().atMost(Duration.ofSeconds(5)).until(() -> openSnapshots() == views);
      sub.call.get().cancel("done", null);

      // Put the table back as it was for the other tests.
      reader.update("DELETE FROM snap.big WHERE id >= 20000");
      reader.update("UPDATE snap.big SET body = '" + BODY + "' WHERE id < 10 OR id = 15000");
      insertRows(19990, ROWS);
    }
  }

  @Test
  void shouldCloseTheSnapshotsViewWhenItsClientGoesAway() {
    try (LiveConnection conn = connect()) {
      double views = openSnapshots();
      double subscriptions = subscriptions();
      Subscriber sub = Subscriber.open(conn, "SUBSCRIBE TO snap.big OPTIONS (batch_size = 50)");
      await().atMost(Duration.ofSeconds(10)).until(() -> openSnapshots() == views + 1);

      sub.call.get().cancel("the client goes away mid-snapshot", null);

      await().atMost(Duration.ofSeconds(10)).until(() -> openSnapshots() == views);
      await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions() == subscriptions);
    }
  }

  @Test
  void shouldCloseTheSnapshotsViewWhenItsSubscriptionIsKilled() {
    try (LiveConnection conn = connect()) {
      double views = openSnapshots();
      double before = subscriptions();
      Subscriber sub = Subscriber.open(conn, "SUBSCRIBE TO snap.big");
      await().atMost(Duration.ofSeconds(10)).until(() -> openSnapshots() == views + 1);
      String id =
          root.query("SELECT id FROM system.live WHERE `user` = 'snapreader'")
              .rows()
              .get(0)
              .getString("id");

      root.update("KILL LIVE QUERY '" + id + "'");

      await().atMost(Duration.ofSeconds(10)).until(() -> openSnapshots() == views);
      assertThat(subscriptions()).isEqualTo(before);
      sub.call.get().request(Integer.MAX_VALUE);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> sub.events().stream().anyMatch(LiveEvent::hasError));
      List<LiveEvent> events = sub.events();
      LiveEvent error = events.get(events.size() - 1);
      assertThat(error.getError().getError().getCode()).isEqualTo("LIVE_QUERY_KILLED");
      assertThat(error.getError().getError().getMessage())
          .isEqualTo("Cannot continue subscription " + id + ": it was killed by an administrator");
      assertThat(events).noneMatch(LiveEvent::hasReady);
    }
  }

  @Test
  void shouldSendTheLastRowsOfALargeRangeHoldingOnlyThoseRows() {
    reader.update("UPDATE snap.big SET body = 'recent' WHERE id = 17000");
    reader.update("UPDATE snap.big SET body = 'recent' WHERE id = 5");
    reader.update("UPDATE snap.big SET body = 'recent' WHERE id = 123");
    try (LiveConnection conn = connect()) {
      double views = openSnapshots();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<LiveEvent> events = new ArrayList<>();
      conn.subscribeOnce(
          "SUBSCRIBE TO snap.big OPTIONS (last_rows = 3)",
          e -> {
            synchronized (events) {
              events.add(e);
            }
          },
          failure);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> copy(events).stream().anyMatch(LiveEvent::hasReady));
      // The three most recently written rows, oldest first.
      assertThat(LiveEvents.initialKeys(copy(events))).containsExactly("17000", "5", "123");
      assertThat(failure.get()).isNull();
    }
    reader.update("UPDATE snap.big SET body = '" + BODY + "' WHERE id IN (5, 17000, 123)");
  }

  private static int rows(LiveEvent e) {
    return e.getInitialRows().getRowsCount();
  }

  /** The table as a SELECT sees it, in the form of {@link LiveEvents#state}. */
  private static Map<String, List<String>> table() {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (Row r : reader.query("SELECT id, body FROM snap.big").rows()) {
      String id = String.valueOf(r.getInteger("id"));
      rows.put(id, List.of(id, r.getString("body")));
    }
    return rows;
  }

  private static double snapshotRowsRead() {
    return SharedServer.get().metrics().get("tributary.live.snapshot.rows").counter().count();
  }

  private static double openSnapshots() {
    return SharedServer.get().metrics().get("tributary.live.snapshots.open").gauge().value();
  }

  private static double subscriptions() {
    return SharedServer.get().metrics().get("tributary.live.subscriptions").gauge().value();
  }

  private static List<LiveEvent> copy(List<LiveEvent> events) {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /** A one-shot Subscribe call that requests no message until the test says so. */
  private static final class Subscriber {
    final AtomicReference<ClientCallStreamObserver<SubscribeRequest>> call =
        new AtomicReference<>();
    private final List<LiveEvent> events = new ArrayList<>();

    static Subscriber open(LiveConnection conn, String sql) {
      Subscriber sub = new Subscriber();
      conn.async.subscribe(
          SubscribeRequest.newBuilder().setSql(sql).build(),
          new ClientResponseObserver<SubscribeRequest, LiveEventBatch>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
              requestStream.disableAutoRequestWithInitial(0);
              sub.call.set(requestStream);
            }

            @Override
            public void onNext(LiveEventBatch batch) {
              synchronized (sub.events) {
                sub.events.addAll(batch.getEventsList());
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      return sub;
    }

    List<LiveEvent> events() {
      return copy(events);
    }
  }
}
