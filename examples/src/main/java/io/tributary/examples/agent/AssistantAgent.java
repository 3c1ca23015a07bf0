package io.tributary.examples.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.client.ConsumedRecord;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assistant of DESIGN.md section 1, a live participant: it consumes every user's new messages
 * of {@code chat.messages} in consumer group {@code assistant}, writes a "thinking" event into the
 * STREAM table {@code chat.typing_events} as the user, then replies as the user ({@code EXECUTE AS
 * USER}) into {@code chat.messages}, where every subscribed client of that user sees it live.
 *
 * <p>At-least-once: a message is acknowledged after the reply was written; an agent that dies
 * before has the message delivered again (to itself after a restart, or to another agent of the
 * group). Its own replies come back through the change feed and are skipped (role is not {@code
 * user}).
 *
 * <p>Run it next to a server: {@code java -cp ... io.tributary.examples.agent.AssistantAgent} with
 * {@code TRIBUTARY_URL} (default {@code http://127.0.0.1:7070}), {@code AGENT_USER} and {@code
 * AGENT_PASSWORD} (an account with role service).
 */
public final class AssistantAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AssistantAgent.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The schema the agent works on (DESIGN.md section 1). */
  public static final String SCHEMA =
      "CREATE NAMESPACE IF NOT EXISTS chat;"
          + "CREATE TABLE IF NOT EXISTS chat.messages (id BIGINT PRIMARY KEY DEFAULT"
          + " SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL, role TEXT, content TEXT, created_at"
          + " TIMESTAMP DEFAULT NOW()) WITH (TYPE = 'USER');"
          + "CREATE TABLE IF NOT EXISTS chat.typing_events (id BIGINT PRIMARY KEY DEFAULT"
          + " SNOWFLAKE_ID(), conversation_id BIGINT, user_id TEXT, event_type TEXT, created_at"
          + " TIMESTAMP DEFAULT NOW()) WITH (TYPE = 'STREAM', TTL_SECONDS = 30)";

  private final TributaryClient client;
  private final TopicConsumer.Running running;

  private AssistantAgent(TributaryClient client) {
    this.client = client;
    this.running = client.consumer("chat.messages").group("assistant").run(this::handle);
  }

  /** Starts consuming with {@code client}, logged in as an account with role service. */
  public static AssistantAgent start(TributaryClient client) {
    return new AssistantAgent(client);
  }

  /** What the assistant answers to {@code content}. */
  static String reply(String content) {
    return "You said: " + content;
  }

  private void handle(ConsumedRecord record) throws IOException {
    if (!record.operation().equals("INSERT") || record.owner() == null || record.row() == null) {
      return;
    }
    JsonNode row = JSON.readTree(record.row());
    if (!"user".equals(row.path("role").asText())) {
      return; // the assistant's own replies come back through the feed
    }
    long conversation = row.path("conversation_id").asLong();
    String user = record.owner().replace("'", "''");
    client.update(
        "EXECUTE AS USER '"
            + user
            + "' (INSERT INTO chat.typing_events (conversation_id, user_id, event_type) VALUES ($1,"
            + " $2, 'thinking'))",
        conversation,
        record.owner());
    client.update(
        "EXECUTE AS USER '"
            + user
            + "' (INSERT INTO chat.messages (conversation_id, role, content) VALUES ($1,"
            + " 'assistant', $2))",
        conversation,
        reply(row.path("content").asText()));
    LOG.info("Answered {} in conversation {}", record.owner(), conversation);
  }

  /** Whether it still consumes. */
  public boolean isRunning() {
    return running.isRunning();
  }

  @Override
  public void close() {
    running.close();
  }

  public static void main(String[] args) throws InterruptedException {
    String url = System.getenv().getOrDefault("TRIBUTARY_URL", "http://127.0.0.1:7070");
    String user = System.getenv().getOrDefault("AGENT_USER", "assistant");
    String password = System.getenv("AGENT_PASSWORD");
    if (password == null) {
      System.err.println("Set AGENT_PASSWORD (and AGENT_USER, a user with role service)");
      System.exit(2);
    }
    TributaryClient client = TributaryClient.connect(url);
    client.login(user, password);
    CountDownLatch stop = new CountDownLatch(1);
    try (AssistantAgent agent = start(client)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      LOG.info("Assistant consuming chat.messages in group 'assistant' at {}", url);
      stop.await();
    } finally {
      client.close();
    }
  }
}
