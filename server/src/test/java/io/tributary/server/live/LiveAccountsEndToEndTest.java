package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.api.v1.LiveEvent;
import io.tributary.client.TributaryClient;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live subscriptions are bound to an account's id: a re-created user's snapshot holds none of the
 * old account's rows; dropping a user closes its subscriptions (also those a service opened for it
 * with EXECUTE AS USER); a password change closes the streams opened with earlier tokens.
 */
class LiveAccountsEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TributaryClient root;
  private static int port;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE lacct;"
            + "CREATE TABLE lacct.msgs (id INT PRIMARY KEY, body TEXT);"
            + "CREATE USER 'lacct_agent' WITH PASSWORD 'agent-password' ROLE service");
  }

  @AfterAll
  static void tearDown() {
    root.close();
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient c = TributaryClient.connect(SharedServer.url());
    c.login(user, password);
    return c;
  }

  private static LiveEvent awaitError(LiveConnection connection, String subscription) {
    await()
        .atMost(WAIT)
        .until(() -> connection.events(subscription).stream().anyMatch(LiveEvent::hasError));
    List<LiveEvent> events = connection.events(subscription);
    return events.get(events.size() - 1);
  }

  private static void assertUnauthenticated(LiveEvent event, String message) {
    assertThat(event.hasError()).as("%s", event).isTrue();
    assertThat(event.getError().getError().getCode()).isEqualTo("UNAUTHENTICATED");
    assertThat(event.getError().getError().getMessage()).isEqualTo(message);
  }

  @Test
  void shouldGiveAReCreatedUserASnapshotWithNoneOfTheOldAccountsRows() {
    root.update("CREATE USER 'lgdpr1' WITH PASSWORD 'first-password'");
    try (TributaryClient old = login("lgdpr1", "first-password")) {
      old.update("INSERT INTO lacct.msgs VALUES (1, 'old one'), (2, 'old two')");
    }
    root.update("DROP USER 'lgdpr1'; CREATE USER 'lgdpr1' WITH PASSWORD 'second-password'");

    try (LiveConnection renewed = new LiveConnection(port, "lgdpr1", "second-password").open();
        LiveConnection agent = new LiveConnection(port, "lacct_agent", "agent-password").open();
        TributaryClient writer = login("lgdpr1", "second-password")) {
      String subscribe = renewed.subscribe("SUBSCRIBE TO lacct.msgs");
      String select = renewed.subscribe("SELECT id, body FROM lacct.msgs ORDER BY id LIMIT 10");
      String forUser = agent.subscribe("EXECUTE AS USER 'lgdpr1' (SUBSCRIBE TO lacct.msgs)");
      writer.update("INSERT INTO lacct.msgs VALUES (5, 'new')");

      await()
          .atMost(WAIT)
          .until(
              () ->
                  LiveEvents.describeAll(renewed.events(subscribe)).contains("insert 5")
                      && LiveEvents.describeAll(renewed.events(select)).contains("insert 5")
                      && LiveEvents.describeAll(agent.events(forUser)).contains("insert 5"));
      for (List<LiveEvent> events :
          List.of(renewed.events(subscribe), renewed.events(select), agent.events(forUser))) {
        assertThat(LiveEvents.describeAll(events))
            .containsExactly("subscribed", "initial_rows", "ready", "insert 5");
        assertThat(events.get(1).getInitialRows().getRowsList()).isEmpty();
      }
    }
  }

  @Test
  void shouldCloseADroppedUsersSubscriptionsWithACodedError() {
    root.update("CREATE USER 'lgdpr2' WITH PASSWORD 'first-password'");
    try (LiveConnection user = new LiveConnection(port, "lgdpr2", "first-password").open();
        LiveConnection agent = new LiveConnection(port, "lacct_agent", "agent-password").open();
        TributaryClient writer = login("lgdpr2", "first-password")) {
      String all = user.subscribe("SUBSCRIBE TO lacct.msgs");
      String window = user.subscribe("SELECT id FROM lacct.msgs ORDER BY id LIMIT 3");
      String forUser = agent.subscribe("EXECUTE AS USER 'lgdpr2' (SUBSCRIBE TO lacct.msgs)");
      String agentsOwn = agent.subscribe("SUBSCRIBE TO lacct.msgs");
      writer.update("INSERT INTO lacct.msgs VALUES (1, 'before the drop')");
      await()
          .atMost(WAIT)
          .until(() -> LiveEvents.describeAll(agent.events(forUser)).contains("insert 1"));

      root.update("DROP USER 'lgdpr2'");

      String message = "Cannot continue the live query: user lgdpr2 was dropped";
      assertUnauthenticated(awaitError(user, all), message);
      assertUnauthenticated(awaitError(user, window), message);
      assertUnauthenticated(awaitError(agent, forUser), message);
      // The dropped user's stream ends with a stream-level error; the agent's stream lives on.
      await()
          .atMost(WAIT)
          .until(
              () -> {
                synchronized (user.streamEvents) {
                  return user.streamEvents.stream().anyMatch(LiveEvent::hasError);
                }
              });
      synchronized (user.streamEvents) {
        assertUnauthenticated(user.streamEvents.get(user.streamEvents.size() - 1), message);
      }
      try (TributaryClient agentWriter = login("lacct_agent", "agent-password")) {
        agentWriter.update("INSERT INTO lacct.msgs VALUES (7, 'the agent still hears itself')");
      }
      await()
          .atMost(WAIT)
          .until(() -> LiveEvents.describeAll(agent.events(agentsOwn)).contains("insert 7"));
      assertThat(agent.events(agentsOwn)).noneMatch(LiveEvent::hasError);
      assertThat(root.query("SELECT id FROM system.live").rows())
          .extracting(r -> r.getString("id"))
          .doesNotContain(all, window, forUser)
          .contains(agentsOwn);
    }
  }

  @Test
  void shouldCloseADroppedUsersOneShotSubscription() {
    root.update("CREATE USER 'lgdpr3' WITH PASSWORD 'first-password'");
    try (LiveConnection user = new LiveConnection(port, "lgdpr3", "first-password")) {
      List<LiveEvent> events = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      user.subscribeOnce("SUBSCRIBE TO lacct.msgs", events::add, failure);
      await().atMost(WAIT).until(() -> events.stream().anyMatch(LiveEvent::hasReady));

      root.update("DROP USER 'lgdpr3'");

      await().atMost(WAIT).until(() -> events.stream().anyMatch(LiveEvent::hasError));
      assertUnauthenticated(
          events.get(events.size() - 1), "Cannot continue the live query: user lgdpr3 was dropped");
      assertThat(failure.get()).isNull();
    }
  }

  @Test
  void shouldCloseStreamsOpenedBeforeAPasswordChange() {
    root.update("CREATE USER 'lpw1' WITH PASSWORD 'first-password'");
    try (LiveConnection before = new LiveConnection(port, "lpw1", "first-password").open();
        LiveConnection agent = new LiveConnection(port, "lacct_agent", "agent-password").open()) {
      String mine = before.subscribe("SUBSCRIBE TO lacct.msgs");
      String forUser = agent.subscribe("EXECUTE AS USER 'lpw1' (SUBSCRIBE TO lacct.msgs)");
      await()
          .atMost(WAIT)
          .until(() -> LiveEvents.describeAll(before.events(mine)).contains("ready"));

      root.update("ALTER USER 'lpw1' SET PASSWORD 'second-password'");

      assertUnauthenticated(
          awaitError(before, mine),
          "Cannot continue the live query: the password of user lpw1 changed; log in again");
      try (LiveConnection after = new LiveConnection(port, "lpw1", "second-password").open();
          TributaryClient writer = login("lpw1", "second-password")) {
        String fresh = after.subscribe("SUBSCRIBE TO lacct.msgs");
        writer.update("INSERT INTO lacct.msgs VALUES (1, 'after the change')");
        await()
            .atMost(WAIT)
            .until(
                () ->
                    LiveEvents.describeAll(after.events(fresh)).contains("insert 1")
                        && LiveEvents.describeAll(agent.events(forUser)).contains("insert 1"));
        // The agent's token was not revoked: what it opened for the user stays open.
        assertThat(agent.events(forUser)).noneMatch(LiveEvent::hasError);
      }
    }
  }
}
