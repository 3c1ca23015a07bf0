package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.client.TributaryClient;
import io.tributary.live.LiveConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscriber that stops reading is closed with SUBSCRIBER_TOO_SLOW carrying its last {@code
 * _seq}; the others receive everything; the slow one resumes exactly from its token. Runs a server
 * of its own with small stream queues and subscription limits.
 */
class SlowConsumerTest {
  @TempDir Path dataDir;

  @Test
  void shouldCloseOnlyTheSlowSubscriberAndLetItResume() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withDataDir(dataDir)
            .withPort(0)
            .withRootPassword(SharedServer.ROOT_PASSWORD)
            .withLive(LiveConfig.defaults().withStreamQueueCapacity(256).withLimits(3, 1_000));
    try (TributaryServer server = TributaryServer.start(config);
        TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + server.port())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE slow;"
              + "CREATE SHARED TABLE slow.feed (id INT PRIMARY KEY, body TEXT);"
              + "CREATE USER 'reader' WITH PASSWORD 'reader-password'");
      int port = server.port();

      List<LiveConnection> fast = new ArrayList<>();
      List<String> fastSubs = new ArrayList<>();
      for (int c = 0; c < 20; c++) {
        LiveConnection conn = new LiveConnection(port, "reader", "reader-password").open();
        fast.add(conn);
        fastSubs.add(conn.subscribe("SUBSCRIBE TO slow.feed"));
        fastSubs.add(conn.subscribe("SUBSCRIBE TO slow.feed WHERE id >= 0"));
      }
      // Limits: a third subscription fits, a fourth does not.
      String third = fast.get(0).subscribe("SUBSCRIBE TO slow.feed WHERE id < 0");
      LiveEndToEndTest.assertCode(
          () -> fast.get(0).subscribe("SUBSCRIBE TO slow.feed"), "LIMIT_EXCEEDED");
      fast.get(0).unsubscribe(third);

      LiveConnection slowConn = new LiveConnection(port, "reader", "reader-password", 16 * 1024);
      List<LiveEvent> slowEvents = new ArrayList<>();
      AtomicReference<ClientCallStreamObserver<SubscribeRequest>> slowCall =
          new AtomicReference<>();
      slowConn.async.subscribe(
          SubscribeRequest.newBuilder().setSql("SUBSCRIBE TO slow.feed").build(),
          new ClientResponseObserver<SubscribeRequest, LiveEventBatch>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SubscribeRequest> call) {
              // Enough for subscribed, initial rows and ready, however they are batched.
              call.disableAutoRequestWithInitial(3);
              slowCall.set(call);
            }

            @Override
            public void onNext(LiveEventBatch batch) {
              synchronized (slowEvents) {
                slowEvents.addAll(batch.getEventsList());
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      await().atMost(Duration.ofSeconds(10)).until(() -> size(slowEvents) >= 3);

      int rows = 0;
      for (int batch = 0; batch < 40; batch++) {
        StringBuilder insert = new StringBuilder("INSERT INTO slow.feed VALUES ");
        for (int i = 0; i < 50; i++) {
          insert
              .append(i == 0 ? "" : ", ")
              .append("(")
              .append(rows)
              .append(", 'row ")
              .append(rows)
              .append(" with some text to make it longer')");
          rows++;
        }
        root.update(insert.toString());
        // Pace the writer by the readers that keep up; the slow one falls further behind.
        int sofar = rows;
        await().atMost(Duration.ofSeconds(30)).until(() -> caughtUp(fast, fastSubs, sofar));
      }
      int total = rows;
      for (int i = 0; i < fast.size(); i++) {
        LiveConnection conn = fast.get(i);
        for (String sub : List.of(fastSubs.get(2 * i), fastSubs.get(2 * i + 1))) {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> conn.events(sub).stream().filter(LiveEvents::isChange).count() == total);
          assertThat(conn.events(sub)).noneMatch(LiveEvent::hasError);
        }
      }
      assertThat(server.metrics().get("tributary.live.drops").counter().count()).isEqualTo(1.0);

      // Now the slow one reads: its backlog, then the error with the last _seq it received.
      slowCall.get().request(Integer.MAX_VALUE);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> snapshot(slowEvents).stream().anyMatch(LiveEvent::hasError));
      List<LiveEvent> received = snapshot(slowEvents);
      LiveEvent error = received.get(received.size() - 1);
      assertThat(error.getError().getError().getCode()).isEqualTo("SUBSCRIBER_TOO_SLOW");
      assertThat(error.getError().getError().getMessage())
          .startsWith("Cannot deliver to subscription");
      List<LiveEvent> changes = received.stream().filter(LiveEvents::isChange).toList();
      assertThat(changes).isNotEmpty().hasSizeLessThan(total);
      long lastSeq = LiveEvents.seq(changes.get(changes.size() - 1));
      assertThat(error.getError().getLastSeq()).isEqualTo(lastSeq);

      List<LiveEvent> rest = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      slowConn.subscribeOnce(
          "SUBSCRIBE TO slow.feed OPTIONS (from_seq = " + lastSeq + ")",
          e -> {
            synchronized (rest) {
              rest.add(e);
            }
          },
          failure);
      int already = changes.size();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                List<LiveEvent> got = snapshot(rest);
                assertThat(got.stream().filter(LiveEvents::isChange).count())
                    .as(
                        "resumed changes; last events %s",
                        LiveEvents.describeAll(
                            got.subList(Math.max(0, got.size() - 3), got.size())))
                    .isEqualTo(total - already);
              });
      List<String> ids = new ArrayList<>();
      for (LiveEvent e : changes) {
        ids.add(LiveEvents.describe(e));
      }
      for (LiveEvent e : snapshot(rest)) {
        if (LiveEvents.isChange(e)) {
          ids.add(LiveEvents.describe(e));
        }
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        expected.add("insert " + i);
      }
      assertThat(ids).containsExactlyElementsOf(expected);
      assertThat(failure.get()).isNull();
      slowConn.close();
      fast.forEach(LiveConnection::close);
    }
  }

  private static boolean caughtUp(List<LiveConnection> fast, List<String> subs, int rows) {
    for (int i = 0; i < fast.size(); i++) {
      for (String sub : List.of(subs.get(2 * i), subs.get(2 * i + 1))) {
        if (fast.get(i).events(sub).stream().filter(LiveEvents::isChange).count() < rows) {
          return false;
        }
      }
    }
    return true;
  }

  private static int size(List<LiveEvent> events) {
    synchronized (events) {
      return events.size();
    }
  }

  private static List<LiveEvent> snapshot(List<LiveEvent> events) {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }
}
