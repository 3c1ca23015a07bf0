package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.client.ResultSet;
import io.tributary.client.Row;
import io.tributary.client.StatementResult;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chat scenario of DESIGN.md section 1 (without SUBSCRIBE, CONSUME and TTL) over gRPC on a real
 * localhost port, with the embedded broker and the materializer behind it.
 */
class ChatExampleEndToEndTest {
  private static TributaryClient root;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE chat;"
            + "CREATE TABLE chat.messages ("
            + "  id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
            + "  conversation_id BIGINT NOT NULL,"
            + "  role TEXT, content TEXT,"
            + "  created_at TIMESTAMP DEFAULT NOW()"
            + ") WITH (TYPE = 'USER', FLUSH_POLICY = 'rows:10000,interval:300');"
            + "CREATE TABLE chat.typing_events ("
            + "  id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), conversation_id BIGINT, user_id TEXT,"
            + "  event_type TEXT, created_at TIMESTAMP DEFAULT NOW()"
            + ") WITH (TYPE = 'STREAM', TTL_SECONDS = 30);"
            + "CREATE USER 'u1' WITH PASSWORD 'u1-password' ROLE user;"
            + "CREATE USER 'u2' WITH PASSWORD 'u2-password' ROLE user;"
            + "CREATE USER 'assistant' WITH PASSWORD 'assistant-password' ROLE service");
  }

  @AfterAll
  static void tearDown() {
    root.close();
  }

  @Test
  void shouldRunTheChatScenario() {
    Instant before = Instant.now().minusSeconds(1);
    try (TributaryClient u1 = TributaryClient.connect(SharedServer.url());
        TributaryClient u2 = TributaryClient.connect(SharedServer.url());
        TributaryClient agent = TributaryClient.connect(SharedServer.url())) {
      u1.login("u1", "u1-password");
      u2.login("u2", "u2-password");
      agent.login("assistant", "assistant-password");

      assertThat(
              u1.update(
                  "INSERT INTO chat.messages (conversation_id, role, content) VALUES (1, 'user',"
                      + " 'hi')"))
          .isEqualTo(1);
      assertThat(
              agent.update(
                  "EXECUTE AS USER 'u1' (INSERT INTO chat.messages (conversation_id, role,"
                      + " content) VALUES (1, 'assistant', 'hello!'))"))
          .isEqualTo(1);
      u2.update(
          "INSERT INTO chat.messages (conversation_id, role, content) VALUES (1, 'user', 'u2"
              + " private')");

      ResultSet mine =
          u1.query(
              "SELECT id, role, content, created_at FROM chat.messages WHERE conversation_id = $1"
                  + " ORDER BY id",
              1L);
      assertThat(mine.rows())
          .extracting(r -> r.getString("role") + ":" + r.getString("content"))
          .containsExactly("user:hi", "assistant:hello!");
      Row first = mine.rows().get(0);
      assertThat(first.getLong("id")).isPositive();
      assertThat(first.getInstant("created_at"))
          .isAfter(before)
          .isBefore(Instant.now().plusSeconds(1));
      assertThat(mine.rows().get(1).getLong("id")).isGreaterThan(first.getLong("id"));

      ResultSet theirs = u2.query("SELECT content FROM chat.messages");
      assertThat(theirs.rows())
          .extracting(r -> r.getString("content"))
          .containsExactly("u2 private");
    }
  }

  @Test
  void shouldReportEachStatementOfABatch() {
    List<StatementResult> results =
        root.execute(
            "INSERT INTO chat.typing_events (conversation_id, event_type) VALUES (1, 'typing');"
                + " SELECT event_type, user_id FROM chat.typing_events;"
                + " SELECT nope FROM chat.typing_events;"
                + " SELECT 1");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).rowsAffected()).isEqualTo(1);
    assertThat(results.get(1).rows().rows()).hasSize(1);
    assertThat(results.get(2).kind()).isEqualTo(StatementResult.Kind.ERROR);
    assertThat(results.get(2).error().orElseThrow().code()).isEqualTo("COLUMN_NOT_FOUND");
  }

  @Test
  void shouldRefuseBadSqlWithACodedErrorAndKeepServing() {
    assertThatThrownBy(() -> root.query("SELEC * FROM chat.messages"))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot parse statement")
        .satisfies(
            e -> {
              TributaryException t = (TributaryException) e;
              assertThat(t.code()).isEqualTo("SYNTAX_ERROR");
              assertThat(t.line()).isEqualTo(1);
              assertThat(t.column()).isPositive();
            });
    assertThat(root.query("SELECT 1 AS n").rows().get(0).get("n")).isEqualTo(1);
  }

  @Test
  void shouldRequireALoginForStatements() {
    try (TributaryClient anonymous = TributaryClient.connect(SharedServer.url())) {
      assertThatThrownBy(() -> anonymous.query("SELECT 1"))
          .isInstanceOf(TributaryException.class)
          .satisfies(e -> assertThat(((TributaryException) e).code()).isEqualTo("UNAUTHENTICATED"));
      assertThatThrownBy(() -> anonymous.login("root", "wrong-password"))
          .isInstanceOf(TributaryException.class)
          .hasMessage("Cannot log in: unknown user or wrong password");
    }
  }
}
