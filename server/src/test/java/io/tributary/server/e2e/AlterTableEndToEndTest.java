package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALTER TABLE through the server: rows written before and after ADD COLUMN and RENAME COLUMN, some
 * flushed to the cold tier and some hot, read back by SELECT and by a live subscription opened
 * before the changes (it ends with SCHEMA_CHANGED at each change and the SDK resumes it, so its
 * events carry the new columns from the change on, with no gap and no duplicate); a restart keeps
 * the altered schema.
 */
class AlterTableEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void shouldAddAndRenameColumnsThroughBothTiersALiveSubscriptionAndARestart() {
    List<String> expected =
        List.of("1|one|x", "2|two|null", "3|three|null", "4|four|t4", "5|five|t5");
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE alt;"
              + "CREATE TABLE alt.notes (id INT PRIMARY KEY, body TEXT) WITH (FLUSH_POLICY ="
              + " 'rows:0,interval:0');"
              + "CREATE USER 'alice' WITH PASSWORD 'alice-password'");
      try (TributaryClient alice = connect(server, "alice", "alice-password")) {
        alice.update("INSERT INTO alt.notes VALUES (1, 'one'), (2, 'two')");
        root.update("STORAGE FLUSH TABLE alt.notes");
        alice.update("INSERT INTO alt.notes VALUES (3, 'three')");

        Events events = new Events();
        try (Subscription subscription = alice.subscribe("SUBSCRIBE TO alt.notes", events)) {
          Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> events.ready);
          // (whether a snapshot reads the flushed rows is the cold tier's business, not ALTER's)
          assertThat(events.snapshot).contains("3|three");

          root.update("ALTER TABLE alt.notes ADD COLUMN tag TEXT");
          alice.update("INSERT INTO alt.notes (id, body, tag) VALUES (4, 'four', 't4')");
          // a flushed row takes a value in the new column
          alice.update("UPDATE alt.notes SET tag = 'x' WHERE id = 1");
          Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () -> assertThat(events.changes).containsExactly("4|four|t4", "1|one|x"));

          // a subscription whose filter names the column to be renamed
          Events filtered = new Events();
          alice.subscribe("SUBSCRIBE TO alt.notes WHERE body <> 'zzz'", filtered);
          Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> filtered.ready);

          root.update("ALTER TABLE alt.notes RENAME COLUMN body TO content");
          alice.update("INSERT INTO alt.notes (id, content, tag) VALUES (5, 'five', 't5')");
          Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () ->
                      assertThat(events.changes)
                          .containsExactly("4|four|t4", "1|one|x", "5|five|t5"));
          assertThat(events.errors).isEmpty();
          // subscribed again under the new names, its filter no longer analyzes: it ends, coded
          Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .untilAsserted(
                  () ->
                      assertThat(filtered.errors)
                          .extracting(TributaryException::code)
                          .containsExactly("COLUMN_NOT_FOUND"));
          assertThat(filtered.changes).isEmpty();
          assertThat(subscription.lastSeq()).isPositive();
        }

        assertThat(notes(alice)).containsExactlyElementsOf(expected);
        assertThat(alice.query("SELECT COUNT(*) AS n FROM alt.notes WHERE tag IS NULL").rows())
            .extracting(r -> r.getLong("n"))
            .containsExactly(2L);
        root.update("STORAGE FLUSH TABLE alt.notes");
        assertThat(notes(alice)).containsExactlyElementsOf(expected);
        assertThat(alice.query("SELECT id FROM alt.notes WHERE content = 'four'").rows())
            .extracting(r -> r.getInteger("id"))
            .containsExactly(4);
        assertThatCode(alice, "SELECT body FROM alt.notes", "COLUMN_NOT_FOUND");
        assertThatCode(alice, "ALTER TABLE alt.notes ADD COLUMN more TEXT", "PERMISSION_DENIED");
      }
    }

    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD);
        TributaryClient alice = connect(server, "alice", "alice-password")) {
      assertThat(notes(alice)).containsExactlyElementsOf(expected);
      assertThat(root.query("DESCRIBE TABLE alt.notes").rows())
          .extracting(r -> r.getString("column"))
          .containsExactly("id", "content", "tag");
      alice.update("INSERT INTO alt.notes (id, content, tag) VALUES (6, 'six', 't6')");
      assertThat(notes(alice)).hasSize(6).endsWith("6|six|t6");
    }
  }

  private static List<String> notes(TributaryClient client) {
    return client.query("SELECT id, content, tag FROM alt.notes ORDER BY id").rows().stream()
        .map(r -> r.getInteger("id") + "|" + r.getString("content") + "|" + r.getString("tag"))
        .toList();
  }

  private static void assertThatCode(TributaryClient client, String sql, String code) {
    try {
      client.update(sql);
      throw new AssertionError("expected " + code + " from " + sql);
    } catch (TributaryException e) {
      assertThat(e.code()).isEqualTo(code);
    }
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }

  /** What a subscriber sees, by the column names of each row (content, or body before RENAME). */
  private static final class Events implements SubscriptionListener {
    final List<String> snapshot = new CopyOnWriteArrayList<>();
    final List<String> changes = new CopyOnWriteArrayList<>();
    final List<TributaryException> errors = new CopyOnWriteArrayList<>();
    volatile boolean ready;

    @Override
    public void onSnapshot(List<Row> rows, boolean last) {
      rows.forEach(r -> snapshot.add(r.getInteger("id") + "|" + r.getString("body")));
    }

    @Override
    public void onReady(long seq) {
      ready = true;
    }

    @Override
    public void onInsert(Row row, long seq) {
      changes.add(shown(row));
    }

    @Override
    public void onUpdate(Row oldRow, Row newRow, long seq) {
      changes.add(shown(newRow)); // a flushed row's update may arrive as an insert
    }

    @Override
    public void onDelete(Row row, long seq) {
      changes.add("deleted " + shown(row));
    }

    @Override
    public void onError(TributaryException e) {
      errors.add(e);
    }

    private static String shown(Row row) {
      Object text;
      try {
        text = row.get("content");
      } catch (RuntimeException e) {
        text = row.get("body");
      }
      return row.getInteger("id") + "|" + text + "|" + row.get("tag");
    }
  }
}
