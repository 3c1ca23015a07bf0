package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STREAM tables with TTL_SECONDS on a real server whose clock the test advances: an expired event
 * is never returned by SELECT or a subscription's snapshot, reaches live subscribers as a delete,
 * and leaves the hot store; a high rate of small events is accepted.
 */
class StreamTableEndToEndTest {
  @TempDir static Path dataDir;
  private static final MovableClock CLOCK = new MovableClock();
  private static TributaryServer server;
  private static TributaryClient root;
  private static TributaryClient u1;

  /** The system clock plus an offset the test moves forward. */
  static final class MovableClock extends Clock {
    private final AtomicLong offset = new AtomicLong();

    void advance(Duration d) {
      offset.addAndGet(d.toMillis());
    }

    @Override
    public long millis() {
      return System.currentTimeMillis() + offset.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @BeforeAll
  static void start() {
    server =
        TributaryServer.start(
            ServerConfig.defaults()
                .withDataDir(dataDir)
                .withPort(0)
                .withRootPassword(SharedServer.ROOT_PASSWORD),
            CLOCK);
    root = TributaryClient.connect("http://127.0.0.1:" + server.port());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE ttl;"
            + "CREATE USER 'ttl_u1' WITH PASSWORD 'ttl-u1-password';"
            + "CREATE USER 'ttl_u2' WITH PASSWORD 'ttl-u2-password'");
    u1 = login("ttl_u1", "ttl-u1-password");
  }

  @AfterAll
  static void stop() {
    u1.close();
    root.close();
    server.close();
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + server.port());
    c.login(user, password);
    return c;
  }

  private static void createTypingTable(String name, int ttlSeconds) {
    root.update(
        "CREATE TABLE ttl."
            + name
            + " (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT,"
            + " event_type TEXT, created_at TIMESTAMP DEFAULT NOW())"
            + " WITH (TYPE = 'STREAM', TTL_SECONDS = "
            + ttlSeconds
            + ")");
  }

  private static List<String> events(TributaryClient c, String table) {
    return c.query("SELECT event_type FROM ttl." + table + " ORDER BY id").rows().stream()
        .map(r -> r.getString("event_type"))
        .toList();
  }

