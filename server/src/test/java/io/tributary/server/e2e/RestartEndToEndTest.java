package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.TributaryClient;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping and restarting on the same data directory keeps every acknowledged row, table, user. */
class RestartEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void shouldKeepRowsTablesAndUsersAcrossARestart() {
    try (TributaryServer first = SharedServer.start(dataDir);
        TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + first.port())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE keep;"
              + "CREATE TABLE keep.notes (id INT PRIMARY KEY, body TEXT);"
              + "CREATE SHARED TABLE keep.rooms (id INT PRIMARY KEY, name TEXT);"
              + "CREATE USER 'keeper' WITH PASSWORD 'keeper-password';"
              + "INSERT INTO keep.rooms VALUES (1, 'lobby'), (2, 'kitchen');"
              + "UPDATE keep.rooms SET name = 'hall' WHERE id = 1");
      try (TributaryClient keeper = TributaryClient.connect("http://127.0.0.1:" + first.port())) {
        keeper.login("keeper", "keeper-password");
        keeper.update("INSERT INTO keep.notes VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        keeper.update("DELETE FROM keep.notes WHERE id = 2");
      }
    }

    try (TributaryServer second = SharedServer.start(dataDir);
        TributaryClient keeper = TributaryClient.connect("http://127.0.0.1:" + second.port())) {
      keeper.login("keeper", "keeper-password");
      assertThat(keeper.query("SELECT id, body FROM keep.notes ORDER BY id").rows())
          .extracting(r -> r.getInteger("id") + "=" + r.getString("body"))
          .containsExactly("1=one", "3=three");
      assertThat(keeper.query("SELECT name FROM keep.rooms ORDER BY id").rows())
          .extracting(r -> r.getString("name"))
          .containsExactly("hall", "kitchen");
      keeper.update("INSERT INTO keep.notes VALUES (4, 'after restart')");
      assertThat(keeper.query("SELECT COUNT(*) AS n FROM keep.notes").rows().get(0).getLong("n"))
          .isEqualTo(3);
    }
  }
}
