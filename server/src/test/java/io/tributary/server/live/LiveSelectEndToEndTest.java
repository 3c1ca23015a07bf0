package io.tributary.server.live;

import static io.tributary.server.live.LiveEndToEndTest.assertCode;
import static io.tributary.server.live.LiveEndToEndTest.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
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
 * Live SELECTs over gRPC on a real port: projections, the initial order, and a live top-n window
 * whose subscriber holds exactly the result of re-running the SELECT after every change.
 */
class LiveSelectEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient u1;
  private static TributaryClient agent;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE lsel;"
            + "CREATE TABLE lsel.board (id INT PRIMARY KEY, name TEXT, score INT, grp INT);"
            + "CREATE TABLE lsel.msgs (id INT PRIMARY KEY, conv INT, body TEXT);"
            + "CREATE TABLE lsel.ordered (id INT PRIMARY KEY, score INT);"
            + "CREATE USER 'ls1' WITH PASSWORD 'ls1-password';"
            + "CREATE USER 'lsagent' WITH PASSWORD 'lsagent-password' ROLE service");
    u1 = TributaryClient.connect(SharedServer.url());
    u1.login("ls1", "ls1-password");
    agent = TributaryClient.connect(SharedServer.url());
    agent.login("lsagent", "lsagent-password");
  }

  @AfterAll
  static void tearDown() {
    for (TributaryClient c : List.of(root, u1, agent)) {
      c.close();
    }
  }

  /** The result of a SELECT run with Execute, keyed as {@link LiveEvents#state} keys rows. */
  static Map<String, List<String>> select(TributaryClient client, String sql, String key) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (var row : client.query(sql).rows()) {
      List<String> values = new ArrayList<>();
      for (Object v : row.values()) {
        values.add(v == null ? "NULL" : String.valueOf(v));
      }
      out.put(String.valueOf(row.get(key)), values);
    }
    return out;
  }

  /** "insert 3", "update 1", "delete 2" for rows whose primary key is at {@code keyIndex}. */
  static String describe(LiveEvent e, int keyIndex) {
    Row row =
        e.hasInsert()
            ? e.getInsert().getRow()
            : e.hasUpdate() ? e.getUpdate().getNewRow() : e.getDelete().getRow();
    String kind = e.hasInsert() ? "insert" : e.hasUpdate() ? "update" : "delete";
    return kind + " " + LiveEvents.text(row.getValues(keyIndex));
  }

  static List<LiveEvent> changes(List<LiveEvent> events) {
    return events.stream().filter(LiveEvents::isChange).toList();
  }

  @Test
  void shouldKeepATopThreeWindowExactThroughInsertsUpdatesAndDeletes() {
    u1.update(
        "INSERT INTO lsel.board VALUES (1, 'a', 10, 1), (2, 'b', 20, 1), (3, 'c', 30, 1),"
            + " (4, 'd', 40, 2), (5, 'e', 50, 2)");
    String reference = "SELECT name, score, id FROM lsel.board ORDER BY score DESC, id LIMIT 3";
    try (LiveConnection a = new LiveConnection(port, "ls1", "ls1-password").open()) {
      String sub = a.subscribe("SELECT name, score FROM lsel.board ORDER BY score DESC LIMIT 3");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(sub).size() >= 3);
      List<LiveEvent> setup = a.events(sub);
      assertThat(setup.get(0).getSubscribed().getColumnsList())
          .extracting(c -> c.getName())
          .containsExactly("name", "score", "id", "_seq");
      assertThat(setup.get(0).getSubscribed().getPrimaryKeyList()).containsExactly("id");
      assertThat(LiveEvents.initialKeys(setup)).containsExactly("5", "4", "3");
      assertThat(LiveEvents.state(setup, 3)).isEqualTo(select(u1, reference, "id"));

      List<List<String>> steps = new ArrayList<>();
      String[] writes = {
        "INSERT INTO lsel.board VALUES (6, 'f', 45, 1)", // above the cut: 3 leaves
        "INSERT INTO lsel.board VALUES (7, 'g', 5, 1)", // below the cut: nothing
        "UPDATE lsel.board SET score = 60 WHERE id = 1", // moves in: 4 leaves
        "UPDATE lsel.board SET score = 55 WHERE id = 6", // moves within the window
        "UPDATE lsel.board SET score = 0 WHERE id = 1", // moves out: 4 comes back
        "DELETE FROM lsel.board WHERE id = 5", // leaves: 3 comes back
        "DELETE FROM lsel.board WHERE id = 7", // outside the window: nothing
        "UPDATE lsel.board SET name = 'z' WHERE id = 2", // outside the window: nothing
        "UPDATE lsel.board SET name = 'y' WHERE id = 4", // inside, same place
        "UPDATE lsel.board SET score = 30 WHERE id = 2", // ties with 3, wins on the key
        "UPDATE lsel.board SET score = score + 100 WHERE grp = 1", // four changes in one command
        "UPDATE lsel.board SET score = 130 WHERE id = 4", // ties with 2 and 3, loses on the key
        "UPDATE lsel.board SET score = 10 WHERE id = 3", // leaves: 4 comes in
      };
      int seen = 0;
      for (String write : writes) {
        u1.update(write);
        Map<String, List<String>> expected = select(u1, reference, "id");
        await()
            .pollInterval(Duration.ofMillis(5))
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> assertThat(LiveEvents.state(a.events(sub), 3)).as(write).isEqualTo(expected));
        List<LiveEvent> changes = changes(a.events(sub));
        steps.add(changes.subList(seen, changes.size()).stream().map(e -> describe(e, 2)).toList());
        seen = changes.size();
      }
      assertThat(steps.subList(0, 10))
          .containsExactly(
              List.of("delete 3", "insert 6"),
              List.of(),
              List.of("delete 4", "insert 1"),
              List.of("update 6"),
              List.of("delete 1", "insert 4"),
              List.of("delete 5", "insert 3"),
              List.of(),
              List.of(),
              List.of("update 4"),
              List.of("delete 3", "insert 2"));
      assertThat(steps.get(11)).isEmpty();
      assertThat(steps.get(12)).containsExactly("delete 3", "insert 4");
      assertThat(select(u1, reference, "id").keySet()).containsExactly("6", "2", "4");
      // The events of one change share its _seq; changes follow each other in _seq order.
      List<LiveEvent> changes = changes(a.events(sub));
      assertThat(LiveEvents.seq(changes.get(0))).isEqualTo(LiveEvents.seq(changes.get(1)));
      assertThat(LiveEvents.seq(changes.get(2))).isGreaterThan(LiveEvents.seq(changes.get(1)));
    }
  }

  @Test
  void shouldDeliverTheSelectedColumnsOfAFilteredSelect() {
    try (LiveConnection a = new LiveConnection(port, "ls1", "ls1-password").open()) {
      String sub = a.subscribe("SELECT body FROM lsel.msgs WHERE conv = 1");
      u1.update("INSERT INTO lsel.msgs VALUES (1, 1, 'a'), (2, 2, 'b')");
      u1.update("UPDATE lsel.msgs SET conv = 1 WHERE id = 2");
      u1.update("UPDATE lsel.msgs SET body = 'a2' WHERE id = 1");
      u1.update("UPDATE lsel.msgs SET conv = 3 WHERE id = 1");
      u1.update("INSERT INTO lsel.msgs VALUES (3, 1, 'c')");
      await().atMost(Duration.ofSeconds(10)).until(() -> changes(a.events(sub)).size() >= 5);
      List<LiveEvent> events = a.events(sub);
      assertThat(events.get(0).getSubscribed().getColumnsList())
          .extracting(c -> c.getName())
          .containsExactly("body", "id", "_seq");
      assertThat(changes(events).stream().map(e -> describe(e, 1)))
          .containsExactly("insert 1", "insert 2", "update 1", "delete 1", "insert 3");
      assertThat(changes(events).get(0).getInsert().getRow().getValuesCount()).isEqualTo(3);
      assertThat(LiveEvents.state(events, -1))
          .isEqualTo(select(u1, "SELECT body, id FROM lsel.msgs WHERE conv = 1", "id"));

      // A live SELECT without LIMIT resumes from a _seq, as SUBSCRIBE does.
      long after = LiveEvents.seq(changes(events).get(1));
      String resumed =
          a.subscribe(
              "SELECT body FROM lsel.msgs WHERE conv = 1 OPTIONS (from_seq = " + after + ")");
      await().atMost(Duration.ofSeconds(10)).until(() -> changes(a.events(resumed)).size() >= 3);
      assertThat(LiveEvents.describeAll(a.events(resumed)))
          .doesNotContain("initial_rows")
          .filteredOn(e -> !e.equals("ready"))
          .containsExactly("subscribed", "update a2", "delete a2", "insert c");
    }
  }

  @Test
  void shouldSendTheSnapshotOfAnOrderedSelectInOrder() {
    u1.update("INSERT INTO lsel.ordered VALUES (1, 30), (2, 10), (3, NULL), (4, 20), (5, 10)");
    try (LiveConnection a = new LiveConnection(port, "ls1", "ls1-password").open()) {
      String asc =
          a.subscribe("SELECT score FROM lsel.ordered ORDER BY score OPTIONS (batch_size = 2)");
      String desc = a.subscribe("SELECT * FROM lsel.ordered ORDER BY score DESC LIMIT 10");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(asc).size() >= 5);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(desc).size() >= 3);
      assertThat(LiveEvents.describeAll(a.events(asc)))
          .containsExactly("subscribed", "initial_rows", "initial_rows", "initial_rows", "ready");
      // As SELECT orders them: NULL is the largest value, ties go by the primary key.
      assertThat(LiveEvents.initialKeys(a.events(asc))).containsExactly("2", "5", "4", "1", "3");
      assertThat(LiveEvents.initialKeys(a.events(desc))).containsExactly("3", "1", "4", "2", "5");
      assertThat(LiveEvents.initialKeys(a.events(asc)))
          .containsExactlyElementsOf(
              select(u1, "SELECT score, id FROM lsel.ordered ORDER BY score, id", "id").keySet());
    }
  }

  @Test
  void shouldServeALiveSelectForAnotherUserAndOnAOneShotStream() {
    List<LiveEvent> got = new ArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (LiveConnection a = new LiveConnection(port, "lsagent", "lsagent-password").open()) {
      String sub =
          a.subscribe(
              "EXECUTE AS USER 'ls1' (SELECT body FROM lsel.msgs WHERE body = 'agent' LIMIT 1)");
      var call =
          a.subscribeOnce(
              "EXECUTE AS USER 'ls1' (SELECT id FROM lsel.msgs WHERE body = 'agent' ORDER BY id"
                  + " DESC LIMIT 1)",
              e -> {
                synchronized (got) {
                  got.add(e);
                }
              },
              error);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                synchronized (got) {
                  return got.stream().anyMatch(LiveEvent::hasReady);
                }
              });
      agent.update("EXECUTE AS USER 'ls1' (INSERT INTO lsel.msgs VALUES (100, 9, 'agent'))");
      agent.update("EXECUTE AS USER 'ls1' (INSERT INTO lsel.msgs VALUES (101, 9, 'agent'))");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                synchronized (got) {
                  assertThat(LiveEvents.state(got, 1)).containsOnlyKeys("101");
                }
              });
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(LiveEvents.state(a.events(sub), 1)).containsOnlyKeys("100"));
      assertThat(error.get()).isNull();
      call.cancel("done", null);

      // A live SELECT with LIMIT cannot resume: closing it says so with last_seq -1.
      assertThat(root.update("KILL LIVE QUERY '" + sub + "'")).isZero();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.events(sub).stream().anyMatch(LiveEvent::hasError));
      LiveEvent killed = a.events(sub).get(a.events(sub).size() - 1);
      assertThat(killed.getError().getError().getCode()).isEqualTo("LIVE_QUERY_KILLED");
      assertThat(killed.getError().getLastSeq()).isEqualTo(-1);
    }
  }

  @Test
  void shouldRefuseSelectsThatCannotBeKeptLive() {
    try (LiveConnection a = new LiveConnection(port, "ls1", "ls1-password").open()) {
      for (String sql :
          List.of(
              "SELECT COUNT(*) FROM lsel.board",
              "SELECT grp FROM lsel.board GROUP BY grp",
              "SELECT b.id FROM lsel.board b JOIN lsel.msgs m ON b.id = m.id",
              "SELECT score + 1 FROM lsel.board",
              "SELECT * FROM lsel.board ORDER BY score LIMIT 3 OFFSET 3",
              "SELECT * FROM lsel.board WHERE id IN (SELECT id FROM lsel.msgs)",
              "SELECT * FROM (SELECT * FROM lsel.board)",
              "SELECT DISTINCT grp FROM lsel.board",
              "SELECT * FROM lsel.board ORDER BY score * 2 LIMIT 3",
              "SELECT 1")) {
        assertThatThrownBy(() -> a.subscribe(sql))
            .as(sql)
            .isInstanceOf(StatusRuntimeException.class)
            .satisfies(
                e -> {
                  assertThat(code(e)).isEqualTo("UNSUPPORTED_STATEMENT");
                  assertThat(detail(e).getError().getMessage())
                      .startsWith(
                          "Cannot subscribe: a live SELECT supports only SELECT <columns or *>"
                              + " FROM <namespace.table> [WHERE ...] [ORDER BY <columns>"
                              + " [ASC|DESC]] [LIMIT n], not ");
                });
      }
      assertCode(() -> a.subscribe("VALUES (1)"), "UNSUPPORTED_STATEMENT");
      assertCode(
          () -> a.subscribe("INSERT INTO lsel.board VALUES (9, 'x', 1, 1)"),
          "UNSUPPORTED_STATEMENT");
      assertCode(() -> a.subscribe("SELECT nope FROM lsel.board"), "COLUMN_NOT_FOUND");
      assertCode(
          () -> a.subscribe("SELECT * FROM lsel.board LIMIT 3 OPTIONS (from_seq = 1)"),
          "INVALID_ARGUMENT");
      assertCode(
          () -> a.subscribe("SELECT * FROM lsel.board OPTIONS (last_rows = 1)"),
          "INVALID_ARGUMENT");
      assertCode(() -> a.subscribe("SELECT * FROM lsel.board OPTIONS (x = 1"), "SYNTAX_ERROR");
      AtomicReference<Throwable> error = new AtomicReference<>();
      a.subscribeOnce("SELECT SUM(score) FROM lsel.board", e -> {}, error);
      await().atMost(Duration.ofSeconds(10)).until(() -> error.get() != null);
      assertThat(code(error.get())).isEqualTo("UNSUPPORTED_STATEMENT");
      // The stream still serves after all of these.
      String ok = a.subscribe("SELECT id FROM lsel.board LIMIT 2");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(ok).size() >= 3);
      a.unsubscribe(ok);
    }
  }

  private static ErrorDetail detail(Throwable e) {
    return io.grpc.Status.trailersFromThrowable(e)
        .get(ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()));
  }
}
