package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.client.LiveQuery;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java SDK's live() and subscribe() against the real server, as DESIGN.md section 1 uses them.
 */
class SdkLiveEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient u1;
  private static TributaryClient agent;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE sdkchat;"
            + "CREATE TABLE sdkchat.messages (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
            + " conversation_id BIGINT NOT NULL, role TEXT, content TEXT);"
            + "CREATE USER 'sdk_u1' WITH PASSWORD 'sdk-u1-password';"
            + "CREATE USER 'sdk_agent' WITH PASSWORD 'sdk-agent-password' ROLE service");
    u1 = TributaryClient.connect(SharedServer.url());
    u1.login("sdk_u1", "sdk-u1-password");
    agent = TributaryClient.connect(SharedServer.url());
    agent.login("sdk_agent", "sdk-agent-password");
  }

  @AfterAll
  static void tearDown() {
    u1.close();
    agent.close();
    root.close();
  }

  @Test
  void shouldKeepALiveResultInStepWithTheTable() {
    u1.update(
        "INSERT INTO sdkchat.messages (conversation_id, role, content) VALUES (1, 'user', 'first')");
    AtomicReference<List<Row>> latest = new AtomicReference<>(List.of());
    try (TributaryClient phone = TributaryClient.connect(SharedServer.url())) {
      phone.login("sdk_u1", "sdk-u1-password");
      LiveQuery live =
          phone.live(
              "SUBSCRIBE TO sdkchat.messages WHERE conversation_id = $1 OPTIONS (last_rows = 20)",
              latest::set,
              1L);
      await().atMost(Duration.ofSeconds(10)).until(() -> contents(latest.get()).contains("first"));

      u1.update(
          "INSERT INTO sdkchat.messages (conversation_id, role, content) VALUES (1, 'user', 'hi')");
      agent.update(
          "EXECUTE AS USER 'sdk_u1' (INSERT INTO sdkchat.messages (conversation_id, role, content)"
              + " VALUES (1, 'assistant', 'hello!'))");
      u1.update(
          "INSERT INTO sdkchat.messages (conversation_id, role, content) VALUES (2, 'user', 'other')");
      u1.update("UPDATE sdkchat.messages SET content = 'first (edited)' WHERE content = 'first'");
      u1.update("DELETE FROM sdkchat.messages WHERE content = 'hi'");

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(contents(latest.get()))
                      .containsExactlyInAnyOrderElementsOf(
                          contents(
                              u1.query(
                                      "SELECT content FROM sdkchat.messages WHERE"
                                          + " conversation_id = 1")
                                  .rows())));
      assertThat(contents(live.rows())).containsExactlyInAnyOrder("first (edited)", "hello!");
      assertThat(live.failure()).isEmpty();
      live.close();
    }
  }

  @Test
  void shouldKeepALiveWindowInQueryOrderAndPublishOnlyResultsTheQueryHad() {
    root.update("CREATE TABLE sdkchat.scores (id INT PRIMARY KEY, name TEXT, score INT)");
    String window = "SELECT name FROM sdkchat.scores ORDER BY score DESC NULLS LAST LIMIT 3";
    String reference =
        "SELECT name, score FROM sdkchat.scores ORDER BY score DESC NULLS LAST, id LIMIT 3";
    List<List<String>> published = new CopyOnWriteArrayList<>();
    List<List<String>> results = new ArrayList<>();
    try (TributaryClient phone = TributaryClient.connect(SharedServer.url())) {
      phone.login("sdk_u1", "sdk-u1-password");
      LiveQuery live = phone.live(window, rows -> published.add(scored(rows)));
      results.add(List.of());
      await().atMost(Duration.ofSeconds(10)).until(() -> !published.isEmpty());

      List<String> writes =
          List.of(
              "INSERT INTO sdkchat.scores VALUES (1, 'a', 10)",
              "INSERT INTO sdkchat.scores VALUES (2, 'b', 30)",
              "INSERT INTO sdkchat.scores VALUES (3, 'c', 20)",
              "INSERT INTO sdkchat.scores VALUES (4, 'd', NULL)",
              "INSERT INTO sdkchat.scores VALUES (5, 'e', 40)",
              "UPDATE sdkchat.scores SET score = 50 WHERE id = 1",
              "DELETE FROM sdkchat.scores WHERE id = 1",
              "UPDATE sdkchat.scores SET name = 'B' WHERE id = 2",
              "UPDATE sdkchat.scores SET score = NULL WHERE id = 5",
              "INSERT INTO sdkchat.scores VALUES (6, 'f', 30)");
      for (String write : writes) {
        u1.update(write);
        List<String> expected = scored(u1.query(reference).rows());
        results.add(expected);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(published.get(published.size() - 1)).as(write).isEqualTo(expected));
      }

      // Each list handed over is the result the query had after a write (never a window between
      // the events of one change), once per write that moved the window (the fourth did not).
      List<List<String>> changes = new ArrayList<>();
      for (List<String> result : results) {
        if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(result)) {
          changes.add(result);
        }
      }
      assertThat(published).isEqualTo(changes);
      assertThat(scored(live.rows())).containsExactly("B:30", "f:30", "c:20");
      assertThat(live.failure()).isEmpty();
    }
  }

  /** Rows as "name:score"; a live window's rows carry the score it orders by, though unselected. */
  private static List<String> scored(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(r.getString("name") + ":" + r.getInteger("score"));
    }
    return out;
  }

  @Test
  void shouldHandRawEventsToAListener() {
    List<String> events = new CopyOnWriteArrayList<>();
    Subscription sub =
        u1.subscribe(
            "SUBSCRIBE TO sdkchat.messages WHERE conversation_id = 3",
            new SubscriptionListener() {
              @Override
              public void onReady(long seq) {
                events.add("ready");
              }

              @Override
              public void onInsert(Row row, long seq) {
                events.add("insert " + row.getString("content"));
              }

              @Override
              public void onUpdate(Row oldRow, Row newRow, long seq) {
                events.add(
                    "update " + oldRow.getString("content") + "->" + newRow.getString("content"));
              }

              @Override
              public void onDelete(Row row, long seq) {
                events.add("delete " + row.getString("content"));
              }
            });
    u1.update(
        "INSERT INTO sdkchat.messages (conversation_id, role, content) VALUES (3, 'user', 'a')");
    u1.update("UPDATE sdkchat.messages SET content = 'b' WHERE conversation_id = 3");
    u1.update("UPDATE sdkchat.messages SET conversation_id = 4 WHERE conversation_id = 3");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events).containsExactly("ready", "insert a", "update a->b", "delete b"));
    assertThat(sub.lastSeq()).isPositive();
    sub.close();
  }

  @Test
  void shouldRefuseABadSubscriptionWithItsCode() {
    assertThatThrownBy(
            () ->
                u1.subscribe(
                    "SUBSCRIBE TO sdkchat.nope",
                    new SubscriptionListener() {
                      @Override
                      public void onInsert(Row row, long seq) {}

                      @Override
                      public void onUpdate(Row oldRow, Row newRow, long seq) {}

                      @Override
                      public void onDelete(Row row, long seq) {}
                    }))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isIn("TABLE_NOT_FOUND"));
  }

  private static List<String> contents(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(r.getString("content"));
    }
    return out;
  }
}
