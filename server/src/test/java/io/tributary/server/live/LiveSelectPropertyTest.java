package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Filter transitions against re-running the query (a property test over the real port): random
 * sequences of inserts, updates and deletes (single- and multi-row) on a table watched by a live
 * SUBSCRIBE with a filter, live SELECTs with a filter and projection, and live top-n SELECTs; after
 * every change, each subscriber's rows rebuilt from its events equal the rows of the same SELECT
 * run with Execute, and a top-n subscriber never holds more than n rows. Seeded, so a failure
 * replays.
 */
class LiveSelectPropertyTest {
  private static final int KEYS = 16;
  private static final int STEPS = 60;

  private static TributaryClient root;
  private static TributaryClient writer;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update("CREATE NAMESPACE lprop; CREATE USER 'lp' WITH PASSWORD 'lp-password'");
    writer = TributaryClient.connect(SharedServer.url());
    writer.login("lp", "lp-password");
  }

  @AfterAll
  static void tearDown() {
    writer.close();
    root.close();
  }

  /**
   * A live query, the SELECT it must agree with (its columns in event order: selected columns, then
   * the primary key if not selected, then the ORDER BY columns not selected; ties broken by the
   * key), and the most rows it may hold.
   */
  record Watch(String live, String reference, int maxRows) {}

  static List<Watch> watches(String t) {
    return List.of(
        new Watch(
            "SUBSCRIBE TO " + t + " WHERE grp = 1",
            "SELECT id, grp, score, label FROM " + t + " WHERE grp = 1",
            -1),
        new Watch(
            "SELECT score, label FROM " + t + " WHERE score >= 3",
            "SELECT score, label, id FROM " + t + " WHERE score >= 3",
            -1),
        new Watch(
            "SELECT label, score FROM " + t + " WHERE grp <> 2 ORDER BY score DESC LIMIT 3",
            "SELECT label, score, id FROM " + t + " WHERE grp <> 2 ORDER BY score DESC, id LIMIT 3",
            3),
        new Watch(
            "SELECT * FROM " + t + " ORDER BY label, score DESC LIMIT 4",
            "SELECT id, grp, score, label FROM " + t + " ORDER BY label, score DESC, id LIMIT 4",
            4),
        new Watch(
            "SELECT id FROM " + t + " WHERE grp = 0 ORDER BY score NULLS FIRST LIMIT 2",
            "SELECT id, score FROM " + t + " WHERE grp = 0 ORDER BY score NULLS FIRST, id LIMIT 2",
            2),
        new Watch(
            "SELECT score FROM " + t + " WHERE label IS NOT NULL ORDER BY _seq DESC LIMIT 3",
            "SELECT score, id FROM "
                + t
                + " WHERE label IS NOT NULL ORDER BY _seq DESC, id LIMIT 3",
            3));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void shouldHoldTheResultOfTheQueryAfterEveryChange(long seed) {
    String table = "lprop.items" + seed;
    root.update(
        "CREATE TABLE " + table + " (id INT PRIMARY KEY, grp INT NOT NULL, score INT, label TEXT)");
    Random random = new Random(seed);
    Map<Integer, Boolean> present = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      write(table, random, present); // a snapshot with rows in it
    }
    List<Watch> watches = new ArrayList<>(watches(table));
    List<String> subs = new ArrayList<>();
    try (LiveConnection conn = new LiveConnection(port, "lp", "lp-password").open()) {
      for (Watch w : watches) {
        subs.add(conn.subscribe(w.live()));
      }
      for (int step = 0; step < STEPS; step++) {
        if (step == STEPS / 2) {
          // A late subscriber starts from a snapshot of a busy table.
          Watch late = watches.get(2);
          watches.add(late);
          subs.add(conn.subscribe(late.live()));
        }
        String write = write(table, random, present);
        int at = step;
        for (int i = 0; i < watches.size(); i++) {
          Watch w = watches.get(i);
          String sub = subs.get(i);
          Map<String, List<String>> expected =
              LiveSelectEndToEndTest.select(writer, w.reference(), "id");
          await()
              .pollDelay(Duration.ZERO)
              .pollInterval(Duration.ofMillis(2))
              .atMost(Duration.ofSeconds(10))
              .untilAsserted(
                  () ->
                      assertThat(LiveEvents.state(conn.events(sub), w.maxRows()))
                          .as("seed %d step %d after %s: %s", seed, at, write, w.live())
                          .isEqualTo(expected));
        }
      }
      assertThat(conn.failure()).isNull();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11})
  void shouldOpenTopNWindowsConsistentlyWhileTheTableChanges(long seed) throws Exception {
    String table = "lprop.busy" + seed;
    root.update(
        "CREATE TABLE " + table + " (id INT PRIMARY KEY, grp INT NOT NULL, score INT, label TEXT)");
    Map<Integer, Boolean> present = new TreeMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    CompletableFuture<Integer> writes =
        CompletableFuture.supplyAsync(
            () -> {
              Random random = new Random(seed);
              int n = 0;
              while (writing.get() || n < 150) {
                write(table, random, present);
                n++;
              }
              return n;
            });
    Watch window = watches(table).get(2);
    Watch ordered = watches(table).get(3);
    Random random = new Random(seed + 1);
    try (LiveConnection conn = new LiveConnection(port, "lp", "lp-password").open()) {
      List<String[]> subs = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        Watch w = random.nextBoolean() ? window : ordered;
        subs.add(new String[] {conn.subscribe(w.live()), w == window ? "0" : "1"});
      }
      writing.set(false);
      assertThat(writes.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(150);
      for (String[] s : subs) {
        Watch w = s[1].equals("0") ? window : ordered;
        Map<String, List<String>> expected =
            LiveSelectEndToEndTest.select(writer, w.reference(), "id");
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(LiveEvents.state(conn.events(s[0]), w.maxRows()))
                        .as("seed %d: %s", seed, w.live())
                        .isEqualTo(expected));
      }
    } finally {
      writing.set(false);
    }
  }

  /** One random write; {@code present} tracks the keys in the table. Returns its SQL. */
  private static String write(String table, Random random, Map<Integer, Boolean> present) {
    int kind = random.nextInt(10);
    String sql;
    if (kind < 3 || present.size() < 3) {
      List<String> rows = new ArrayList<>();
      int count = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
      for (int i = 0; i < count * 3 && rows.size() < count; i++) {
        int id = random.nextInt(KEYS);
        if (!present.containsKey(id)) {
          present.put(id, true);
          rows.add(
              "("
                  + id
                  + ", "
                  + random.nextInt(3)
                  + ", "
                  + score(random)
                  + ", "
                  + label(random)
                  + ")");
        }
      }
      if (rows.isEmpty()) {
        sql =
            "UPDATE "
                + table
                + " SET score = "
                + score(random)
                + " WHERE id = "
                + anyKey(random, present);
      } else {
        sql = "INSERT INTO " + table + " VALUES " + String.join(", ", rows);
      }
    } else if (kind < 7) {
      String set =
          switch (random.nextInt(4)) {
            case 0 -> "score = " + score(random);
            case 1 -> "grp = " + random.nextInt(3);
            case 2 -> "label = " + label(random);
            default -> "score = " + score(random) + ", grp = " + random.nextInt(3);
          };
      sql = "UPDATE " + table + " SET " + set + " WHERE id = " + anyKey(random, present);
    } else if (kind == 7) {
      sql =
          "UPDATE "
              + table
              + " SET score = score + "
              + (random.nextInt(5) - 2)
              + " WHERE grp = "
              + random.nextInt(3);
    } else if (kind == 8) {
      int id = anyKey(random, present);
      present.remove(id);
      sql = "DELETE FROM " + table + " WHERE id = " + id;
    } else {
      int grp = random.nextInt(3);
      int below = random.nextInt(4);
      sql = "DELETE FROM " + table + " WHERE grp = " + grp + " AND score < " + below;
      for (var row :
          writer
              .query("SELECT id FROM " + table + " WHERE grp = $1 AND score < $2", grp, below)
              .rows()) {
        present.remove(row.getInteger("id"));
      }
    }
    writer.update(sql);
    return sql;
  }

  private static int anyKey(Random random, Map<Integer, Boolean> present) {
    List<Integer> keys = new ArrayList<>(present.keySet());
    return keys.get(random.nextInt(keys.size()));
  }

  private static String score(Random random) {
    return random.nextInt(5) == 0 ? "NULL" : String.valueOf(random.nextInt(7));
  }

  private static String label(Random random) {
    return random.nextInt(5) == 0 ? "NULL" : "'" + (char) ('a' + random.nextInt(3)) + "'";
  }
}
