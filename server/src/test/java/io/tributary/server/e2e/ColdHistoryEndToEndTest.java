package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-user analytics over gRPC: a dba aggregates every user's flushed history of a USER table
 * ({@code ns.t$history}, the cold tier alone), filters are pushed into the cold scan, and roles
 * user and service are refused.
 */
class ColdHistoryEndToEndTest {
  @TempDir Path dataDir;

  @Test
  void shouldAggregateEveryUsersFlushedHistoryForADbaOnly() {
    try (TributaryServer server = SharedServer.start(dataDir);
        TributaryClient root = connect(server, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE ch;"
              + "CREATE TABLE ch.orders (id INT PRIMARY KEY, item TEXT, price INT);"
              + "CREATE USER 'ch_ann' WITH PASSWORD 'ann-password';"
              + "CREATE USER 'ch_bob' WITH PASSWORD 'bob-password';"
              + "CREATE USER 'ch_dba' WITH PASSWORD 'dba-password' ROLE dba;"
              + "CREATE USER 'ch_svc' WITH PASSWORD 'svc-password' ROLE service");
      try (TributaryClient ann = connect(server, "ch_ann", "ann-password");
          TributaryClient bob = connect(server, "ch_bob", "bob-password");
          TributaryClient dba = connect(server, "ch_dba", "dba-password");
          TributaryClient svc = connect(server, "ch_svc", "svc-password")) {
        for (int i = 1; i <= 20; i++) {
          ann.update("INSERT INTO ch.orders VALUES ($1, 'tea', $2)", i, i);
        }
        bob.update("INSERT INTO ch.orders VALUES (1, 'tea', 100), (2, 'cake', 7)");
        dba.update("STORAGE FLUSH TABLE ch.orders");
        ann.update("UPDATE ch.orders SET price = 0 WHERE id = 1"); // hot until the next flush

        assertThat(
                dba.query(
                        "SELECT _owner, COUNT(*) AS n, SUM(price) AS total FROM"
                            + " ch.orders$history GROUP BY _owner ORDER BY _owner")
                    .rows())
            .extracting(
                r -> r.getString("_owner") + ":" + r.getLong("n") + ":" + r.getLong("total"))
            .containsExactly("ch_ann:20:210", "ch_bob:2:107");
        assertThat(
                dba.query(
                        "SELECT COUNT(*) AS n FROM ch.orders$history WHERE item = 'tea' AND price"
                            + " >= $1",
                        15)
                    .rows()
                    .get(0)
                    .getLong("n"))
            .isEqualTo(7); // ann's 15..20 and bob's 100
        // the owner's id is there too, and the next flush brings the update in
        dba.update("STORAGE FLUSH TABLE ch.orders");
        assertThat(
                dba.query(
                        "SELECT COUNT(DISTINCT _owner_id) AS owners, SUM(price) AS total FROM"
                            + " ch.orders$history")
                    .rows()
                    .get(0)
                    .getLong("total"))
            .isEqualTo(209 + 107);

        for (TributaryClient refused : new TributaryClient[] {ann, svc}) {
          assertThatThrownBy(() -> refused.query("SELECT COUNT(*) AS n FROM ch.orders$history"))
              .isInstanceOfSatisfying(
                  TributaryException.class,
                  e -> {
                    assertThat(e.code()).isEqualTo("PERMISSION_DENIED");
                    assertThat(e.getMessage()).startsWith("Cannot read ch.orders$history");
                  });
        }
        assertThatThrownBy(() -> dba.update("DELETE FROM ch.orders$history"))
            .isInstanceOfSatisfying(
                TributaryException.class, e -> assertThat(e.code()).isEqualTo("TABLE_NOT_FOUND"));
      }
    }
  }

  private static TributaryClient connect(TributaryServer server, String user, String password) {
    TributaryClient client = TributaryClient.connect("http://127.0.0.1:" + server.port());
    client.login(user, password);
    return client;
  }
}
