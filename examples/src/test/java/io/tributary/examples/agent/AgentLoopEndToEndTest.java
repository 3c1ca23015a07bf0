package io.tributary.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Row;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's loop (DESIGN.md section 1) end to end on the embedded broker: two users, each with two
 * subscribed connections, write messages; the assistant agent consumes every user's messages in
 * group {@code assistant}, writes "thinking" as the user and replies as the user; each connection
 * sees its own user's conversation — message, thinking, reply — in order, and never the other's.
 */
class AgentLoopEndToEndTest {
  private static final String ROOT_PASSWORD = "root-secret-password";

  @TempDir static Path dataDir;
  private static TributaryServer server;
  private static final List<TributaryClient> clients = new ArrayList<>();

  /**
   * One event a connection saw: the table, its _seq, its row's id and what it says. The id is a
   * SNOWFLAKE_ID() of the accepting node, which never goes backwards: it orders the rows of both
   * tables by when the node accepted them. {@code _seq} orders one table's rows only (a STREAM
   * table's rows count the stream-events topic's offsets, the messages' the user-writes').
   */
  record Seen(String table, long seq, long id, String what) {}

  @BeforeAll
  static void start() {
    server =
        TributaryServer.start(
            ServerConfig.defaults()
                .withDataDir(dataDir)
                .withPort(0)
                .withRootPassword(ROOT_PASSWORD));
    TributaryClient root = connect("root", ROOT_PASSWORD);
    root.update(AssistantAgent.SCHEMA);
    root.update(
        "CREATE USER 'assistant' WITH PASSWORD 'assistant-password' ROLE service;"
            + "CREATE USER 'u1' WITH PASSWORD 'u1-password';"
            + "CREATE USER 'u2' WITH PASSWORD 'u2-password'");
  }

  @AfterAll
  static void stop() {
    clients.forEach(TributaryClient::close);
    server.close();
  }

  private static TributaryClient connect(String user, String password) {
    TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + server.port());
    c.login(user, password);
    clients.add(c);
    return c;
  }

  /** A connection of a user subscribed to its messages and typing events. */
  private static List<Seen> connection(String user) {
    TributaryClient c = connect(user, user + "-password");
    List<Seen> seen = new CopyOnWriteArrayList<>();
    List<Boolean> ready = new CopyOnWriteArrayList<>();
    c.subscribe(
        "SUBSCRIBE TO chat.messages",
        listener(
            "messages", seen, ready, r -> r.getString("role") + ": " + r.getString("content")));
    c.subscribe(
        "SUBSCRIBE TO chat.typing_events",
        listener("typing_events", seen, ready, r -> r.getString("event_type")));
    await().atMost(Duration.ofSeconds(30)).until(() -> ready.size() == 2);
    return seen;
  }

  private static SubscriptionListener listener(
      String table,
      List<Seen> seen,
      List<Boolean> ready,
      java.util.function.Function<Row, String> what) {
    return new SubscriptionListener() {
      @Override
      public void onReady(long seq) {
        ready.add(true);
      }

      @Override
      public void onInsert(Row row, long seq) {
        seen.add(new Seen(table, seq, row.getLong("id"), what.apply(row)));
      }

      @Override
      public void onUpdate(Row oldRow, Row newRow, long seq) {}

      @Override
      public void onDelete(Row row, long seq) {}
    };
  }

  private static List<String> inOrder(List<Seen> seen) {
    return seen.stream().sorted(Comparator.comparingLong(Seen::id)).map(Seen::what).toList();
  }

  @Test
  void shouldAnswerEveryUserLiveOnEachOfTheirConnectionsAndNeverShowAnotherUsersConversation() {
    List<List<Seen>> u1 = List.of(connection("u1"), connection("u1"));
    List<List<Seen>> u2 = List.of(connection("u2"), connection("u2"));
    TributaryClient u1Writer = connect("u1", "u1-password");
    TributaryClient u2Writer = connect("u2", "u2-password");
    TributaryClient agentClient = connect("assistant", "assistant-password");

    try (AssistantAgent agent = AssistantAgent.start(agentClient)) {
      for (int round = 1; round <= 2; round++) {
        u1Writer.update(
            "INSERT INTO chat.messages (conversation_id, role, content) VALUES (1, 'user', $1)",
            "u1 says " + round);
        u2Writer.update(
            "INSERT INTO chat.messages (conversation_id, role, content) VALUES (2, 'user', $1)",
            "u2 says " + round);
        int events = 3 * round;
        for (List<Seen> connection : concat(u1, u2)) {
          await().atMost(Duration.ofSeconds(60)).until(() -> connection.size() >= events);
        }
      }
      assertThat(agent.isRunning()).isTrue();
    }

    List<String> u1Conversation =
        List.of(
            "user: u1 says 1",
            "thinking",
            "assistant: You said: u1 says 1",
            "user: u1 says 2",
            "thinking",
            "assistant: You said: u1 says 2");
    for (List<Seen> connection : u1) {
      assertThat(inOrder(connection)).isEqualTo(u1Conversation);
      assertInDeliveryOrder(connection);
    }
    for (List<Seen> connection : u2) {
      assertThat(inOrder(connection))
          .isEqualTo(u1Conversation.stream().map(s -> s.replace("u1", "u2")).toList());
      assertInDeliveryOrder(connection);
    }
  }

  /** Each subscription delivers its table's events in _seq order, which is their id order. */
  private static void assertInDeliveryOrder(List<Seen> connection) {
    for (String table : List.of("messages", "typing_events")) {
      List<Long> seqs =
          connection.stream().filter(s -> s.table().equals(table)).map(Seen::seq).toList();
      assertThat(seqs).isSorted();
      List<Long> ids =
          connection.stream().filter(s -> s.table().equals(table)).map(Seen::id).toList();
      assertThat(ids).isSorted();
    }
  }

  private static List<List<Seen>> concat(List<List<Seen>> a, List<List<Seen>> b) {
    List<List<Seen>> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
