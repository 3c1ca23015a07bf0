package io.tributary.server.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.client.ErrorCode;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import io.tributary.source.testing.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL as a source (issue 18), against a real PostgreSQL started by the test (one per JVM)
 * and a real server: committed changes of mapped tables reach subscribers, in order, once.
 */
class PostgresSourceEndToEndTest {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final EmbeddedPostgres pg = EmbeddedPostgres.shared();
  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
  private String n; // this test's suffix: database, user, namespace, source
  private String db;

  @BeforeEach
  void setUp() {
    n = "t" + IDS.incrementAndGet() + "_" + Long.toString(System.nanoTime() % 100_000, 36);
    db = pg.createDatabase("db_" + n, "src_" + n, "pw-" + n);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private TributaryClient root(String url) {
    TributaryClient c = TributaryClient.connect(url);
    closing.add(0, c);
    c.login("root", SharedServer.ROOT_PASSWORD);
    return c;
  }

  private TributaryClient user(String url, String name) {
    TributaryClient c = TributaryClient.connect(url);
    closing.add(0, c);
    c.login(name, name + "-password");
    return c;
  }

  private String createSource(TributaryClient root, String publication) {
    String source = "pg_" + n;
    root.update(
        "CREATE SOURCE "
            + source
            + " FROM POSTGRES WITH (url = '"
            + pg.url(db)
            + "', user = 'src_"
            + n
            + "', password = 'pw-"
            + n
            + "', publication = '"
            + publication
            + "', slot = 'slot_"
            + n
            + "')");
    return source;
  }

  /** Records a subscription's changes as text. */
  private static final class Recorder implements SubscriptionListener {
    final List<String> changes = new CopyOnWriteArrayList<>();

    @Override
    public void onInsert(Row row, long seq) {
      changes.add("insert " + row.getString("body"));
    }

    @Override
    public void onUpdate(Row oldRow, Row newRow, long seq) {
      changes.add("update " + oldRow.getString("body") + " -> " + newRow.getString("body"));
    }

    @Override
    public void onDelete(Row row, long seq) {
      changes.add("delete " + row.getString("body"));
    }
  }

  @Test
  void shouldDeliverEachUsersInsertsUpdatesAndDeletesInOrderToThatUserOnly() {
    pg.execute(
        db,
        "CREATE TABLE messages (id BIGINT PRIMARY KEY, owner_name TEXT NOT NULL, body TEXT)",
        "ALTER TABLE messages REPLICA IDENTITY FULL",
        "ALTER TABLE messages OWNER TO src_" + n,
        "CREATE PUBLICATION tributary FOR TABLE messages");
    TributaryClient root = root(SharedServer.url());
    String ns = "chat_" + n;
    String alice = "alice_" + n;
    String bob = "bob_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE TABLE "
            + ns
            + ".messages (id BIGINT PRIMARY KEY, owner_name TEXT, body TEXT) WITH (TYPE = 'USER');"
            + "CREATE USER '"
            + alice
            + "' WITH PASSWORD '"
            + alice
            + "-password'; CREATE USER '"
            + bob
            + "' WITH PASSWORD '"
            + bob
            + "-password'");
    String source = createSource(root, "tributary");
    root.update(
        "ALTER SOURCE "
            + source
            + " MAP TABLE public.messages INTO "
            + ns
            + ".messages OWNER COLUMN owner_name");

    Recorder aliceSeen = new Recorder();
    Recorder bobSeen = new Recorder();
    Subscription a =
        user(SharedServer.url(), alice).subscribe("SUBSCRIBE TO " + ns + ".messages", aliceSeen);
    Subscription b =
        user(SharedServer.url(), bob).subscribe("SUBSCRIBE TO " + ns + ".messages", bobSeen);
    closing.add(0, a);
    closing.add(0, b);

    pg.execute(
        db,
        "INSERT INTO messages VALUES (1, '" + alice + "', 'hi')",
        "INSERT INTO messages VALUES (2, '" + bob + "', 'yo')",
        "UPDATE messages SET body = 'hello' WHERE id = 1",
        "INSERT INTO messages VALUES (3, 'nobody_" + n + "', 'lost')",
        "DELETE FROM messages WHERE id = 1",
        "INSERT INTO messages VALUES (4, '" + alice + "', 'again')");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(aliceSeen.changes)
                    .containsExactly(
                        "insert hi", "update hi -> hello", "delete hello", "insert again"));
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(bobSeen.changes).containsExactly("insert yo"));
    // a row whose owner is not a user is skipped and counted; the password is never shown
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Row row =
                  root.query(
                          "SELECT state, rows_skipped, last_ack_lsn, lag_bytes, tables FROM"
                              + " system.sources WHERE name = '"
                              + source
                              + "'")
                      .rows()
                      .get(0);
              assertThat(row.getString("state")).isEqualTo("STREAMING");
              assertThat(row.getLong("rows_skipped")).isEqualTo(1);
              assertThat(row.getString("last_ack_lsn")).isNotNull();
              assertThat(row.getString("tables"))
                  .isEqualTo("public.messages -> " + ns + ".messages (owner owner_name)");
            });
    assertThat(root.query("SELECT * FROM system.sources").rows().toString())
        .doesNotContain("pw-" + n);
    assertThat(bobSeen.changes).containsExactly("insert yo");
    // the source writes as the owner, but no person acted for the owner: nothing to audit
    assertThat(
            root.query(
                    "SELECT COUNT(*) AS c FROM system.audit WHERE as_user IN ('"
                        + alice
                        + "', '"
                        + bob
                        + "')")
                .rows()
                .get(0)
                .getLong("c"))
        .isZero();
    root.update("DROP SOURCE " + source);
    assertThat(slotExists("slot_" + n)).isFalse();
  }

  @Test
  void shouldCopyExistingRowsThenStreamWhenATableIsMapped() {
    pg.execute(
        db,
        "CREATE TABLE rooms (id INT PRIMARY KEY, body TEXT, created TIMESTAMPTZ, price NUMERIC(10,2))",
        "ALTER TABLE rooms OWNER TO src_" + n,
        "INSERT INTO rooms SELECT g, 'room ' || g, now(), g * 1.5 FROM generate_series(1, 250) g",
        "CREATE PUBLICATION tributary FOR TABLE rooms");
    TributaryClient root = root(SharedServer.url());
    String ns = "hotel_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE TABLE "
            + ns
            + ".rooms (id INT PRIMARY KEY, body TEXT, created TIMESTAMP, price DECIMAL(12,2))"
            + " WITH (TYPE = 'SHARED')");
    String source = createSource(root, "tributary");
    root.update("ALTER SOURCE " + source + " MAP TABLE public.rooms INTO " + ns + ".rooms");
    pg.execute(
        db, "UPDATE rooms SET body = 'suite' WHERE id = 7", "DELETE FROM rooms WHERE id = 8");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      root.query("SELECT COUNT(*) AS c FROM " + ns + ".rooms")
                          .rows()
                          .get(0)
                          .getLong("c"))
                  .isEqualTo(249);
              assertThat(
                      root.query("SELECT body FROM " + ns + ".rooms WHERE id = 7")
                          .rows()
                          .get(0)
                          .getString("body"))
                  .isEqualTo("suite");
            });
    assertThat(
            root.query("SELECT price FROM " + ns + ".rooms WHERE id = 4")
                .rows()
                .get(0)
                .getDecimal("price"))
        .isEqualByComparingTo("6.00");
    root.update("ALTER SOURCE " + source + " UNMAP TABLE public.rooms");
    root.update("DROP SOURCE " + source);
  }

  @Test
  void shouldCopyNothingWhenARowDoesNotFitAndTheCurrentRowsOnRetry() {
    pg.execute(
        db,
        "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE notes OWNER TO src_" + n,
        "INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 50) g",
        "INSERT INTO notes VALUES (51, NULL)",
        "CREATE PUBLICATION tributary FOR TABLE notes");
    TributaryClient root = root(SharedServer.url());
    String ns = "fit_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE SHARED TABLE "
            + ns
            + ".notes (id INT PRIMARY KEY, body TEXT NOT NULL)");
    String source = createSource(root, "tributary");
    String map = "ALTER SOURCE " + source + " MAP TABLE public.notes INTO " + ns + ".notes";
    assertThatThrownBy(() -> root.update(map))
        .isInstanceOf(TributaryException.class)
        .hasMessageContaining("Cannot map table public.notes of source " + source)
        .hasMessageContaining("nothing was copied");

    // the row is fixed and another changed: a retry copies the rows as they are now
    pg.execute(
        db,
        "UPDATE notes SET body = 'fixed' WHERE id = 51",
        "UPDATE notes SET body = 'changed' WHERE id = 1");
    root.update(map);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        root.query("SELECT COUNT(*) AS c FROM " + ns + ".notes")
                            .rows()
                            .get(0)
                            .getLong("c"))
                    .isEqualTo(51));
    assertThat(
            root.query("SELECT body FROM " + ns + ".notes WHERE id = 1")
                .rows()
                .get(0)
                .getString("body"))
        .isEqualTo("changed");
    root.update("ALTER SOURCE " + source + " UNMAP TABLE public.notes");
    root.update("DROP SOURCE " + source);
  }

  @Test
  void shouldRefuseBadInputWithCodedErrorsAndChangeNothing() {
    pg.execute(
        db,
        "CREATE TABLE places (id INT PRIMARY KEY, spot POINT)",
        "CREATE TABLE plain (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE places OWNER TO src_" + n,
        "ALTER TABLE plain OWNER TO src_" + n,
        "CREATE PUBLICATION tributary FOR TABLE places, plain");
    TributaryClient root = root(SharedServer.url());
    String ns = "bad_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE SHARED TABLE "
            + ns
            + ".places (id INT PRIMARY KEY, spot TEXT); CREATE SHARED TABLE "
            + ns
            + ".nothing (id INT PRIMARY KEY, body TEXT)");

    assertThatThrownBy(
            () ->
                root.update(
                    "CREATE SOURCE wrong_"
                        + n
                        + " FROM POSTGRES WITH (url = '"
                        + pg.url(db)
                        + "', user = 'src_"
                        + n
                        + "', password = 'not-it', publication = 'tributary', slot = 'w_"
                        + n
                        + "')"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SOURCE_UNAVAILABLE))
        .hasMessageContaining("Cannot create source wrong_" + n + ": cannot connect");
    assertThatThrownBy(() -> createSource(root, "no_such_publication"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SOURCE_INVALID))
        .hasMessageContaining("publication no_such_publication does not exist");
    assertThat(root.query("SELECT name FROM system.sources WHERE name LIKE '%" + n + "'").rows())
        .isEmpty();

    String source = createSource(root, "tributary");
    assertThatThrownBy(
            () ->
                root.update(
                    "ALTER SOURCE " + source + " MAP TABLE public.missing INTO " + ns + ".nothing"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SOURCE_INVALID))
        .hasMessageContaining("PostgreSQL has no table public.missing");
    assertThatThrownBy(
            () ->
                root.update(
                    "ALTER SOURCE " + source + " MAP TABLE public.places INTO " + ns + ".places"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.UNSUPPORTED_TYPE))
        .hasMessageContaining("column spot has type point");
    assertThatThrownBy(
            () ->
                root.update(
                    "ALTER SOURCE "
                        + source
                        + " MAP TABLE public.plain INTO "
                        + ns
                        + ".nothing"
                        + " OWNER COLUMN body"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("is a SHARED table");
    assertThatThrownBy(() -> root.update("DROP SOURCE nope_" + n))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.SOURCE_NOT_FOUND));
    assertThat(
            root.query("SELECT tables FROM system.sources WHERE name = '" + source + "'")
                .rows()
                .get(0)
                .getString("tables"))
        .isEmpty();
    root.update("DROP SOURCE " + source);
  }

  @Test
  void shouldLoseAndDuplicateNothingWhenPostgresRestarts() {
    pg.execute(
        db,
        "CREATE TABLE events (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE events OWNER TO src_" + n,
        "CREATE PUBLICATION tributary FOR TABLE events");
    TributaryClient root = root(SharedServer.url());
    String ns = "ev_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE SHARED TABLE "
            + ns
            + ".events (id INT PRIMARY KEY,"
            + " body TEXT)");
    String source = createSource(root, "tributary");
    root.update("ALTER SOURCE " + source + " MAP TABLE public.events INTO " + ns + ".events");
    Recorder seen = new Recorder();
    closing.add(0, root.subscribe("SUBSCRIBE TO " + ns + ".events", seen));

    for (int i = 1; i <= 30; i++) {
      pg.execute(db, "INSERT INTO events VALUES (" + i + ", 'e" + i + "')");
    }
    pg.restart();
    for (int i = 31; i <= 60; i++) {
      pg.execute(db, "INSERT INTO events VALUES (" + i + ", 'e" + i + "')");
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(seen.changes).hasSize(60));
    assertThat(seen.changes).doesNotHaveDuplicates().contains("insert e1", "insert e60");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        root.query("SELECT state FROM system.sources WHERE name = '" + source + "'")
                            .rows()
                            .get(0)
                            .getString("state"))
                    .isEqualTo("STREAMING"));
    root.update("DROP SOURCE " + source);
  }

  @Test
  void shouldLoseAndDuplicateNothingWhenTributaryRestartsMidStream(@TempDir Path dataDir)
      throws Exception {
    pg.execute(
        db,
        "CREATE TABLE counters (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE counters REPLICA IDENTITY FULL",
        "ALTER TABLE counters OWNER TO src_" + n,
        "INSERT INTO counters VALUES (1, '0')",
        "CREATE PUBLICATION tributary FOR TABLE counters");
    String ns = "ctr_" + n;
    int updates = 120;
    Thread writer;
    try (TributaryServer first = SharedServer.start(dataDir)) {
      TributaryClient root = root("http://127.0.0.1:" + first.port());
      root.update(
          "CREATE NAMESPACE "
              + ns
              + "; CREATE SHARED TABLE "
              + ns
              + ".counters (id INT PRIMARY"
              + " KEY, body TEXT)");
      createSource(root, "tributary");
      root.update("ALTER SOURCE pg_" + n + " MAP TABLE public.counters INTO " + ns + ".counters");
      writer =
          new Thread(
              () -> {
                for (int i = 1; i <= updates; i++) {
                  pg.execute(db, "UPDATE counters SET body = '" + i + "' WHERE id = 1");
                }
              });
      writer.start();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  root.query("SELECT body FROM " + ns + ".counters").rows().stream()
                      .anyMatch(row -> Integer.parseInt(row.getString("body")) >= 20));
      root.close();
    } // the server stops while PostgreSQL keeps committing
    try (TributaryServer second = SharedServer.start(dataDir)) {
      String url = "http://127.0.0.1:" + second.port();
      TributaryClient root = root(url);
      writer.join();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          root.query("SELECT body FROM " + ns + ".counters")
                              .rows()
                              .get(0)
                              .getString("body"))
                      .isEqualTo(String.valueOf(updates)));
      // every change the log holds after the copied row (_seq 0), replayed: each update once
      Recorder replay = new Recorder();
      closing.add(
          0, root.subscribe("SUBSCRIBE TO " + ns + ".counters OPTIONS (from_seq = 0)", replay));
      await().atMost(WAIT).untilAsserted(() -> assertThat(replay.changes).hasSize(updates));
      for (int i = 1; i <= updates; i++) {
        assertThat(replay.changes.get(i - 1)).isEqualTo("update " + (i - 1) + " -> " + i);
      }
      root.update("DROP SOURCE pg_" + n);
      for (AutoCloseable c : closing) {
        c.close();
      }
      closing.clear();
    }
  }

  @Test
  void shouldCreateTheSlotAgainAndSayChangesWereMissedWhenItIsDropped() {
    pg.execute(
        db,
        "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE notes OWNER TO src_" + n,
        "CREATE PUBLICATION tributary FOR TABLE notes");
    TributaryClient root = root(SharedServer.url());
    String ns = "slot_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE SHARED TABLE "
            + ns
            + ".notes (id INT PRIMARY KEY,"
            + " body TEXT)");
    String source = createSource(root, "tributary");
    root.update("ALTER SOURCE " + source + " MAP TABLE public.notes INTO " + ns + ".notes");
    Recorder seen = new Recorder();
    closing.add(0, root.subscribe("SUBSCRIBE TO " + ns + ".notes", seen));
    pg.execute(db, "INSERT INTO notes VALUES (1, 'before')");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(seen.changes).containsExactly("insert before"));

    // an operator (or max_slot_wal_keep_size) removes the slot under the running source
    await()
        .atMost(WAIT)
        .until(
            () -> {
              pg.execute(
                  "postgres",
                  "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE"
                      + " slot_name = 'slot_"
                      + n
                      + "' AND active_pid IS NOT NULL");
              try {
                pg.execute("postgres", "SELECT pg_drop_replication_slot('slot_" + n + "')");
                return true;
              } catch (IllegalStateException e) {
                return false; // the source took the slot again first
              }
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Row row =
                  root.query(
                          "SELECT state, last_error FROM system.sources WHERE name = '"
                              + source
                              + "'")
                      .rows()
                      .get(0);
              assertThat(row.getString("state")).isEqualTo("STREAMING");
              assertThat(row.getString("last_error")).contains("was missing and was created again");
            });
    assertThat(slotExists("slot_" + n)).isTrue();
    pg.execute(db, "INSERT INTO notes VALUES (2, 'after')");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(seen.changes).containsExactly("insert before", "insert after"));
    root.update("DROP SOURCE " + source);
  }

  @Test
  void shouldAcknowledgeUnrelatedWalWhileTheMappedTablesAreIdle() throws Exception {
    pg.execute(
        db,
        "CREATE TABLE mapped (id INT PRIMARY KEY, body TEXT)",
        "CREATE TABLE unrelated (id INT PRIMARY KEY, body TEXT)",
        "ALTER TABLE mapped OWNER TO src_" + n,
        "CREATE PUBLICATION tributary FOR TABLE mapped");
    TributaryClient root = root(SharedServer.url());
    String ns = "idle_" + n;
    root.update(
        "CREATE NAMESPACE "
            + ns
            + "; CREATE SHARED TABLE "
            + ns
            + ".mapped (id INT PRIMARY KEY,"
            + " body TEXT)");
    String source = createSource(root, "tributary");
    root.update("ALTER SOURCE " + source + " MAP TABLE public.mapped INTO " + ns + ".mapped");

    // WAL that the source has no interest in: the slot must not keep it
    pg.execute(
        db, "INSERT INTO unrelated SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
    String written;
    try (var c = pg.connect(db);
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      written = rs.getString(1);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              try (var c = pg.connect("postgres");
                  var ps =
                      c.prepareStatement(
                          "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots"
                              + " WHERE slot_name = ?")) {
                ps.setString(1, written);
                ps.setString(2, "slot_" + n);
                try (var rs = ps.executeQuery()) {
                  assertThat(rs.next()).isTrue();
                  assertThat(rs.getBoolean(1)).as("slot acknowledged past %s", written).isTrue();
                }
              }
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        root.query(
                                "SELECT lag_bytes FROM system.sources WHERE name = '"
                                    + source
                                    + "'")
                            .rows()
                            .get(0)
                            .getLong("lag_bytes"))
                    .isLessThan(1_000_000L));
    root.update("DROP SOURCE " + source);
  }

  private boolean slotExists(String slot) {
    try (var c = pg.connect("postgres");
        var ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
