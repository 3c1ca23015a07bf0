package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SHARED table with {@code PARTITION_KEY = 'c'}: its rows spread over the partitions of the log
 * by {@code c}; SELECT reads every partition; a live query that fixes {@code c} follows that
 * value's partition and resumes from one {@code _seq}; one that does not follows every partition
 * (each change once, by the {@code _seq} of its own partition) and is refused {@code from_seq} and
 * {@code last_rows}; a statement writes all of its rows or none, whether they hold one value of the
 * key or several (AtomicAcrossPartitionsEndToEndTest covers the latter in depth).
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
  void shouldKeepAStatementAtomicWhetherItHoldsOneKeyValueOrSeveral() {
    assertThatThrownBy(() -> root.update("INSERT INTO part.m VALUES (200, 1, 1), (200, 1, 2)"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("DUPLICATE_KEY"));
    assertThatThrownBy(
            () ->
                root.update(
                    "INSERT INTO part.m VALUES (201, 1, 1), (202, 1, 2), (203, 1, 1), (204, 1, 1),"
                        + " (201, 1, 5)"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("DUPLICATE_KEY"));
    assertThat(root.query("SELECT id FROM part.m WHERE c >= 200 AND c < 210").rows()).isEmpty();
    assertThat(root.update("INSERT INTO part.m VALUES (201, 1, 1), (202, 1, 2), (204, 1, 2)"))
        .isEqualTo(3);
    assertThat(root.update("DELETE FROM part.m WHERE c >= 200 AND c < 210 AND v = 2")).isEqualTo(2);
    assertThat(root.update("DELETE FROM part.m WHERE c = 201")).isEqualTo(1);
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

  /**
   * A subscription that does not fix the key follows every partition: its snapshot holds the rows
   * of every conversation, and rows written concurrently to conversations of different partitions
   * each arrive exactly once, none lost, each conversation's in its order.
   */
  @Test
  void shouldFollowEveryPartitionWhenTheFilterDoesNotFixTheKey() throws Exception {
    int conversations = 12;
    int perConversation = 15;
    for (int c = 500; c < 500 + conversations; c++) {
      root.update("INSERT INTO part.m VALUES (" + c + ", 0, 0)");
    }
    try (LiveConnection live = new LiveConnection(port, "parter", "parter-password").open()) {
      String sub = live.subscribe("SUBSCRIBE TO part.m WHERE c >= 500 AND c < 600");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(sub).stream().anyMatch(LiveEvent::hasReady));
      List<String> snapshot = new ArrayList<>();
      for (LiveEvent e : live.events(sub)) {
        if (e.hasInitialRows()) {
          e.getInitialRows().getRowsList().forEach(r -> snapshot.add(key(r)));
        }
      }
      assertThat(snapshot)
          .containsExactlyInAnyOrderElementsOf(
              IntStream.range(500, 500 + conversations).mapToObj(c -> c + "/0").toList());

      // Four writers at once, each over its own conversations (several partitions each).
      ExecutorService writers = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          int writer = w;
          done.add(
              writers.submit(
                  () -> {
                    for (int i = 1; i <= perConversation; i++) {
                      for (int c = 500 + writer; c < 500 + conversations; c += 4) {
                        root.update("INSERT INTO part.m VALUES (" + c + ", " + i + ", " + i + ")");
                      }
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        writers.shutdownNow();
      }
      root.update("INSERT INTO part.m VALUES (600, 1, 1)"); // outside the filter: never sent
      int expected = conversations * perConversation;
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> changes(live.events(sub)).size() >= expected);
      List<String> inserted = new ArrayList<>();
      Map<Long, List<Integer>> byConversation = new TreeMap<>();
      for (LiveEvent e : changes(live.events(sub))) {
        assertThat(e.hasInsert()).as(LiveEvents.describe(e)).isTrue();
        Row r = e.getInsert().getRow();
        inserted.add(key(r));
        byConversation
            .computeIfAbsent(
                Long.parseLong(LiveEvents.text(r.getValues(0))), k -> new ArrayList<>())
            .add(Integer.parseInt(LiveEvents.text(r.getValues(1))));
      }
      List<String> all = new ArrayList<>();
      for (int c = 500; c < 500 + conversations; c++) {
        for (int i = 1; i <= perConversation; i++) {
          all.add(c + "/" + i);
        }
      }
      assertThat(inserted).containsExactlyInAnyOrderElementsOf(all); // each once, none lost
      List<Integer> inOrder = IntStream.rangeClosed(1, perConversation).boxed().toList();
      assertThat(byConversation).hasSize(conversations);
      byConversation.values().forEach(ids -> assertThat(ids).isEqualTo(inOrder));
      assertThat(live.events(sub).stream().filter(LiveEvent::hasReady).findFirst().orElseThrow())
          .satisfies(e -> assertThat(e.getReady().getSeq()).isEqualTo(-1L));
    }
  }

  /**
   * A member of several conversations subscribes to the whole partitioned table under a membership
   * policy, without fixing the conversation: it receives the rows of its conversations from every
   * partition, in its snapshot and live, and never those of another; a conversation it joins later
   * comes in with its rows and its later changes.
   */
  @Test
  void shouldFollowEveryConversationOfAMemberWithoutFixingTheKey() {
    root.update("CREATE USER 'spreader' WITH PASSWORD 'spreader-password'");
    root.update(
        "INSERT INTO part.members VALUES (700, 'spreader'), (701, 'spreader'), (702, 'spreader'),"
            + " (703, 'spreader'), (704, 'parter')");
    for (int c = 700; c < 706; c++) {
      root.update("INSERT INTO part.g VALUES (" + c + ", 0, 0)");
    }
    try (LiveConnection live = new LiveConnection(port, "spreader", "spreader-password").open()) {
      String sub = live.subscribe("SUBSCRIBE TO part.g");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(sub).stream().anyMatch(LiveEvent::hasReady));
      List<String> snapshot = new ArrayList<>();
      for (LiveEvent e : live.events(sub)) {
        if (e.hasInitialRows()) {
          e.getInitialRows().getRowsList().forEach(r -> snapshot.add(key(r)));
        }
      }
      assertThat(snapshot).containsExactlyInAnyOrder("700/0", "701/0", "702/0", "703/0");

      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        for (int c = 700; c < 706; c++) {
          root.update("INSERT INTO part.g VALUES (" + c + ", " + i + ", " + i + ")");
          if (c < 704) {
            expected.add(c + "/" + i);
          }
        }
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> changes(live.events(sub)).size() >= expected.size());
      assertThat(changes(live.events(sub)).stream().map(e -> key(e.getInsert().getRow())))
          .containsExactlyInAnyOrderElementsOf(expected);

      // Joining 705: its rows come in (a revision, read in 705's partition), then its changes.
      root.update("INSERT INTO part.members VALUES (705, 'spreader')");
      root.update("INSERT INTO part.g VALUES (705, 99, 99)");
      root.update("INSERT INTO part.g VALUES (704, 99, 99)");
      root.update("INSERT INTO part.g VALUES (700, 99, 99)");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  changes(live.events(sub)).stream()
                      .anyMatch(
                          e -> e.hasInsert() && key(e.getInsert().getRow()).equals("700/99")));
      List<String> later =
          changes(live.events(sub)).stream()
              .skip(expected.size())
              .map(e -> key(e.hasInsert() ? e.getInsert().getRow() : e.getUpdate().getNewRow()))
              .toList();
      assertThat(later)
          .containsExactlyInAnyOrder(
              "705/0", "705/1", "705/2", "705/3", "705/4", "705/5", "705/99", "700/99");
    }
  }

  @Test
  void shouldRefuseFromSeqAndLastRowsWhenTheFilterDoesNotFixTheKey() {
    try (LiveConnection live = new LiveConnection(port, "parter", "parter-password").open()) {
      for (String sql :
          List.of(
              "SELECT id FROM part.m OPTIONS (from_seq = 0)",
              "SELECT id FROM part.m WHERE c > 3 OPTIONS (from_seq = 5)",
              "SUBSCRIBE TO part.m WHERE id = 1 OPTIONS (from_seq = 0)",
              "SUBSCRIBE TO part.m WHERE c = 1 OR c = 2 OPTIONS (from_seq = 0)",
              "SUBSCRIBE TO part.m OPTIONS (last_rows = 5)")) {
        assertThatThrownBy(() -> live.subscribe(sql))
            .as(sql)
            .satisfies(e -> assertThat(LiveEndToEndTest.code(e)).isEqualTo("INVALID_ARGUMENT"))
            .hasMessageContaining("needs a filter that fixes c on a partitioned table");
      }
      String ok =
          live.subscribe("SUBSCRIBE TO part.m WHERE c = 1 AND id > 0 OPTIONS (from_seq = 0)");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> live.events(ok).stream().anyMatch(LiveEvent::hasReady));
    }
  }

  /** A row's {@code c/id}. */
  private static String key(Row r) {
    return LiveEvents.text(r.getValues(0)) + "/" + LiveEvents.text(r.getValues(1));
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