  @Test
  void shouldExpireEventsOnTimeAndEvictThemFromTheStore() {
    createTypingTable("typing", 30);
    u1.update("INSERT INTO ttl.typing (conversation_id, event_type) VALUES (1, 'typing')");
    CLOCK.advance(Duration.ofSeconds(20));
    u1.update("INSERT INTO ttl.typing (conversation_id, event_type) VALUES (1, 'thinking')");
    assertThat(events(u1, "typing")).containsExactly("typing", "thinking");
    // Two rows, two expiry index entries, one watermark.
    assertThat(server.storeEntries("ttl", "typing")).isEqualTo(5);

    // Real time passes too (this machine may be slow): margins of seconds, not milliseconds.
    CLOCK.advance(Duration.ofSeconds(5));
    assertThat(events(u1, "typing")).containsExactly("typing", "thinking");
    CLOCK.advance(Duration.ofSeconds(6));
    // Hidden at once, whether or not the removal has run yet.
    assertThat(events(u1, "typing")).containsExactly("thinking");
    await().atMost(Duration.ofSeconds(20)).until(() -> server.storeEntries("ttl", "typing") == 3);

    CLOCK.advance(Duration.ofSeconds(20));
    assertThat(events(u1, "typing")).isEmpty();
    assertThat(u1.query("SELECT COUNT(*) AS n FROM ttl.typing").rows().get(0).getLong("n"))
        .isZero();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> server.storeEntries("ttl", "typing") == 1); // the watermark
  }

  @Test
  void shouldDeliverInsertsLiveAndExpiryAsADeleteAndLeaveExpiredEventsOutOfSnapshots()
      throws Exception {
    createTypingTable("presence", 10);
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    SubscriptionListener listener =
        new SubscriptionListener() {
          @Override
          public void onReady(long seq) {
            ready.countDown();
          }

          @Override
          public void onInsert(Row row, long seq) {
            seen.add("insert " + row.getString("event_type"));
          }

          @Override
          public void onUpdate(Row oldRow, Row newRow, long seq) {
            seen.add("update " + newRow.getString("event_type"));
          }

          @Override
          public void onDelete(Row row, long seq) {
            seen.add("delete " + row.getString("event_type"));
          }
        };
    try (TributaryClient phone = login("ttl_u1", "ttl-u1-password");
        Subscription live =
            phone.subscribe(
                "SUBSCRIBE TO ttl.presence WHERE conversation_id = 1 OPTIONS (last_rows = 20)",
                listener)) {
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      u1.update("INSERT INTO ttl.presence (conversation_id, event_type) VALUES (1, 'online')");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("insert online"));

      CLOCK.advance(Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("delete online"));
      assertThat(seen).containsExactly("insert online", "delete online");
    }

    // A subscription opened after the expiry finds nothing in its snapshot.
    u1.update("INSERT INTO ttl.presence (conversation_id, event_type) VALUES (1, 'away')");
    CLOCK.advance(Duration.ofSeconds(11));
    List<String> snapshot = new CopyOnWriteArrayList<>();
    CountDownLatch snapshotDone = new CountDownLatch(1);
    try (TributaryClient browser = login("ttl_u1", "ttl-u1-password");
        Subscription late =
            browser.subscribe(
                "SUBSCRIBE TO ttl.presence OPTIONS (last_rows = 20)",
                new SubscriptionListener() {
                  @Override
                  public void onSnapshot(List<Row> rows, boolean last) {
                    rows.forEach(r -> snapshot.add(r.getString("event_type")));
                  }

                  @Override
                  public void onReady(long seq) {
                    snapshotDone.countDown();
                  }

                  @Override
                  public void onInsert(Row row, long seq) {
                    snapshot.add("live " + row.getString("event_type"));
                  }

                  @Override
                  public void onUpdate(Row oldRow, Row newRow, long seq) {}

                  @Override
                  public void onDelete(Row row, long seq) {}
                })) {
      assertThat(snapshotDone.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(snapshot).isEmpty();
    }
  }

  @Test
  void shouldAcceptAHighRateOfSmallEventsFromManyWritersAndEvictThemAll() throws Exception {
    // Real time passes while the events are written: a TTL far longer than that, then a jump.
    createTypingTable("burst", 600);
    int writers = 4;
    int perWriter = 250;
    List<TributaryClient> clients = new ArrayList<>();
    clients.add(u1);
    clients.add(login("ttl_u2", "ttl-u2-password"));
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<CompletableFuture<Long>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        TributaryClient c = clients.get(w % clients.size());
        long conversation = w;
        done.add(
            CompletableFuture.supplyAsync(
                () -> {
                  long n = 0;
                  for (int i = 0; i < perWriter; i++) {
                    n +=
                        c.update(
                            "INSERT INTO ttl.burst (conversation_id, event_type) VALUES ($1,"
                                + " 'typing')",
                            conversation);
                  }
                  return n;
                },
                pool));
      }
      long accepted = 0;
      for (CompletableFuture<Long> f : done) {
        accepted += f.get(120, TimeUnit.SECONDS);
      }
      assertThat(accepted).isEqualTo((long) writers * perWriter);
    } finally {
      pool.shutdownNow();
      clients.get(1).close();
    }
    long u1Rows = u1.query("SELECT COUNT(*) AS n FROM ttl.burst").rows().get(0).getLong("n");
    assertThat(u1Rows).isEqualTo(writers / 2 * perWriter);

    CLOCK.advance(Duration.ofSeconds(601));
    assertThat(u1.query("SELECT COUNT(*) AS n FROM ttl.burst").rows().get(0).getLong("n")).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> server.storeEntries("ttl", "burst") == 2); // one watermark per writer user
  }
}
