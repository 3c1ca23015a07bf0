package io.tributary.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold tier's bounds and failures through the server: an UPDATE or DELETE may change at most
 * {@link FlushJobs#maxRestoredRows} flushed rows (refused above it, changing nothing); a dropped
 * account's flushed rows are erased from cold storage; a cold file that cannot be read fails a
 * statement with a coded, explained error.
 */
class ColdTierLimitsEndToEndTest {
  @TempDir Path dataDir;

  @AfterEach
  void resetLimit() {
    FlushJobs.maxRestoredRows = FlushJobs.MAX_RESTORED_ROWS;
  }

  @Test
  void shouldBoundRestoresEraseDroppedAccountsAndExplainColdFailures() throws IOException {
    FlushJobs.maxRestoredRows = 5;
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE lim;"
              + "CREATE TABLE lim.notes (id INT PRIMARY KEY, body TEXT);"
              + "CREATE USER 'lim_ann' WITH PASSWORD 'ann-password';"
              + "CREATE USER 'lim_gone' WITH PASSWORD 'gone-password'");
      try (TributaryClient ann = connect(server, "lim_ann", "ann-password");
          TributaryClient gone = connect(server, "lim_gone", "gone-password")) {
        for (int i = 1; i <= 8; i++) {
          ann.update("INSERT INTO lim.notes VALUES ($1, 'n')", i);
        }
        gone.update("INSERT INTO lim.notes VALUES (1, 'gone'), (2, 'gone')");
        root.update("STORAGE FLUSH TABLE lim.notes");

        // (c) a write over more flushed rows than the limit is refused and changes nothing
        assertThatThrownBy(() -> ann.update("DELETE FROM lim.notes"))
            .isInstanceOfSatisfying(
                TributaryException.class,
                e -> {
                  assertThat(e.code()).isEqualTo("LIMIT_EXCEEDED");
                  assertThat(e.getMessage())
                      .startsWith(
                          "Cannot delete from lim.notes: it matches more than 5 flushed rows");
                });
        assertThatThrownBy(() -> ann.update("UPDATE lim.notes SET body = 'x' WHERE id > 1"))
            .isInstanceOfSatisfying(
                TributaryException.class, e -> assertThat(e.code()).isEqualTo("LIMIT_EXCEEDED"));
        assertThat(count(ann, "SELECT COUNT(*) AS n FROM lim.notes WHERE body = 'n'")).isEqualTo(8);
        // in parts, it goes through
        assertThat(ann.update("DELETE FROM lim.notes WHERE id <= 4")).isEqualTo(4);
        assertThat(ann.update("DELETE FROM lim.notes")).isEqualTo(4);
        assertThat(count(ann, "SELECT COUNT(*) AS n FROM lim.notes")).isZero();

        // (d) a dropped account's flushed rows leave cold storage (and the history view)
        assertThat(count(root, "SELECT COUNT(*) AS n FROM lim.notes$history WHERE body = 'gone'"))
            .isEqualTo(2);
        root.update("DROP USER 'lim_gone'");
        assertThat(count(root, "SELECT COUNT(*) AS n FROM lim.notes$history WHERE body = 'gone'"))
            .isZero();
      }

      // (b) a cold file that cannot be read: a coded error that says what failed
      try (TributaryClient ann = connect(server, "lim_ann", "ann-password")) {
        ann.update("INSERT INTO lim.notes VALUES (20, 'cold')");
        root.update("STORAGE FLUSH TABLE lim.notes");
        List<Path> parquet;
        try (Stream<Path> files = Files.walk(dataDir.resolve("cold"))) {
          parquet = files.filter(p -> p.toString().endsWith(".parquet")).toList();
        }
        assertThat(parquet).isNotEmpty();
        for (Path p : parquet) {
          Files.delete(p);
        }
        assertThatThrownBy(() -> ann.query("SELECT id FROM lim.notes"))
            .isInstanceOfSatisfying(
                TributaryException.class,
                e -> {
                  assertThat(e.code()).isEqualTo("UNAVAILABLE");
                  assertThat(e.getMessage()).startsWith("Cannot read the ");
                  assertThat(e.getMessage()).contains("lim.notes");
                });
        assertThatThrownBy(() -> ann.update("UPDATE lim.notes SET body = 'x'"))
            .isInstanceOfSatisfying(
                TributaryException.class, e -> assertThat(e.code()).isEqualTo("UNAVAILABLE"));
      }
    }
  }

  private static long count(TributaryClient client, String sql) {
    return client.query(sql).rows().get(0).getLong("n");
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }
}
