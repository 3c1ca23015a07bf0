package io.tributary.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flush that dies after any of its steps (mark, cold commit, each eviction) loses and duplicates
 * nothing: every SELECT, before and after a restart and after the next flush, returns exactly the
 * rows written, and writes in between (updates, deletes, re-inserts of flushed keys) keep working.
 */
class FlushCrashEndToEndTest {
  @TempDir Path dataDir;

  @AfterEach
  void clearHook() {
    FlushJobs.stepHook = step -> {};
  }

  /** What each user's SELECT must return: id → body. */
  private final TreeMap<Integer, String> alice = new TreeMap<>();

  private final TreeMap<Integer, String> bob = new TreeMap<>();

  @Test
  void shouldLoseAndDuplicateNothingWhenAFlushDiesAfterAnyStep() {
    List<String> steps = List.of("marked", "committed", "evicted 1 of 2");
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE crash;"
              + "CREATE TABLE crash.notes (id INT PRIMARY KEY, body TEXT);"
              + "CREATE USER 'alice' WITH PASSWORD 'alice-password';"
              + "CREATE USER 'bob' WITH PASSWORD 'bob-password-1'");
      try (TributaryClient a = connect(server, "alice", "alice-password");
          TributaryClient b = connect(server, "bob", "bob-password-1")) {
        int round = 0;
        for (String step : steps) {
          round++;
          // new rows, and changes of rows flushed (or half flushed) in earlier rounds
          insert(a, alice, round * 10 + 1, "a" + round);
          insert(a, alice, round * 10 + 2, "a" + round + "b");
          insert(b, bob, round * 10 + 1, "b" + round);
          if (round > 1) {
            int earlier = (round - 1) * 10;
            a.update("UPDATE crash.notes SET body = body || '!' WHERE id = " + (earlier + 1));
            alice.computeIfPresent(earlier + 1, (k, v) -> v + "!");
            a.update("DELETE FROM crash.notes WHERE id = " + (earlier + 2));
            alice.remove(earlier + 2);
            b.update("DELETE FROM crash.notes WHERE id = " + (earlier + 1));
            bob.remove(earlier + 1);
            insert(b, bob, earlier + 1, "b" + round + " again");
          }
          FlushJobs.stepHook =
              s -> {
                if (s.equals(step)) {
                  throw new IllegalStateException("crash after " + s);
                }
              };
          assertThatThrownBy(() -> root.update("STORAGE FLUSH TABLE crash.notes"))
              .as("a flush that dies after %s", step)
              .isInstanceOf(TributaryException.class);
          FlushJobs.stepHook = s -> {};
          assertRows(a, alice, "after a flush died after " + step);
          assertRows(b, bob, "after a flush died after " + step);
        }
        assertThat(root.query("SELECT state FROM system.jobs").rows())
            .extracting(r -> r.getString("state"))
            .containsOnly("FAILED");
      }
    }

    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD);
        TributaryClient a = connect(server, "alice", "alice-password");
        TributaryClient b = connect(server, "bob", "bob-password-1")) {
      assertRows(a, alice, "after a restart");
      assertRows(b, bob, "after a restart");
      root.update("STORAGE FLUSH TABLE crash.notes");
      assertRows(a, alice, "after a flush that completed");
      assertRows(b, bob, "after a flush that completed");
      assertThat(server.storeEntries("crash", "notes")).isEqualTo(2); // the two watermarks
      a.update("DELETE FROM crash.notes");
      alice.clear();
      assertRows(a, alice, "after deleting every row");
      assertRows(b, bob, "after alice deleted hers");
    }
  }

  private static void insert(
      TributaryClient client, TreeMap<Integer, String> rows, int id, String body) {
    client.update("INSERT INTO crash.notes VALUES (" + id + ", '" + body + "')");
    rows.put(id, body);
  }

  private static void assertRows(
      TributaryClient client, TreeMap<Integer, String> rows, String when) {
    List<String> expected = new ArrayList<>();
    rows.forEach((id, body) -> expected.add(id + "=" + body));
    assertThat(
            client.query("SELECT id, body FROM crash.notes ORDER BY id").rows().stream()
                .map(r -> r.getInteger("id") + "=" + r.getString("body"))
                .toList())
        .as(when)
        .containsExactlyElementsOf(expected);
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }
}
