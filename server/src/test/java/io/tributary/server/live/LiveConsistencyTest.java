package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.ClientCallStreamObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guarantees of DESIGN.md section 5 under concurrent writes: a snapshot plus the live events
 * reproduce the table exactly (no gap, no duplicate), and a resume from the last {@code _seq}
 * continues exactly where the subscriber stopped.
 */
class LiveConsistencyTest {
  private static TributaryClient root;
  private static TributaryClient writer;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE live2;"
            + "CREATE TABLE live2.counters (id INT PRIMARY KEY, v INT NOT NULL);"
            + "CREATE TABLE live2.events (id INT PRIMARY KEY, n INT NOT NULL);"
            + "CREATE USER 'lw' WITH PASSWORD 'lw-password'");
    writer = TributaryClient.connect(SharedServer.url());
    writer.login("lw", "lw-password");
  }

  @AfterAll
  static void tearDown() {
    writer.close();
    root.close();
  }

  /** One random write: insert a missing key, update or delete an existing one. */
  private static void randomWrite(String table, Random random, Map<Integer, Integer> model) {
    int id = random.nextInt(40);
    String column = table.endsWith("counters") ? "v" : "n";
    if (!model.containsKey(id)) {
      writer.update("INSERT INTO " + table + " VALUES ($1, $2)", id, 0);
      model.put(id, 0);
    } else if (random.nextInt(5) == 0) {
      writer.update("DELETE FROM " + table + " WHERE id = $1", id);
      model.remove(id);
    } else {
      writer.update(
          "UPDATE " + table + " SET " + column + " = " + column + " + 1 WHERE id = $1", id);
      model.merge(id, 1, Integer::sum);
    }
  }

  @Test
  void shouldReproduceTheTableFromSnapshotAndLiveEventsInEveryTrial() throws Exception {
    int trials = 100;
    Map<Integer, Integer> model = new HashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger writes = new AtomicInteger();
    CompletableFuture<Void> writing_ =
        CompletableFuture.runAsync(
            () -> {
              Random random = new Random(42);
              while (writing.get() || writes.get() < 50) {
                randomWrite("live2.counters", random, model);
                writes.incrementAndGet();
              }
            });
    List<LiveConnection> connections = new ArrayList<>();
    List<String[]> subscriptions = new ArrayList<>();
    try {
      for (int c = 0; c < 4; c++) {
        connections.add(new LiveConnection(port, "lw", "lw-password").open());
      }
      for (int t = 0; t < trials; t++) {
        LiveConnection conn = connections.get(t % connections.size());
        subscriptions.add(
            new String[] {
              String.valueOf(t % connections.size()), conn.subscribe("SUBSCRIBE TO live2.counters")
            });
      }
      writing.set(false);
      writing_.get(60, TimeUnit.SECONDS);
      writer.update("INSERT INTO live2.counters VALUES (1000, 0)");
      model.put(1000, 0);

      Map<String, List<String>> expected = new HashMap<>();
      for (var row : writer.query("SELECT id, v FROM live2.counters").rows()) {
        expected.put(
            String.valueOf(row.getInteger("id")),
            List.of(String.valueOf(row.getInteger("id")), String.valueOf(row.getInteger("v"))));
      }
      assertThat(expected).hasSize(model.size());
      for (String[] s : subscriptions) {
        LiveConnection conn = connections.get(Integer.parseInt(s[0]));
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(LiveEvents.rebuild(conn.events(s[1])))
                        .as("trial subscription %s", s[1])
                        .isEqualTo(expected));
      }
      assertThat(writes.get()).as("writes during the trials").isGreaterThanOrEqualTo(50);
    } finally {
      writing.set(false);
      connections.forEach(LiveConnection::close);
    }
  }

  @Test
  void shouldResumeExactlyAfterEachOfAHundredDisconnects() throws Exception {
    // A first write gives the range a high-water mark to resume from.
    writer.update("INSERT INTO live2.events VALUES (999, 0)");
    LiveConnection reference = new LiveConnection(port, "lw", "lw-password").open();
    try {
      String all = reference.subscribe("SUBSCRIBE TO live2.events");
      await().atMost(Duration.ofSeconds(10)).until(() -> reference.events(all).size() >= 3);
      long start = reference.events(all).get(reference.events(all).size() - 1).getReady().getSeq();

      int operations = 450;
      CompletableFuture<Void> writes =
          CompletableFuture.runAsync(
              () -> {
                Random random = new Random(7);
                Map<Integer, Integer> model = new HashMap<>();
                for (int i = 0; i < operations; i++) {
                  randomWrite("live2.events", random, model);
                }
              });

      Random random = new Random(11);
      List<String> resumed = new ArrayList<>();
      long last = start;
      int disconnects = 0;
      while (true) {
        boolean writesDone = writes.isDone();
        int take = 1 + random.nextInt(6);
        CountDownLatch enough = new CountDownLatch(take);
        List<LiveEvent> got = new ArrayList<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        ClientCallStreamObserver<SubscribeRequest> call =
            reference.subscribeOnce(
                "SUBSCRIBE TO live2.events OPTIONS (from_seq = " + last + ")",
                e -> {
                  synchronized (got) {
                    if (LiveEvents.isChange(e) && enough.getCount() > 0) {
                      got.add(e);
                      enough.countDown();
                    }
                  }
                },
                error);
        boolean filled = enough.await(writesDone ? 2 : 10, TimeUnit.SECONDS);
        Throwable failed = error.get();
        call.cancel("disconnect", null);
        assertThat(failed).isNull();
        synchronized (got) {
          for (LiveEvent e : got) {
            resumed.add(LiveEvents.describe(e) + "@" + LiveEvents.seq(e));
            last = LiveEvents.seq(e);
          }
        }
        if (filled) {
          disconnects++;
        } else if (writesDone && got.isEmpty()) {
          break; // caught up with every write
        }
      }
      writes.get(10, TimeUnit.SECONDS);
      assertThat(disconnects).isGreaterThanOrEqualTo(100);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(resumed).containsExactlyElementsOf(changes(reference.events(all))));
      assertThat(resumed).hasSizeGreaterThanOrEqualTo(operations);
    } finally {
      reference.close();
    }
  }

  private static List<String> changes(List<LiveEvent> events) {
    List<String> out = new ArrayList<>();
    for (LiveEvent e : events) {
      if (LiveEvents.isChange(e)) {
        out.add(LiveEvents.describe(e) + "@" + LiveEvents.seq(e));
      }
    }
    return out;
  }
}
