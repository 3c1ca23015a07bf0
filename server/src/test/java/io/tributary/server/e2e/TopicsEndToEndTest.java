package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.client.ErrorCode;
import io.tributary.client.Row;
import io.tributary.client.StatementResult;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Topics, CONSUME, ACK and RESET CONSUMER GROUP over gRPC against the embedded broker: changes of a
 * source table are routed into a real Kafka topic and read through real consumer groups.
 */
class TopicsEndToEndTest {
  private static TributaryClient root;
  private static TributaryClient agent;
  private static TributaryClient alice;
  private static TributaryClient bob;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE tp;"
            + "CREATE TABLE tp.messages (id BIGINT PRIMARY KEY, conversation_id BIGINT, role TEXT,"
            + " content TEXT) WITH (TYPE = 'USER');"
            + "CREATE USER 'tp_agent' WITH PASSWORD 'agent-password' ROLE service;"
            + "CREATE USER 'tp_alice' WITH PASSWORD 'alice-password';"
            + "CREATE USER 'tp_bob' WITH PASSWORD 'bob-password';"
            + "CREATE TOPIC tp.inbox PARTITIONS 2;"
            + "ALTER TOPIC tp.inbox ADD SOURCE tp.messages ON INSERT WHERE role = 'user'");
    agent = login("tp_agent", "agent-password");
    alice = login("tp_alice", "alice-password");
    bob = login("tp_bob", "bob-password");
    alice.update(
        "INSERT INTO tp.messages VALUES (1, 1, 'user', 'hi'), (2, 1, 'user', 'there'),"
            + " (3, 1, 'assistant', 'not routed')");
    bob.update("INSERT INTO tp.messages VALUES (10, 7, 'user', 'hello from bob')");
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient c = TributaryClient.connect(SharedServer.url());
    c.login(user, password);
    return c;
  }

  @AfterAll
  static void tearDown() {
    for (TributaryClient c : List.of(agent, alice, bob, root)) {
      c.close();
    }
  }

  private static List<Row> consume(TributaryClient client, String sql) {
    return client.query(sql).rows();
  }

  private static List<Row> awaitRecords(TributaryClient client, String sql, int count) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> consume(client, sql), rows -> rows.size() == count);
  }

  @Test
  void shouldRouteMatchingInsertsIntoTheTopicAndLetAServiceReadEveryUsersRecords() {
    List<Row> rows = awaitRecords(agent, "CONSUME FROM tp.inbox", 3);
    assertThat(rows).extracting(r -> r.getString("owner")).containsOnly("tp_alice", "tp_bob");
    assertThat(rows).extracting(r -> r.getString("operation")).containsOnly("INSERT");
    assertThat(rows).extracting(r -> r.getString("table")).containsOnly("tp.messages");
    assertThat(rows)
        .extracting(r -> r.getString("row"))
        .anySatisfy(row -> assertThat(row).contains("\"content\":\"hi\""))
        .noneSatisfy(row -> assertThat(row).contains("not routed"));
    assertThat(rows).allSatisfy(r -> assertThat(r.getLong("_seq")).isNotNegative());
    assertThat(rows).allSatisfy(r -> assertThat(r.getInstant("timestamp")).isNotNull());
    // one owner's records stay in one partition, in order
    List<Row> alices = rows.stream().filter(r -> r.getString("owner").equals("tp_alice")).toList();
    assertThat(alices)
        .extracting(r -> r.getInteger("partition"))
        .containsOnly(alices.get(0).getInteger("partition"));
    assertThat(alices).extracting(r -> r.getString("row")).first().asString().contains("\"hi\"");
  }

  @Test
  void shouldLetAUserConsumeOnlyTheirOwnRecords() {
    List<Row> rows = awaitRecords(alice, "CONSUME FROM tp.inbox", 2);
    assertThat(rows).extracting(r -> r.getString("owner")).containsOnly("tp_alice");
    assertThat(consume(bob, "CONSUME FROM tp.messages"))
        .extracting(r -> r.getString("owner"))
        .containsOnly("tp_bob");
  }

  @Test
  void shouldReadATablesChangeFeedWithAFilter() {
    List<Row> rows =
        awaitRecords(agent, "CONSUME FROM tp.messages WHERE conversation_id = 1 LIMIT 10", 3);
    assertThat(rows).extracting(r -> r.getString("owner")).containsOnly("tp_alice");
    assertThat(rows)
        .extracting(r -> r.getString("row"))
        .anySatisfy(row -> assertThat(row).contains("not routed"));
  }

  @Test
  void shouldRedeliverUntilAckedAndMoveTheCommittedOffsetOnAckAndReset() {
    List<Row> first = awaitRecords(agent, "CONSUME FROM tp.inbox GROUP 'acks'", 3);
    // nothing was acked: the group delivers the same records again
    assertThat(consume(agent, "CONSUME FROM tp.inbox GROUP 'acks'")).hasSize(3);
    // three records unacknowledged (lag also counts transaction markers)
    assertThat(offsets("acks").values().stream().mapToLong(Long::longValue).sum())
        .isGreaterThanOrEqualTo(3);

    Map<Integer, Long> last = new TreeMap<>();
    for (Row r : first) {
      last.merge(r.getInteger("partition"), r.getLong("offset"), Math::max);
    }
    for (Map.Entry<Integer, Long> e : last.entrySet()) {
      agent.update(
          "ACK tp.inbox GROUP 'acks' PARTITION " + e.getKey() + " UPTO OFFSET " + e.getValue());
    }
    assertThat(consume(agent, "CONSUME FROM tp.inbox GROUP 'acks'")).isEmpty();
    assertThat(committed("acks")).isNotEmpty();

    agent.update("RESET CONSUMER GROUP 'acks' ON tp.inbox TO EARLIEST");
    assertThat(consume(agent, "CONSUME FROM tp.inbox GROUP 'acks' LIMIT 2")).hasSize(2);
    assertThat(committed("acks")).allSatisfy((p, offset) -> assertThat(offset).isZero());
  }

  /** Partition to lag of a group on tp.inbox, from system.consumer_offsets. */
  private static Map<Integer, Long> offsets(String group) {
    return column(group, "lag");
  }

  private static Map<Integer, Long> committed(String group) {
    return column(group, "committed_offset");
  }

  private static Map<Integer, Long> column(String group, String column) {
    Map<Integer, Long> out = new TreeMap<>();
    for (Row r : agent.query("SELECT * FROM system.consumer_offsets").rows()) {
      if (r.getString("group").equals(group) && r.getString("topic").equals("tp.inbox")) {
        out.put(r.getInteger("partition"), r.getLong(column));
      }
    }
    return out;
  }

  @Test
  void shouldListTopics() {
    assertThat(root.query("SHOW TOPICS IN tp").rows())
        .filteredOn(r -> r.getString("topic").equals("inbox"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getString("topic")).isEqualTo("inbox");
              assertThat(r.getInteger("partitions")).isEqualTo(2);
              assertThat(r.getString("sources"))
                  .isEqualTo("tp.messages ON INSERT WHERE `role` = 'user' WITH (payload = 'full')");
            });
    assertThat(agent.query("SELECT name, partitions FROM system.topics").rows())
        .extracting(r -> r.getString("name"))
        .contains("inbox");
  }

  @Test
  void shouldRefuseWithCodedErrors() {
    awaitRecords(agent, "CONSUME FROM tp.inbox GROUP 'errs'", 3);
    assertFails(
        agent,
        "ACK tp.inbox GROUP 'errs' PARTITION 0 UPTO OFFSET 1000000",
        ErrorCode.OFFSET_OUT_OF_RANGE,
        "Cannot ack tp.inbox: offset 1000000 is beyond the end of partition 0");
    assertFails(
        agent,
        "ACK tp.inbox GROUP 'never' UPTO OFFSET 0",
        ErrorCode.CONSUMER_GROUP_NOT_FOUND,
        "Cannot ack tp.inbox: consumer group never has never consumed it");
    assertFails(
        agent,
        "RESET CONSUMER GROUP 'never' ON tp.inbox TO 0",
        ErrorCode.CONSUMER_GROUP_NOT_FOUND,
        "Cannot reset consumer group never on tp.inbox: consumer group never has never consumed"
            + " it");
    assertFails(
        agent,
        "CONSUME FROM tp.nope",
        ErrorCode.TOPIC_NOT_FOUND,
        "Cannot consume tp.nope: no topic or table has that name");
    assertFails(
        alice,
        "EXECUTE AS USER 'tp_bob' (CONSUME FROM tp.inbox)",
        ErrorCode.PERMISSION_DENIED,
        "only roles service, dba and system may act for other users");
    assertFails(
        root,
        "ALTER TOPIC tp.inbox ADD SOURCE tp.nope ON INSERT",
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot alter topic tp.inbox: source table tp.nope does not exist");
    assertFails(
        root,
        "CREATE TOPIC tp.other; ALTER TOPIC tp.other ADD SOURCE tp.messages ON DELETE WITH"
            + " (payload = 'everything')",
        ErrorCode.INVALID_DEFINITION,
        "payload must be 'key', 'full' or 'diff', not 'everything'");
    assertFails(
        alice,
        "CREATE TOPIC tp.mine",
        ErrorCode.PERMISSION_DENIED,
        "Cannot create topic tp.mine: role user may not change the catalog");
  }

  @Test
  void shouldRouteKeyAndDiffPayloadsAndDropATopic() {
    root.update(
        "CREATE TABLE tp.notes (id BIGINT PRIMARY KEY, content TEXT) WITH (TYPE = 'USER');"
            + "CREATE TOPIC tp.edits PARTITIONS 1;"
            + "ALTER TOPIC tp.edits ADD SOURCE tp.notes ON UPDATE, DELETE WITH (payload ="
            + " 'diff');"
            + "CREATE TOPIC tp.keys PARTITIONS 1;"
            + "ALTER TOPIC tp.keys ADD SOURCE tp.notes ON DELETE WITH (payload = 'key')");
    bob.update("INSERT INTO tp.notes VALUES (20, 'draft')");
    bob.update("UPDATE tp.notes SET content = 'final' WHERE id = 20");
    bob.update("DELETE FROM tp.notes WHERE id = 20");
    List<Row> edits = awaitRecords(agent, "CONSUME FROM tp.edits", 2);
    assertThat(edits).extracting(r -> r.getString("operation")).containsExactly("UPDATE", "DELETE");
    assertThat(edits.get(0).getString("old_row")).contains("\"draft\"");
    assertThat(edits.get(0).getString("row")).contains("\"final\"");
    assertThat(edits.get(1).getString("row")).isNull();
    assertThat(edits.get(1).getString("old_row")).contains("\"final\"");
    assertThat(edits.get(0).getLong("_seq")).isLessThan(edits.get(1).getLong("_seq"));
    List<Row> keys = awaitRecords(agent, "CONSUME FROM tp.keys", 1);
    assertThat(keys.get(0).getString("row")).isEqualTo("{\"id\":20}");

    root.update("DROP TOPIC tp.keys");
    assertFails(
        agent,
        "CONSUME FROM tp.keys",
        ErrorCode.TOPIC_NOT_FOUND,
        "Cannot consume tp.keys: no topic or table has that name");
  }

  @Test
  void shouldRefuseAnAckWithoutPartitionOnATopicWithSeveralPartitions() {
    awaitRecords(agent, "CONSUME FROM tp.inbox GROUP 'nopart'", 3);
    assertFails(
        agent,
        "ACK tp.inbox GROUP 'nopart' UPTO OFFSET 0",
        ErrorCode.INVALID_ARGUMENT,
        "Cannot ack tp.inbox: it has 2 partitions and an offset belongs to one of them; name it"
            + " with PARTITION p");
    // nothing was committed: every record is still the group's
    assertThat(consume(agent, "CONSUME FROM tp.inbox GROUP 'nopart'")).hasSize(3);
  }

  @Test
  void shouldRefuseToConsumeFromAnOffsetBeyondAPartitionsEnd() {
    awaitRecords(agent, "CONSUME FROM tp.inbox GROUP 'far-probe'", 3);
    for (String sql :
        List.of(
            "CONSUME FROM tp.inbox FROM 1000000",
            "CONSUME FROM tp.inbox GROUP 'far' FROM 1000000")) {
      assertFails(
          agent,
          sql,
          ErrorCode.OFFSET_OUT_OF_RANGE,
          "Cannot consume tp.inbox: offset 1000000 is beyond the end of partition 0");
    }
    // the refused group never started: it reads from EARLIEST when it does
    assertThat(consume(agent, "CONSUME FROM tp.inbox GROUP 'far'")).hasSize(3);
  }

  @Test
  void shouldLetAServiceAckAGroupItConsumedAsAUser() {
    List<Row> first =
        awaitRecords(agent, "EXECUTE AS USER 'tp_alice' (CONSUME FROM tp.inbox GROUP 'mine')", 2);
    for (Row r : first) {
      agent.update(
          "EXECUTE AS USER 'tp_alice' (ACK tp.inbox GROUP 'mine' PARTITION "
              + r.getInteger("partition")
              + " UPTO OFFSET "
              + r.getLong("offset")
              + ")");
    }
    assertThat(consume(agent, "EXECUTE AS USER 'tp_alice' (CONSUME FROM tp.inbox GROUP 'mine')"))
        .isEmpty();
    // the group is alice's own: she sees it acked too
    assertThat(consume(alice, "CONSUME FROM tp.inbox GROUP 'mine'")).isEmpty();
  }

  @Test
  void shouldTreatAConsumeFilterThatFailsOnARecordAsNoMatch() {
    // id 1 divides by zero: that record does not match, the others still do
    List<Row> rows =
        awaitRecords(agent, "CONSUME FROM tp.inbox WHERE 10 / (id - 1) > 0 LIMIT 1000", 2);
    assertThat(rows)
        .extracting(r -> r.getString("row"))
        .noneMatch(row -> row.contains("\"id\":1,"));
    List<Row> grouped =
        awaitRecords(agent, "CONSUME FROM tp.inbox WHERE 10 / (id - 1) > 0 GROUP 'div'", 2);
    assertThat(grouped).hasSize(2);
  }

  private static void assertFails(
      TributaryClient client, String sql, ErrorCode code, String message) {
    assertThatThrownBy(
            () ->
                client.execute(sql).stream()
                    .map(StatementResult::error)
                    .flatMap(Optional::stream)
                    .findFirst()
                    .ifPresent(
                        e -> {
                          throw e;
                        }))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.errorCode()).isEqualTo(code))
        .hasMessageContaining(message);
  }
}
