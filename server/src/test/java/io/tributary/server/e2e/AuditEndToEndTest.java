package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EXECUTE AS USER is audited: every delegated write that applied is a row of system.audit (who, as
 * whom, table, statement, rows, _seq, time), readable by dba and system only, kept across a
 * restart; a write an account makes as itself is not there.
 */
class AuditEndToEndTest {
  private static final String AUDIT =
      "SELECT actor, as_user, table_name, statement, row_count, _seq, accepted_at"
          + " FROM system.audit WHERE actor = 'aud_agent' ORDER BY accepted_at, _seq";

  @TempDir Path dataDir;

  private static TributaryClient login(TributaryServer server, String user, String password) {
    TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + server.port());
    c.login(user, password);
    return c;
  }

  private static List<String> summary(List<Row> rows) {
    return rows.stream()
        .map(
            r ->
                String.join(
                    " ",
                    r.getString("actor"),
                    r.getString("as_user"),
                    r.getString("table_name"),
                    r.getString("statement"),
                    String.valueOf(r.getLong("row_count"))))
        .toList();
  }

  @Test
  void shouldListDelegatedWritesForDbaAndSystemOnlyAndKeepThemAcrossARestart() {
    Instant before = Instant.now();
    List<Row> audited;
    try (TributaryServer first = SharedServer.start(dataDir);
        TributaryClient root = login(first, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE aud;"
              + "CREATE TABLE aud.messages (id BIGINT PRIMARY KEY, body TEXT);"
              + "CREATE SHARED TABLE aud.rooms (id BIGINT PRIMARY KEY, name TEXT);"
              + "CREATE USER 'aud_u1' WITH PASSWORD 'aud-u1-password';"
              + "CREATE USER 'aud_agent' WITH PASSWORD 'aud-agent-password' ROLE service;"
              + "CREATE USER 'aud_admin' WITH PASSWORD 'aud-admin-password' ROLE dba");
      try (TributaryClient agent = login(first, "aud_agent", "aud-agent-password");
          TributaryClient u1 = login(first, "aud_u1", "aud-u1-password")) {
        u1.update("INSERT INTO aud.messages VALUES (1, 'mine')");
        agent.update(
            "EXECUTE AS USER 'aud_u1' (INSERT INTO aud.messages VALUES (2, 'a'), (3, 'b'))");
        agent.update(
            "EXECUTE AS USER 'aud_u1' (UPDATE aud.messages SET body = 'edited' WHERE id = 2)");
        agent.update("EXECUTE AS USER 'aud_u1' (DELETE FROM aud.messages WHERE id >= 2)");
        agent.update("INSERT INTO aud.rooms VALUES (1, 'lobby')");
        // Refused: nothing applied, so nothing is audited.
        assertThatThrownBy(
                () ->
                    agent.update(
                        "EXECUTE AS USER 'aud_u1' (INSERT INTO aud.messages VALUES (1, 'dup'))"))
            .isInstanceOf(TributaryException.class)
            .extracting(e -> ((TributaryException) e).code())
            .isEqualTo("DUPLICATE_KEY");

        assertThat(u1.query("SELECT id, body FROM aud.messages").rows())
            .extracting(r -> r.getLong("id") + "=" + r.getString("body"))
            .containsExactly("1=mine");
        assertThatThrownBy(() -> u1.query("SELECT * FROM system.audit"))
            .isInstanceOf(TributaryException.class)
            .hasMessage(
                "Cannot read system.audit: role user may not read the audit (dba or system"
                    + " required)")
            .extracting(e -> ((TributaryException) e).code())
            .isEqualTo("PERMISSION_DENIED");
        assertThatThrownBy(() -> agent.query("SELECT * FROM system.audit"))
            .extracting(e -> ((TributaryException) e).code())
            .isEqualTo("PERMISSION_DENIED");
      }
      audited = root.query(AUDIT).rows();
      assertThat(summary(audited))
          .containsExactly(
              "aud_agent aud_u1 aud.messages INSERT 2",
              "aud_agent aud_u1 aud.messages UPDATE 1",
              "aud_agent aud_u1 aud.messages DELETE 2");
      assertThat(audited)
          .allSatisfy(r -> assertThat(r.getLong("_seq")).isPositive())
          .allSatisfy(r -> assertThat(r.getInstant("accepted_at")).isAfterOrEqualTo(before));
      assertThat(audited).extracting(r -> r.getLong("_seq")).isSorted().doesNotHaveDuplicates();
      try (TributaryClient admin = login(first, "aud_admin", "aud-admin-password")) {
        assertThat(summary(admin.query(AUDIT).rows())).hasSize(3);
      }
    }

    try (TributaryServer second = SharedServer.start(dataDir);
        TributaryClient root = login(second, "root", SharedServer.ROOT_PASSWORD)) {
      List<Row> after = root.query(AUDIT).rows();
      assertThat(summary(after)).isEqualTo(summary(audited));
      assertThat(after)
          .extracting(r -> r.getLong("_seq"))
          .isEqualTo(audited.stream().map(r -> r.getLong("_seq")).toList());
    }
  }
}
