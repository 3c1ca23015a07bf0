package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold tier through the server: STORAGE FLUSH writes the hot rows into Iceberg tables under the
 * data directory and drops them from the hot stores; SELECT merges both tiers (each user reads only
 * their own rows from either); a primary key that lives only in the cold tier is still a duplicate;
 * everything holds across a restart.
 */
class ColdTierEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void shouldFlushReadMergedAndKeepEverythingAcrossARestart() throws IOException {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE cold;"
              + "CREATE TABLE cold.notes (id INT PRIMARY KEY, body TEXT) WITH (FLUSH_POLICY ="
              + " 'rows:1000000,interval:86400');"
              + "CREATE SHARED TABLE cold.rooms (id INT PRIMARY KEY, name TEXT);"
              + "CREATE STREAM TABLE cold.typing (id INT PRIMARY KEY) WITH (TTL_SECONDS = 60);"
              + "CREATE USER 'alice' WITH PASSWORD 'alice-password';"
              + "CREATE USER 'bob' WITH PASSWORD 'bob-password-1';"
              + "INSERT INTO cold.rooms VALUES (1, 'lobby'), (2, 'kitchen')");
      try (TributaryClient alice = connect(server, "alice", "alice-password");
          TributaryClient bob = connect(server, "bob", "bob-password-1")) {
        alice.update("INSERT INTO cold.notes VALUES (1, 'a1'), (2, 'a2'), (3, 'a3')");
        bob.update("INSERT INTO cold.notes VALUES (1, 'b1'), (9, 'b9')");
        long before = server.storeEntries("cold", "notes");

        root.update("STORAGE FLUSH TABLE cold.notes");

        // the hot stores hold only the ranges' watermarks now
        assertThat(server.storeEntries("cold", "notes")).isLessThan(before).isEqualTo(2);
        assertThat(notes(alice)).containsExactly("1=a1", "2=a2", "3=a3");
        assertThat(notes(bob)).containsExactly("1=b1", "9=b9");
        assertThat(alice.query("SELECT body FROM cold.notes WHERE id = 2").rows())
            .extracting(r -> r.getString("body"))
            .containsExactly("a2");

        // a key that lives only in the cold tier is a duplicate; another user's key is not
        assertThatThrownBy(() -> alice.update("INSERT INTO cold.notes VALUES (2, 'again')"))
            .isInstanceOfSatisfying(
                TributaryException.class,
                e -> {
                  assertThat(e.code()).isEqualTo("DUPLICATE_KEY");
                  assertThat(e.getMessage()).contains("duplicate primary key (id)=(2)");
                });
        alice.update("INSERT INTO cold.notes VALUES (9, 'a9'), (4, 'a4')");
        assertThat(notes(alice)).containsExactly("1=a1", "2=a2", "3=a3", "4=a4", "9=a9");

        // UPDATE and DELETE reach flushed rows; a deleted key may be inserted again
        assertThat(alice.update("UPDATE cold.notes SET body = 'a2!' WHERE id = 2")).isEqualTo(1);
        assertThat(alice.update("DELETE FROM cold.notes WHERE id IN (1, 3)")).isEqualTo(2);
        assertThat(notes(alice)).containsExactly("2=a2!", "4=a4", "9=a9");
        alice.update("INSERT INTO cold.notes VALUES (1, 'a1b')");
        assertThat(notes(alice)).containsExactly("1=a1b", "2=a2!", "4=a4", "9=a9");
        assertThat(notes(bob)).containsExactly("1=b1", "9=b9");

        // a second flush replaces and removes cold versions; SHARED tables flush too
        root.update("STORAGE FLUSH ALL IN cold");
        assertThat(server.storeEntries("cold", "notes")).isEqualTo(2);
        assertThat(notes(alice)).containsExactly("1=a1b", "2=a2!", "4=a4", "9=a9");
        assertThat(notes(bob)).containsExactly("1=b1", "9=b9");
        assertThat(bob.query("SELECT name FROM cold.rooms ORDER BY id").rows())
            .extracting(r -> r.getString("name"))
            .containsExactly("lobby", "kitchen");
        assertThat(
                alice
                    .query("SELECT COUNT(*) AS n, MAX(id) AS m FROM cold.notes WHERE id > 1")
                    .rows()
                    .get(0)
                    .getLong("n"))
            .isEqualTo(3);

        // a write over both tiers: every row of bob's, two flushed and one hot
        bob.update("INSERT INTO cold.notes VALUES (5, 'b5')");
        assertThat(bob.update("UPDATE cold.notes SET body = body || '!'")).isEqualTo(3);
        assertThat(notes(bob)).containsExactly("1=b1!", "5=b5!", "9=b9!");
        assertThat(bob.update("DELETE FROM cold.notes WHERE id <> 5")).isEqualTo(2);
        bob.update("INSERT INTO cold.notes VALUES (9, 'b9 again')");
        assertThat(notes(bob)).containsExactly("5=b5!", "9=b9 again");
        root.update("STORAGE FLUSH TABLE cold.notes");
        assertThat(notes(bob)).containsExactly("5=b5!", "9=b9 again");
        assertThat(notes(alice)).containsExactly("1=a1b", "2=a2!", "4=a4", "9=a9");

        // the jobs, for dba and system only
        List<Row> jobs = root.query("SELECT `table`, state, `rows`, files FROM system.jobs").rows();
        assertThat(jobs)
            .extracting(r -> r.getString("table") + ":" + r.getString("state"))
            .contains("cold.notes:DONE", "cold.rooms:DONE");
        assertThat(jobs.get(0).getLong("rows")).isEqualTo(5);
        assertThat(alice.query("SELECT id FROM system.jobs").rows()).isEmpty();
      }
    }
    try (Stream<Path> files = Files.walk(dataDir.resolve("cold"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet")).count()).isPositive();
    }

    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient alice = connect(server, "alice", "alice-password");
        TributaryClient bob = connect(server, "bob", "bob-password-1")) {
      assertThat(notes(alice)).containsExactly("1=a1b", "2=a2!", "4=a4", "9=a9");
      assertThat(notes(bob)).containsExactly("5=b5!", "9=b9 again");
      assertThat(alice.update("DELETE FROM cold.notes WHERE body LIKE 'a%'")).isEqualTo(4);
      assertThat(notes(alice)).isEmpty();
      assertThatThrownBy(() -> bob.update("INSERT INTO cold.notes VALUES (9, 'again')"))
          .isInstanceOfSatisfying(
              TributaryException.class, e -> assertThat(e.code()).isEqualTo("DUPLICATE_KEY"));
    }
  }

  @Test
  void shouldRefuseFlushesOfOtherRolesUnknownTablesAndStreamTables() {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE fl;"
              + "CREATE TABLE fl.notes (id INT PRIMARY KEY, body TEXT);"
              + "CREATE STREAM TABLE fl.typing (id INT PRIMARY KEY) WITH (TTL_SECONDS = 60);"
              + "CREATE USER 'carol' WITH PASSWORD 'carol-password';"
              + "CREATE USER 'svc' WITH PASSWORD 'svc-password-1' ROLE service");
      try (TributaryClient carol = connect(server, "carol", "carol-password");
          TributaryClient svc = connect(server, "svc", "svc-password-1")) {
        assertCode(carol, "STORAGE FLUSH TABLE fl.notes", "PERMISSION_DENIED");
        assertCode(svc, "STORAGE FLUSH ALL", "PERMISSION_DENIED");
      }
      assertCode(root, "STORAGE FLUSH TABLE fl.missing", "TABLE_NOT_FOUND");
      assertCode(root, "STORAGE FLUSH ALL IN nowhere", "NAMESPACE_NOT_FOUND");
      assertCode(root, "STORAGE FLUSH TABLE fl.typing", "INVALID_ARGUMENT");
      assertCode(root, "STORAGE FLUSH fl.notes", "SYNTAX_ERROR");
      // an empty table flushes nothing and is no error; STREAM tables are skipped by ALL
      root.update("STORAGE FLUSH ALL");
      assertThat(root.query("SELECT state FROM system.jobs").rows())
          .extracting(r -> r.getString("state"))
          .containsOnly("DONE");
    }
  }

  @Test
  void shouldFlushByTheTablesFlushPolicy() {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE pol;"
              + "CREATE SHARED TABLE pol.events (id INT PRIMARY KEY, what TEXT)"
              + " WITH (FLUSH_POLICY = 'rows:3,interval:0');"
              + "CREATE SHARED TABLE pol.other (id INT PRIMARY KEY) WITH (FLUSH_POLICY = 'rows:0,"
              + " interval:0')");
      root.update("INSERT INTO pol.events VALUES (1, 'a'), (2, 'b')");
      root.update("INSERT INTO pol.other VALUES (1), (2), (3), (4)");
      root.update("INSERT INTO pol.events VALUES (3, 'c')");
      // the third changed row sets off the flush of pol.events; pol.other never flushes by itself
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> server.storeEntries("pol", "events") == 1);
      assertThat(root.query("SELECT `table`, state, `rows` FROM system.jobs").rows())
          .extracting(
              r -> r.getString("table") + ":" + r.getString("state") + ":" + r.getLong("rows"))
          .containsExactly("pol.events:DONE:3");
      assertThat(root.query("SELECT id, what FROM pol.events ORDER BY id").rows())
          .extracting(r -> r.getInteger("id") + "=" + r.getString("what"))
          .containsExactly("1=a", "2=b", "3=c");
      assertThat(server.storeEntries("pol", "other")).isEqualTo(5);
    }
  }

  private static void assertCode(TributaryClient client, String sql, String code) {
    assertThatThrownBy(() -> client.update(sql))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private static List<String> notes(TributaryClient client) {
    return client.query("SELECT id, body FROM cold.notes ORDER BY id").rows().stream()
        .map(r -> r.getInteger("id") + "=" + r.getString("body"))
        .toList();
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }
}
