package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.api.v1.ErrorDetail;
import io.tributary.api.v1.LiveEvent;
import io.tributary.client.StatementResult;
import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Live subscriptions over gRPC on a real port: routing, filters, isolation, failures. */
class LiveEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient u1;
  private static TributaryClient u2;
  private static TributaryClient agent;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE live1;"
            + "CREATE TABLE live1.msgs (id INT PRIMARY KEY, conv INT, body TEXT);"
            + "CREATE SHARED TABLE live1.vault (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'private');"
            + "CREATE USER 'lu1' WITH PASSWORD 'lu1-password';"
            + "CREATE USER 'lu2' WITH PASSWORD 'lu2-password';"
            + "CREATE USER 'lagent' WITH PASSWORD 'lagent-password' ROLE service");
    u1 = login("lu1", "lu1-password");
    u2 = login("lu2", "lu2-password");
    agent = login("lagent", "lagent-password");
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient c = TributaryClient.connect(SharedServer.url());
    c.login(user, password);
    return c;
  }

  @AfterAll
  static void tearDown() {
    for (TributaryClient c : List.of(root, u1, u2, agent)) {
      c.close();
    }
  }

  @Test
  void shouldDeliverToEveryConnectionExactlyItsUsersChanges() {
    try (LiveConnection a = new LiveConnection(port, "lu1", "lu1-password").open();
        LiveConnection b = new LiveConnection(port, "lu1", "lu1-password").open();
        LiveConnection c = new LiveConnection(port, "lu2", "lu2-password").open()) {
      String all = a.subscribe("SUBSCRIBE TO live1.msgs");
      String conv1 = b.subscribe("SUBSCRIBE TO live1.msgs WHERE conv = 1");
      String theirs = c.subscribe("SUBSCRIBE TO live1.msgs");

      u1.update("INSERT INTO live1.msgs VALUES (1, 1, 'a'), (2, 2, 'b')");
      u2.update("INSERT INTO live1.msgs VALUES (1, 1, 'x')");
      agent.update("EXECUTE AS USER 'lu1' (INSERT INTO live1.msgs VALUES (3, 1, 'c'))");
      u1.update("UPDATE live1.msgs SET body = 'a2' WHERE id = 1");
      u1.update("UPDATE live1.msgs SET conv = 2 WHERE id = 3");
      u1.update("DELETE FROM live1.msgs WHERE id = 2");
      u1.update("INSERT INTO live1.msgs VALUES (99, 3, 'sentinel')");

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> LiveEvents.describeAll(a.events(all)).contains("insert 99"));
      assertThat(LiveEvents.describeAll(a.events(all)))
          .containsExactly(
              "subscribed",
              "initial_rows",
              "ready",
              "insert 1",
              "insert 2",
              "insert 3",
              "update 1",
              "update 3",
              "delete 2",
              "insert 99");
      assertThat(LiveEvents.describeAll(b.events(conv1)))
          .containsExactly(
              "subscribed",
              "initial_rows",
              "ready",
              "insert 1",
              "insert 3",
              "update 1",
              "delete 3");
      assertThat(LiveEvents.describeAll(c.events(theirs)))
          .containsExactly("subscribed", "initial_rows", "ready", "insert 1");
      assertThat(c.events(theirs).get(3).getInsert().getRow().getValues(2).getTextValue())
          .isEqualTo("x");
      assertThat(LiveEvents.rebuild(a.events(all)).keySet()).containsExactly("1", "3", "99");
    }
  }

  @Test
  void shouldStartWithTheLastRowsThenGoLive() {
    root.update("CREATE TABLE live1.recent (id INT PRIMARY KEY, n INT)");
    u1.update("INSERT INTO live1.recent VALUES (1, 1), (2, 2), (3, 3)");
    u1.update("INSERT INTO live1.recent VALUES (4, 4)");
    try (LiveConnection a = new LiveConnection(port, "lu1", "lu1-password").open()) {
      String sub =
          a.subscribe(
              "SUBSCRIBE TO live1.recent WHERE n > 1 OPTIONS (last_rows = 2, batch_size = 1)");
      u1.update("INSERT INTO live1.recent VALUES (5, 5)");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(sub).size() >= 5);
      List<LiveEvent> events = a.events(sub);
      assertThat(LiveEvents.describeAll(events))
          .containsExactly("subscribed", "initial_rows", "initial_rows", "ready", "insert 5");
      assertThat(events.get(1).getInitialRows().getHasMore()).isTrue();
      assertThat(events.get(2).getInitialRows().getHasMore()).isFalse();
      assertThat(LiveEvents.rebuild(events).keySet()).containsExactly("3", "4", "5");
      assertThat(events.get(0).getSubscribed().getPrimaryKeyList()).containsExactly("id");
      assertThat(events.get(0).getSubscribed().getColumnsList())
          .extracting(col -> col.getName())
          .containsExactly("id", "n", "_seq");
    }
  }

  @Test
  void shouldListAndKillLiveQueries() {
    try (LiveConnection a = new LiveConnection(port, "lu1", "lu1-password").open()) {
      String sub = a.subscribe("SUBSCRIBE TO live1.msgs WHERE conv = 7");
      var mine = u1.query("SELECT id, `user`, `table`, `filter` FROM system.live").rows();
      assertThat(mine)
          .extracting(
              r -> r.getString("id") + " " + r.getString("table") + " " + r.getString("filter"))
          .contains(sub + " live1.msgs `conv` = 7");
      assertThat(u2.query("SELECT id FROM system.live").rows())
          .extracting(r -> r.getString("id"))
          .doesNotContain(sub);

      StatementResult denied = u1.execute("KILL LIVE QUERY '" + sub + "'").get(0);
      assertThat(denied.error().orElseThrow().code()).isEqualTo("PERMISSION_DENIED");
      assertThat(root.update("KILL LIVE QUERY '" + sub + "'")).isZero();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.events(sub).stream().anyMatch(LiveEvent::hasError));
      LiveEvent killed = a.events(sub).get(a.events(sub).size() - 1);
      assertThat(killed.getError().getError().getCode()).isEqualTo("LIVE_QUERY_KILLED");
      assertThat(root.execute("KILL LIVE QUERY '" + sub + "'").get(0).error().orElseThrow().code())
          .isEqualTo("LIVE_QUERY_NOT_FOUND");
    }
  }

  @Test
  void shouldRefuseBadSubscriptionsWithCodedErrors() {
    try (LiveConnection a = new LiveConnection(port, "lu1", "lu1-password").open()) {
      assertCode(() -> a.subscribe("SUBSCRIBE live1.msgs"), "SYNTAX_ERROR");
      assertCode(() -> a.subscribe("SUBSCRIBE TO live1.nope"), "TABLE_NOT_FOUND");
      assertCode(() -> a.subscribe("SUBSCRIBE TO live1.vault"), "PERMISSION_DENIED");
      assertCode(() -> a.subscribe("SUBSCRIBE TO live1.msgs WHERE nope = 1"), "COLUMN_NOT_FOUND");
      assertCode(
          () -> a.subscribe("SUBSCRIBE TO live1.msgs OPTIONS (colour = 'red')"),
          "INVALID_ARGUMENT");
      assertCode(() -> a.subscribe("SELECT 1"), "UNSUPPORTED_STATEMENT");
      assertCode(() -> a.unsubscribe("no-such-subscription"), "LIVE_QUERY_NOT_FOUND");
      try (LiveConnection other = new LiveConnection(port, "lu2", "lu2-password").open()) {
        String sub = other.subscribe("SUBSCRIBE TO live1.msgs");
        assertCode(() -> a.unsubscribe(sub), "LIVE_QUERY_NOT_FOUND");
      }
      assertThat(u1.execute("SUBSCRIBE TO live1.msgs").get(0).error().orElseThrow().code())
          .isEqualTo("UNSUPPORTED_STATEMENT");
      AtomicReference<Throwable> error = new AtomicReference<>();
      a.subscribeOnce("SUBSCRIBE TO live1.nope", e -> {}, error);
      await().atMost(Duration.ofSeconds(10)).until(() -> error.get() != null);
      assertThat(code(error.get())).isEqualTo("TABLE_NOT_FOUND");
      // The stream still serves after all of these.
      String ok = a.subscribe("SUBSCRIBE TO live1.msgs");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.events(ok).size() >= 3);
      a.unsubscribe(ok);
    }
  }

  @Test
  void shouldAnalyzeTheSameSubscriptionAgainAfterTheCatalogChanged() {
    root.update(
        "CREATE NAMESPACE live4;"
            + "CREATE SHARED TABLE live4.t (id INT PRIMARY KEY, x INT) WITH (ACCESS_LEVEL = 'public')");
    String sql = "SUBSCRIBE TO live4.t WHERE x = 1";
    try (LiveConnection a = new LiveConnection(port, "lu1", "lu1-password").open()) {
      String first = a.subscribe(sql);
      String second =
          a.subscribe(sql); // the same statement again: analyzed once, two subscriptions
      assertThat(second).isNotEqualTo(first);
      root.update("INSERT INTO live4.t (id, x) VALUES (1, 1), (2, 2)");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  LiveEvents.describeAll(a.events(first)).contains("insert 1")
                      && LiveEvents.describeAll(a.events(second)).contains("insert 1"));
      assertThat(LiveEvents.rebuild(a.events(second)).keySet()).containsExactly("1");

      root.update("DROP TABLE live4.t; CREATE SHARED TABLE live4.t (id INT PRIMARY KEY, y INT)");

      assertCode(() -> a.subscribe(sql), "COLUMN_NOT_FOUND");
    }
  }

  static void assertCode(Runnable call, String code) {
    assertThatThrownBy(call::run)
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(code(e)).isEqualTo(code));
  }

  static String code(Throwable e) {
    ErrorDetail detail =
        io.grpc.Status.trailersFromThrowable(e)
            .get(ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()));
    assertThat(detail).as("error detail of %s", e).isNotNull();
    assertThat(detail.getError().getMessage()).startsWith("Cannot ");
    return detail.getError().getCode();
  }
}
