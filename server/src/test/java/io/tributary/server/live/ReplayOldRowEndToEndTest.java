package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A change replayed for a {@code from_seq} resume is the change delivered live: in particular the
 * old row of an update or a delete carries the {@code _seq} of the version it replaced.
 */
class ReplayOldRowEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient writer;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE replay;"
            + "CREATE TABLE replay.t (id INT PRIMARY KEY, v INT);"
            + "CREATE SHARED TABLE replay.s (id INT PRIMARY KEY, v INT)"
            + " WITH (ACCESS_LEVEL = 'public');"
            + "CREATE USER 'replayer' WITH PASSWORD 'replayer-password'");
    writer = TributaryClient.connect(SharedServer.url());
    writer.login("replayer", "replayer-password");
  }

  @AfterAll
  static void tearDown() {
    writer.close();
    root.close();
  }

  @Test
  void shouldReplayTheOldRowsOfUpdatesAndDeletesWithTheirSeqAsDeliveredLive() {
    assertReplayMatchesLive("replay.t");
  }

  @Test
  void shouldReplayTheOldRowsOfASharedTableWithTheirSeqAsDeliveredLive() {
    assertReplayMatchesLive("replay.s");
  }

  private static void assertReplayMatchesLive(String table) {
    writer.update("INSERT INTO " + table + " VALUES (0, 0)"); // so the snapshot's H is a _seq
    try (LiveConnection live = new LiveConnection(port, "replayer", "replayer-password").open()) {
      String sub = live.subscribe("SUBSCRIBE TO " + table);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(sub).stream().anyMatch(LiveEvent::hasReady));
      long ready =
          live.events(sub).stream()
              .filter(LiveEvent::hasReady)
              .findFirst()
              .orElseThrow()
              .getReady()
              .getSeq();

      writer.update("INSERT INTO " + table + " VALUES (1, 1), (2, 2), (3, 3)");
      writer.update("UPDATE " + table + " SET v = 10 WHERE id = 2");
      writer.update("UPDATE " + table + " SET v = 20 WHERE id = 2");
      writer.update("DELETE FROM " + table + " WHERE id >= 2");
      writer.update("INSERT INTO " + table + " VALUES (99, 99)");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> LiveEvents.describeAll(live.events(sub)).contains("insert 99"));
      List<LiveEvent> delivered = changes(live.events(sub));

      List<LiveEvent> replayed = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      live.subscribeOnce(
          "SUBSCRIBE TO " + table + " OPTIONS (from_seq = " + ready + ")",
          e -> {
            synchronized (replayed) {
              replayed.add(e);
            }
          },
          failure);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> failure.get() != null || changes(copy(replayed)).size() == delivered.size());
      assertThat(failure.get()).isNull();

      assertThat(LiveEvents.describeAll(delivered))
          .containsExactly(
              "insert 1",
              "insert 2",
              "insert 3",
              "update 2",
              "update 2",
              "delete 2",
              "delete 3",
              "insert 99");
      assertThat(changes(copy(replayed))).isEqualTo(delivered);
      // Each old row carries the _seq of the version it replaced, never 0.
      long inserted2 = delivered.get(1).getInsert().getSeq();
      long inserted3 = delivered.get(2).getInsert().getSeq();
      long updated2 = delivered.get(3).getUpdate().getSeq();
      long lastUpdate2 = delivered.get(4).getUpdate().getSeq();
      assertThat(seqOf(delivered.get(3).getUpdate().getOldRow())).isEqualTo(inserted2);
      assertThat(seqOf(delivered.get(4).getUpdate().getOldRow())).isEqualTo(updated2);
      assertThat(seqOf(delivered.get(5).getDelete().getRow())).isEqualTo(lastUpdate2);
      assertThat(seqOf(delivered.get(6).getDelete().getRow())).isEqualTo(inserted3);
    }
  }

  private static long seqOf(Row row) {
    return row.getValues(row.getValuesCount() - 1).getBigintValue();
  }

  private static List<LiveEvent> changes(List<LiveEvent> events) {
    return events.stream()
        .filter(LiveEvents::isChange)
        .map(e -> e.toBuilder().clearSubscriptionId().build())
        .toList();
  }

  private static List<LiveEvent> copy(List<LiveEvent> events) {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }
}
