package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.client.LiveQuery;
import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's group chat over gRPC: members, row policies, three members holding a live SELECT of
 * the conversation, a non-member and a service acting as a member, and one member removed
 * mid-conversation.
 */
class GroupChatPolicyEndToEndTest {
  private static final String SETUP =
      "CREATE NAMESPACE gchat;"
          + "CREATE SHARED TABLE gchat.members (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
          + "  conversation_id BIGINT NOT NULL, user_name TEXT NOT NULL);"
          + "CREATE SHARED TABLE gchat.group_messages (id BIGINT PRIMARY KEY DEFAULT"
          + "  SNOWFLAKE_ID(), conversation_id BIGINT NOT NULL, sender TEXT DEFAULT"
          + "  CURRENT_USER(), content TEXT) WITH (ACCESS_LEVEL = 'public');"
          + "CREATE POLICY members_read ON gchat.group_messages FOR SELECT USING (conversation_id"
          + "  IN (SELECT conversation_id FROM gchat.members WHERE user_name = CURRENT_USER()));"
          + "CREATE POLICY members_post ON gchat.group_messages FOR INSERT WITH CHECK (sender ="
          + "  CURRENT_USER() AND conversation_id IN (SELECT conversation_id FROM gchat.members"
          + "  WHERE user_name = CURRENT_USER()));"
          + "CREATE USER 'gc_ann' WITH PASSWORD 'ann-password' ROLE user;"
          + "CREATE USER 'gc_ben' WITH PASSWORD 'ben-password' ROLE user;"
          + "CREATE USER 'gc_cy' WITH PASSWORD 'cy-password' ROLE user;"
          + "CREATE USER 'gc_eve' WITH PASSWORD 'eve-password' ROLE user;"
          + "CREATE USER 'gc_bot' WITH PASSWORD 'bot-password' ROLE service;"
          + "INSERT INTO gchat.members (conversation_id, user_name) VALUES (7, 'gc_ann'),"
          + "  (7, 'gc_ben'), (7, 'gc_cy'), (8, 'gc_ann'), (8, 'gc_ben'), (8, 'gc_cy');"
          // The same conversation in a table spread over the log's partitions by conversation.
          + "CREATE SHARED TABLE gchat.spread_messages (conversation_id BIGINT, id BIGINT DEFAULT"
          + "  SNOWFLAKE_ID(), sender TEXT DEFAULT CURRENT_USER(), content TEXT, PRIMARY KEY"
          + "  (conversation_id, id)) WITH (ACCESS_LEVEL = 'public', PARTITION_KEY ="
          + "  'conversation_id');"
          + "CREATE POLICY members_read ON gchat.spread_messages FOR SELECT USING (conversation_id"
          + "  IN (SELECT conversation_id FROM gchat.members WHERE user_name = CURRENT_USER()));"
          + "CREATE POLICY members_post ON gchat.spread_messages FOR INSERT WITH CHECK (sender ="
          + "  CURRENT_USER() AND conversation_id IN (SELECT conversation_id FROM gchat.members"
          + "  WHERE user_name = CURRENT_USER()))";

  private static String live(String table, int conversation) {
    return "SELECT id, sender, content FROM " + table + " WHERE conversation_id = " + conversation;
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient client = TributaryClient.connect(SharedServer.url());
    client.login(user, password);
    return client;
  }

  private static LiveQuery live(
      TributaryClient client, String sql, AtomicReference<List<Row>> into) {
    return client.live(sql, into::set);
  }

  private static List<String> contents(AtomicReference<List<Row>> rows) {
    List<Row> current = rows.get();
    return current == null ? null : current.stream().map(r -> r.getString("content")).toList();
  }

  @BeforeAll
  static void setUp() {
    try (TributaryClient root = login("root", SharedServer.ROOT_PASSWORD)) {
      root.update(SETUP);
    }
  }

  @Test
  void shouldShowAConversationToItsMembersOnlyAndStopAtTheRemoval() {
    conversation("gchat.group_messages", 7);
  }

  /** The same on a table with {@code PARTITION_KEY = 'conversation_id'}. */
  @Test
  void shouldShowAConversationOfAPartitionedTableToItsMembersOnlyAndStopAtTheRemoval() {
    conversation("gchat.spread_messages", 8);
  }

