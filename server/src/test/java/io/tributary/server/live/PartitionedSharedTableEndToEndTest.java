package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.api.v1.LiveEvent;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SHARED table with {@code PARTITION_KEY = 'c'}: its rows spread over the partitions of the log
 * by {@code c}; SELECT reads every partition; a live query fixes {@code c} (it follows that value's
 * partition and resumes from one {@code _seq}); one that does not is refused; a statement writes
 * one value of the key, all of its rows or none.
 */
class PartitionedSharedTableEndToEndTest {
  private static TributaryClient root;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE part;"
            + "CREATE SHARED TABLE part.m (c BIGINT, id INT, v INT, PRIMARY KEY (c, id))"
            + " WITH (ACCESS_LEVEL = 'public', PARTITION_KEY = 'c');"
            + "CREATE USER 'parter' WITH PASSWORD 'parter-password';"
            + "CREATE SHARED TABLE part.members (c BIGINT, user_name TEXT, PRIMARY KEY (c,"
            + " user_name));"
            + "CREATE SHARED TABLE part.g (c BIGINT, id INT, v INT, PRIMARY KEY (c, id))"
            + " WITH (ACCESS_LEVEL = 'public', PARTITION_KEY = 'c');"
            + "CREATE POLICY members_read ON part.g FOR SELECT USING (c IN (SELECT c FROM"
            + " part.members WHERE user_name = CURRENT_USER()))");
  }

  @AfterAll
  static void tearDown() {
    root.close();
  }

  @Test
  void shouldReadTheRowsOfEveryPartition() {
    for (int c = 100; c < 116; c++) {
      root.update("INSERT INTO part.m VALUES (" + c + ", 1, " + c + "), (" + c + ", 2, 0)");
    }
    assertThat(root.query("SELECT c, id FROM part.m WHERE c >= 100 AND c < 116").rows())
        .hasSize(32);
    List<Long> sums =
        root.query("SELECT SUM(v) AS s FROM part.m WHERE c >= 100 AND c < 116").rows().stream()
            .map(r -> r.getLong("s"))
            .toList();
    assertThat(sums).containsExactly(IntStream.range(100, 116).asLongStream().sum());
  }

  @Test
  void shouldKeepAStatementOfOneKeyValueAtomicAndRefuseOneThatSpansValues() {
    assertThatThrownBy(() -> root.update("INSERT INTO part.m VALUES (200, 1, 1), (200, 1, 2)"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("DUPLICATE_KEY"));
    assertThatThrownBy(() -> root.update("INSERT INTO part.m VALUES (201, 1, 1), (202, 1, 2)"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("INVALID_ARGUMENT"));
    assertThatThrownBy(() -> root.update("DELETE FROM part.m WHERE v = 1"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("INVALID_ARGUMENT"));
    assertThat(root.query("SELECT id FROM part.m WHERE c >= 200 AND c < 210").rows()).isEmpty();
    assertThat(root.update("INSERT INTO part.m VALUES (203, 1, 1), (203, 2, 2), (203, 3, 3)"))
        .isEqualTo(3);
    assertThat(root.update("UPDATE part.m SET v = 9 WHERE c = 203 AND id >= 2")).isEqualTo(2);
    assertThat(root.query("SELECT id FROM part.m WHERE c = 203 AND v = 9").rows()).hasSize(2);
  }

  @Test
  void shouldFollowOneKeyValueLiveAndResumeItFromOneSeq() {
    root.update("INSERT INTO part.m VALUES (300, 0, 0)"); // so the snapshot's H is a _seq
    try (LiveConnection live = new LiveConnection(port, "parter", "parter-password").open()) {
      String sql = "SELECT id, v FROM part.m WHERE c = 300";
      String sub = live.subscribe(sql);
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
      assertThat(LiveEvents.describeAll(live.events(sub)))
          .containsExactly("subscribed", "initial_rows", "ready");

      for (int c = 300; c < 308; c++) { // other values, most of them in other partitions
        root.update("INSERT INTO part.m VALUES (" + c + ", 1, 1), (" + c + ", 2, 2)");
      }
      root.update("UPDATE part.m SET v = 10 WHERE c = 300 AND id = 2");
      root.update("DELETE FROM part.m WHERE c = 300 AND id = 1");
      root.update("INSERT INTO part.m VALUES (300, 99, 99)");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> LiveEvents.describeAll(live.events(sub)).contains("insert 99"));
      List<LiveEvent> delivered = changes(live.events(sub));
      assertThat(LiveEvents.describeAll(delivered))
          .containsExactly("insert 1", "insert 2", "update 2", "delete 1", "insert 99");

      List<LiveEvent> replayed = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      live.subscribeOnce(
          sql + " OPTIONS (from_seq = " + ready + ")",
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
      assertThat(changes(copy(replayed))).isEqualTo(delivered);
    }
  }

  /**
   * A member of many conversations follows one: the policy's index offers it the changes of all of
   * them, from every partition, and only its own value's changes (in its partition's order) count.
   */
  @Test
  void shouldDeliverEveryChangeOfTheFollowedValueWhileOtherPartitionsRunAhead() {
    StringBuilder members = new StringBuilder("INSERT INTO part.members VALUES ");
    for (int c = 400; c < 410; c++) {
      members.append(c == 400 ? "" : ", ").append("(").append(c).append(", 'parter')");
    }
    root.update(members.toString());
    root.update("INSERT INTO part.g VALUES (400, 0, 0)");
    try (LiveConnection live = new LiveConnection(port, "parter", "parter-password").open()) {
      String sub = live.subscribe("SELECT id, v FROM part.g WHERE c = 400");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(sub).stream().anyMatch(LiveEvent::hasReady));
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= 10; i++) {
        for (int c = 401; c < 410; c++) {
          for (int k = 0; k < 3; k++) {
            root.update("INSERT INTO part.g VALUES (" + c + ", " + (i * 10 + k) + ", 0)");
          }
        }
        root.update("INSERT INTO part.g VALUES (400, " + i + ", " + i + ")");
        expected.add("insert " + i);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> changes(live.events(sub)).size() >= expected.size());
      assertThat(LiveEvents.describeAll(changes(live.events(sub))))
          .containsExactlyElementsOf(expected);
    }
  }

  @Test
  void shouldRefuseALiveQueryThatDoesNotFixTheKey() {
    try (LiveConnection live = new LiveConnection(port, "parter", "parter-password").open()) {
      for (String sql :
          List.of(
              "SELECT id FROM part.m",
              "SELECT id FROM part.m WHERE c > 3",
              "SUBSCRIBE TO part.m WHERE id = 1",
              "SUBSCRIBE TO part.m WHERE c = 1 OR c = 2")) {
        assertThatThrownBy(() -> live.subscribe(sql))
            .as(sql)
            .satisfies(e -> assertThat(LiveEndToEndTest.code(e)).isEqualTo("INVALID_ARGUMENT"));
      }
      String ok = live.subscribe("SUBSCRIBE TO part.m WHERE c = 1 AND id > 0");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(ok).stream().anyMatch(LiveEvent::hasReady));
    }
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
