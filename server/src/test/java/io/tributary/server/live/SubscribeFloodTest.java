package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.api.v1.LiveEvent;
import io.tributary.client.TributaryClient;
import io.tributary.live.LiveConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import io.tributary.server.e2e.SharedServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who subscribes and unsubscribes too fast is refused with RATE_LIMITED, changes nothing,
 * keeps the connection and the subscriptions it holds, and may subscribe again once the bucket
 * refills; other users are not affected. And snapshots of subscriptions whose filter fixes the
 * primary key (or its first columns) by equality, which read by key seek, hold exactly the rows the
 * same filter selects.
 */
class SubscribeFloodTest {
  private static final int BURST = 10;

  @TempDir Path dataDir;

  @Test
  void shouldRefuseASubscribeFloodWithRateLimitedAndKeepTheConnection() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withDataDir(dataDir)
            .withPort(0)
            .withRootPassword(SharedServer.ROOT_PASSWORD)
            .withLive(LiveConfig.defaults().withSubscribeRate(2, BURST));
    try (TributaryServer server = TributaryServer.start(config);
        TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + server.port())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE flood;"
              + "CREATE SHARED TABLE flood.feed (id BIGINT PRIMARY KEY, body TEXT);"
              + "CREATE SHARED TABLE flood.places (region TEXT, id BIGINT, v INT,"
              + " PRIMARY KEY (region, id));"
              + "CREATE USER 'flooder' WITH PASSWORD 'flooder-password';"
              + "CREATE USER 'other' WITH PASSWORD 'other-password'");
      StringBuilder insert = new StringBuilder("INSERT INTO flood.feed VALUES (0, 'row 0')");
      for (int i = 1; i < 200; i++) {
        insert.append(", (").append(i).append(", 'row ").append(i).append("')");
      }
      root.update(insert.toString());
      root.update(
          "INSERT INTO flood.places VALUES ('a', 1, 1), ('a', 2, 2), ('a ', 1, 3), ('ab', 1, 4),"
              + " ('', 1, 5), ('b', 2, 6)");
      int port = server.port();

      try (LiveConnection flooder = new LiveConnection(port, "flooder", "flooder-password").open();
          LiveConnection other = new LiveConnection(port, "other", "other-password").open()) {
        String keeper = flooder.subscribe("SUBSCRIBE TO flood.feed WHERE id = 7");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> flooder.events(keeper).stream().anyMatch(LiveEvent::hasReady));
        assertThat(LiveEvents.state(flooder.events(keeper), -1))
            .isEqualTo(Map.of("7", List.of("7", "row 7")));

        // Subscribe and unsubscribe as fast as possible: the bucket (10, 2 per second) runs out.
        int done = 1;
        StatusRuntimeException refused = null;
        String pending = null; // subscribed, its unsubscribe refused
        while (refused == null && done < 10 * BURST) {
          String id = null;
          try {
            id = flooder.subscribe("SUBSCRIBE TO flood.feed WHERE id = " + done);
            done++;
            flooder.unsubscribe(id);
            done++;
          } catch (StatusRuntimeException e) {
            refused = e;
            pending = id;
          }
        }
        assertThat(refused).as("refused after %d operations", done).isNotNull();
        assertThat(done).isLessThan(2 * BURST);
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(LiveEndToEndTest.code(refused)).isEqualTo("RATE_LIMITED");
        assertThat(refused.getStatus().getDescription())
            .contains(
                "user flooder subscribes and unsubscribes faster than 2 operations per second");

        // Another user is not limited by the flooder's bucket.
        String others = other.subscribe("SUBSCRIBE TO flood.feed WHERE id = 7");

        // A one-shot Subscribe of the flooder is refused the same way.
        AtomicReference<Throwable> oneShotError = new AtomicReference<>();
        List<LiveEvent> oneShotEvents = new ArrayList<>();
        flooder.subscribeOnce("SUBSCRIBE TO flood.feed", oneShotEvents::add, oneShotError);
        await().atMost(Duration.ofSeconds(10)).until(() -> oneShotError.get() != null);
        assertThat(LiveEndToEndTest.code(oneShotError.get())).isEqualTo("RATE_LIMITED");
        assertThat(oneShotEvents).isEmpty();

        // The connection, its stream and the subscription it holds carry on.
        root.update("UPDATE flood.feed SET body = 'changed' WHERE id = 7");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    LiveEvents.state(flooder.events(keeper), -1)
                        .equals(Map.of("7", List.of("7", "changed"))));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> flooder.events(others).isEmpty() && other.events(others).size() > 3);
        assertThat(flooder.failure()).isNull();
        assertThat(flooder.events(keeper)).noneMatch(LiveEvent::hasError);

        // The refused operation changed nothing: the flooder holds its keeper (and the one whose
        // unsubscribe was refused).
        assertThat(root.query("SELECT id FROM system.live WHERE `user` = 'flooder'").size())
            .isEqualTo(pending == null ? 1 : 2);

        // Once the bucket refills, the flooder subscribes again.
        AtomicReference<String> again = new AtomicReference<>();
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(200))
            .ignoreException(StatusRuntimeException.class)
            .until(
                () -> {
                  again.set(flooder.subscribe("SUBSCRIBE TO flood.places WHERE region = 'a'"));
                  return true;
                });
        assertSnapshotMatchesSelect(root, flooder, again.get(), "region = 'a'");

        // Key prefixes and whole keys of a composite key, in either order, and absent keys.
        for (String where :
            List.of(
                "region = 'a ' AND id = 1",
                "id = 2 AND region = 'a'",
                "region = ''",
                "region = 'zz'",
                "region = 'a' AND id = 9",
                "id = 1")) {
          String sub = subscribeWhenAllowed(flooder, "SUBSCRIBE TO flood.places WHERE " + where);
          assertSnapshotMatchesSelect(root, flooder, sub, where);
        }
      }
    }
  }

  @Test
  void shouldNotStartWithAnInvalidRate() {
    assertThatThrownBy(() -> LiveConfig.defaults().withSubscribeRate(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot configure live subscriptions");
    assertThatThrownBy(() -> LiveConfig.defaults().withSubscribeRate(1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String subscribeWhenAllowed(LiveConnection conn, String sql) {
    AtomicReference<String> id = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .ignoreException(StatusRuntimeException.class)
        .until(
            () -> {
              id.set(conn.subscribe(sql));
              return true;
            });
    return id.get();
  }

  private static void assertSnapshotMatchesSelect(
      TributaryClient root, LiveConnection conn, String sub, String where) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> conn.events(sub).stream().anyMatch(LiveEvent::hasReady));
    TreeSet<String> selected = new TreeSet<>();
    root.query("SELECT region, id FROM flood.places WHERE " + where)
        .rows()
        .forEach(r -> selected.add(r.get("region") + "|" + r.get("id")));
    assertThat(new TreeSet<>(LiveEvents.state(conn.events(sub), -1).keySet()))
        .as("snapshot of WHERE %s", where)
        .isEqualTo(selected);
  }
}
