package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What role {@code user} must never be able to do, one test each, over gRPC. */
class IsolationEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient alice;
  private static TributaryClient mallory;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE iso;"
            + "CREATE TABLE iso.diary (id INT PRIMARY KEY, entry TEXT, mood TEXT);"
            + "CREATE USER 'iso_alice' WITH PASSWORD 'alice-password';"
            + "CREATE USER 'iso_mallory' WITH PASSWORD 'mallory-password'");
    alice = TributaryClient.connect(SharedServer.url());
    alice.login("iso_alice", "alice-password");
    mallory = TributaryClient.connect(SharedServer.url());
    mallory.login("iso_mallory", "mallory-password");
    alice.update(
        "INSERT INTO iso.diary VALUES (1, 'dear diary', 'happy'), (2, 'second entry', 'sad')");
    mallory.update("INSERT INTO iso.diary VALUES (100, 'mallory', 'plotting')");
  }

  @AfterAll
  static void tearDown() {
    alice.close();
    mallory.close();
    root.close();
  }

  @Test
  void shouldNotLetAUserReadAnotherUsersRows() {
    assertThat(mallory.query("SELECT id FROM iso.diary").rows())
        .extracting(r -> r.getInteger("id"))
        .containsExactly(100);
    assertThat(
            mallory
                .query("SELECT COUNT(*) AS n FROM iso.diary WHERE id = 1")
                .rows()
                .get(0)
                .getLong("n"))
        .isZero();
  }

  @Test
  void shouldNotLetAUserChangeAnotherUsersRows() {
    assertThat(mallory.update("UPDATE iso.diary SET mood = 'hacked' WHERE id = 1")).isZero();
    assertThat(
            alice.query("SELECT mood FROM iso.diary WHERE id = 1").rows().get(0).getString("mood"))
        .isEqualTo("happy");
  }

  @Test
  void shouldNotLetAUserDeleteAnotherUsersRows() {
    assertThat(mallory.update("DELETE FROM iso.diary WHERE id < 100")).isZero();
    assertThat(alice.query("SELECT id FROM iso.diary ORDER BY id").rows())
        .extracting(r -> r.getInteger("id"))
        .containsExactly(1, 2);
  }

  @Test
  void shouldNotLetAUserRunDdl() {
    assertThatThrownBy(() -> mallory.update("DROP TABLE iso.diary"))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot drop table iso.diary: role user may not change the catalog (dba or system"
                + " required)");
    assertThatThrownBy(() -> mallory.update("CREATE NAMESPACE evil"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("PERMISSION_DENIED"));
    assertThat(alice.query("SELECT COUNT(*) AS n FROM iso.diary").rows().get(0).getLong("n"))
        .isEqualTo(2);
  }

  @Test
  void shouldNeverShowPasswordHashes() {
    var mine = mallory.query("SELECT * FROM system.users");
    assertThat(mine.columns())
        .extracting(c -> c.name())
        .doesNotContain("password", "password_hash");
    assertThat(mine.rows()).extracting(r -> r.getString("name")).containsExactly("iso_mallory");
    var all = root.query("SELECT * FROM system.users");
    assertThat(all.columns())
        .extracting(c -> c.name())
        .containsExactly("name", "role", "created_at");
    assertThat(all.rows().toString()).doesNotContain("$2b$", "$2a$");
    assertThatThrownBy(() -> root.query("SELECT password_hash FROM system.users"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("COLUMN_NOT_FOUND"));
  }
}