  private void conversation(String table, int conversation) {
    String liveSql = live(table, conversation);
    String insert = "INSERT INTO " + table + " (conversation_id, content) VALUES (" + conversation;
    try (TributaryClient root = login("root", SharedServer.ROOT_PASSWORD);
        TributaryClient ann = login("gc_ann", "ann-password");
        TributaryClient ben = login("gc_ben", "ben-password");
        TributaryClient cy = login("gc_cy", "cy-password");
        TributaryClient eve = login("gc_eve", "eve-password");
        TributaryClient bot = login("gc_bot", "bot-password")) {
      ann.update(insert + ", 'hi all')");

      AtomicReference<List<Row>> annRows = new AtomicReference<>();
      AtomicReference<List<Row>> benRows = new AtomicReference<>();
      AtomicReference<List<Row>> cyRows = new AtomicReference<>();
      AtomicReference<List<Row>> eveRows = new AtomicReference<>();
      AtomicReference<List<Row>> botAsBen = new AtomicReference<>();
      try (LiveQuery a = live(ann, liveSql, annRows);
          LiveQuery b = live(ben, liveSql, benRows);
          LiveQuery c = live(cy, liveSql, cyRows);
          LiveQuery e = live(eve, liveSql, eveRows);
          LiveQuery s = live(bot, "EXECUTE AS USER 'gc_ben' (" + liveSql + ")", botAsBen)) {
        ben.update(insert + ", 'hello')");
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  assertThat(contents(annRows)).containsExactly("hi all", "hello");
                  assertThat(contents(benRows)).containsExactly("hi all", "hello");
                  assertThat(contents(cyRows)).containsExactly("hi all", "hello");
                  assertThat(contents(botAsBen)).containsExactly("hi all", "hello");
                  assertThat(contents(eveRows)).isEmpty();
                });

        // ben leaves: acknowledged before ann's next message is written, so he never gets it,
        // and his live SELECT drops the conversation's rows.
        root.update(
            "DELETE FROM gchat.members WHERE user_name = 'gc_ben' AND conversation_id = "
                + conversation);
        ann.update(insert + ", 'ben left')");
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  assertThat(contents(annRows)).containsExactly("hi all", "hello", "ben left");
                  assertThat(contents(cyRows)).containsExactly("hi all", "hello", "ben left");
                  assertThat(contents(benRows)).isEmpty();
                  assertThat(contents(botAsBen)).isEmpty();
                });
        assertThat(contents(eveRows)).isEmpty();
      }
      assertThat(ben.query(liveSql).rows()).isEmpty();
      assertThat(cy.query(liveSql).rows()).hasSize(3);
      assertThat(bot.query(liveSql).rows()).hasSize(3);
      assertThatThrownBy(() -> ben.update(insert + ", 'let me back')"))
          .isInstanceOf(TributaryException.class)
          .satisfies(
              x -> assertThat(((TributaryException) x).code()).isEqualTo("PERMISSION_DENIED"));
    }
  }

  /**
   * CREATE POLICY closes the open live queries of role user on the table (an EXECUTE AS USER one
   * too), to be opened again under the new policy; a service's own live query goes on.
   */
  @Test
  void shouldCloseTheUsersLiveQueriesWhenAPolicyIsCreated() {
    try (TributaryClient root = login("root", SharedServer.ROOT_PASSWORD);
        TributaryClient ann = login("gc_ann", "ann-password");
        TributaryClient bot = login("gc_bot", "bot-password")) {
      root.update(
          "CREATE SHARED TABLE gchat.board (id BIGINT PRIMARY KEY, owner TEXT, content TEXT) WITH"
              + " (ACCESS_LEVEL = 'public');"
              + "INSERT INTO gchat.board VALUES (1, 'gc_ann', 'mine'), (2, 'gc_ben', 'his')");
      String sql = "SELECT id, content FROM gchat.board";
      AtomicReference<List<Row>> annRows = new AtomicReference<>();
      AtomicReference<List<Row>> botAsAnn = new AtomicReference<>();
      AtomicReference<List<Row>> botRows = new AtomicReference<>();
      try (LiveQuery a = live(ann, sql, annRows);
          LiveQuery s = live(bot, "EXECUTE AS USER 'gc_ann' (" + sql + ")", botAsAnn);
          LiveQuery b = live(bot, sql, botRows)) {
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  assertThat(contents(annRows)).containsExactlyInAnyOrder("mine", "his");
                  assertThat(contents(botAsAnn)).containsExactlyInAnyOrder("mine", "his");
                  assertThat(contents(botRows)).containsExactlyInAnyOrder("mine", "his");
                });

        root.update(
            "CREATE POLICY own_read ON gchat.board FOR SELECT USING (owner = CURRENT_USER())");
        root.update("INSERT INTO gchat.board VALUES (3, 'gc_ben', 'also his')");
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  assertThat(a.failure())
                      .get()
                      .extracting(TributaryException::code)
                      .isEqualTo("UNAVAILABLE");
                  assertThat(s.failure())
                      .get()
                      .extracting(TributaryException::code)
                      .isEqualTo("UNAVAILABLE");
                  assertThat(contents(botRows))
                      .containsExactlyInAnyOrder("mine", "his", "also his");
                });
        assertThat(b.failure()).isEmpty();
        assertThat(contents(annRows)).doesNotContain("also his");
        try (LiveQuery again = live(ann, sql, annRows)) {
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(() -> assertThat(contents(annRows)).containsExactly("mine"));
        }
      }
      // A user's DELETE never runs its WHERE on rows the policies hide (no DELETE policy: none).
      assertThat(ann.update("DELETE FROM gchat.board WHERE CAST(content AS INT) = 1")).isZero();
      assertThat(root.query("SELECT id FROM gchat.board").rows()).hasSize(3);
    }
  }
}
