package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.log.LogTopics;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of STREAM tables go to the stream-events topic, not to user-writes, whose retention
 * follows the largest TTL_SECONDS; subscriptions (last_rows, from_seq), purges and a restart work
 * with the STREAM rows' own {@code _seq} domain.
 */
class StreamEventsTopicEndToEndTest {
  private static final int PARTITIONS = 4; // the server default

  @TempDir static Path dataDir;
  private static TributaryServer server;
  private static TributaryClient root;
  private static TributaryClient u1;
  private static Admin admin;

  @BeforeAll
  static void start() {
    server = SharedServer.start(dataDir);
    root = connect();
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE se;"
            + "CREATE USER 'se_u1' WITH PASSWORD 'se-u1-password';"
            + "CREATE USER 'se_u2' WITH PASSWORD 'se-u2-password';"
            + "CREATE USER 'se_agent' WITH PASSWORD 'se-agent-password' ROLE service");
    u1 = login("se_u1", "se-u1-password");
    admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.logBootstrapServers()));
  }

  @AfterAll
  static void stop() {
    admin.close();
    u1.close();
    root.close();
    server.close();
  }

  private static TributaryClient connect() {
    return TributaryClient.connect("http://127.0.0.1:" + server.port());
  }

  private static TributaryClient login(String user, String password) {
    TributaryClient c = connect();
    c.login(user, password);
    return c;
  }

  private static void createStream(String name, int ttlSeconds) {
    root.update(
        "CREATE TABLE se."
            + name
            + " (id BIGINT PRIMARY KEY, event TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = "
            + ttlSeconds
            + ")");
  }

  /** The end offsets of every partition of a topic, transaction markers included. */
  private static long records(String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    long sum = 0;
    for (var info :
        admin
            .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
            .all()
            .get(30, TimeUnit.SECONDS)
            .values()) {
      sum += info.offset();
    }
    return sum;
  }

  private static Config config(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
  }

  private static long retentionMs() throws Exception {
    return Long.parseLong(
        config(LogTopics.STREAM_EVENTS).get(TopicConfig.RETENTION_MS_CONFIG).value());
  }

  @Test
  void shouldWriteEveryCommandOfAStreamTableToStreamEventsAndNoneToUserWrites() throws Exception {
    createStream("typing", 600);
    root.update("CREATE TABLE se.notes (id BIGINT PRIMARY KEY, body TEXT)");
    long userBefore = records(LogTopics.USER_WRITES);
    long streamBefore = records(LogTopics.STREAM_EVENTS);

    u1.update("INSERT INTO se.typing VALUES (1, 'typing')");
    u1.update("INSERT INTO se.typing VALUES (2, 'a'), (3, 'b')");
    u1.update("UPDATE se.typing SET event = 'thinking' WHERE id = 1");
    u1.update("DELETE FROM se.typing WHERE id = 3");
    try (TributaryClient agent = login("se_agent", "se-agent-password")) {
      agent.update("EXECUTE AS USER 'se_u1' (INSERT INTO se.typing VALUES (4, 'as u1'))");
    }

    assertThat(records(LogTopics.USER_WRITES)).isEqualTo(userBefore);
    assertThat(records(LogTopics.STREAM_EVENTS)).isEqualTo(streamBefore + 5);
    assertThat(u1.query("SELECT id, event FROM se.typing ORDER BY id").rows())
        .extracting(r -> r.getLong("id") + "=" + r.getString("event"))
        .containsExactly("1=thinking", "2=a", "4=as u1");
    // The delegated write into the STREAM table is audited like any other.
    assertThat(
            root.query("SELECT table_name FROM system.audit WHERE table_name = 'se.typing'").rows())
        .hasSize(1);

    u1.update("INSERT INTO se.notes VALUES (1, 'kept')");
    assertThat(records(LogTopics.USER_WRITES)).isEqualTo(userBefore + 1);
    assertThat(records(LogTopics.STREAM_EVENTS)).isEqualTo(streamBefore + 5);
  }

  @Test
  void shouldKeepStreamEventsForTheLargestTtlAndLowerItWhenThatTableIsDropped() throws Exception {
    assertThat(config(LogTopics.STREAM_EVENTS).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
        .isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
    assertThat(retentionMs()).isGreaterThanOrEqualTo(LogTopics.STREAM_RETENTION_FLOOR_MS);

    createStream("two_hours", 7_200);
    assertThat(retentionMs()).isEqualTo(7_200_000L);
    createStream("three_hours", 10_800);
    assertThat(retentionMs()).isEqualTo(10_800_000L);
    createStream("short", 5);
    assertThat(retentionMs()).isEqualTo(10_800_000L);

    root.update("DROP TABLE se.three_hours");
    assertThat(retentionMs()).isEqualTo(7_200_000L);
    root.update("DROP TABLE se.two_hours");
    assertThat(retentionMs()).isEqualTo(LogTopics.STREAM_RETENTION_FLOOR_MS);

    // Statements that need no larger retention make no admin call (they keep working on a cluster
    // that refuses AlterConfigs): a retention set by hand stays.
    setRetentionByHand(18_000_000L);
    try {
      root.update(
          "CREATE USER 'se_hand' WITH PASSWORD 'se-hand-password';"
              + "CREATE NAMESPACE se_hand;"
              + "CREATE TABLE se.plain (id BIGINT PRIMARY KEY)");
      createStream("within_floor", 60);
      root.update("DROP TABLE se.within_floor");
      assertThat(retentionMs()).isEqualTo(18_000_000L);
    } finally {
      setRetentionByHand(LogTopics.STREAM_RETENTION_FLOOR_MS);
    }
  }

  private static void setRetentionByHand(long retentionMs) throws Exception {
    ConfigResource resource =
        new ConfigResource(ConfigResource.Type.TOPIC, LogTopics.STREAM_EVENTS);
    admin
        .incrementalAlterConfigs(
            Map.of(
                resource,
                List.of(
                    new AlterConfigOp(
                        new ConfigEntry(
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs)),
                        AlterConfigOp.OpType.SET))))
        .all()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldServeLastRowsAndResumeASubscriptionToAStreamTableFromItsSeq() throws Exception {
    createStream("presence", 600);
    u1.update("INSERT INTO se.presence VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    List<String> first = new CopyOnWriteArrayList<>();
    AtomicLong readyAt = new AtomicLong(-1);
    CountDownLatch ready = new CountDownLatch(1);
    try (TributaryClient phone = login("se_u1", "se-u1-password");
        Subscription s =
            phone.subscribe(
                "SUBSCRIBE TO se.presence OPTIONS (last_rows = 2)",
                new Recorder(first) {
                  @Override
                  public void onReady(long seq) {
                    readyAt.set(seq);
                    ready.countDown();
                  }
                })) {
      assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(first).containsExactly("snapshot two", "snapshot three");
    }

    u1.update("INSERT INTO se.presence VALUES (4, 'four')");
    u1.update("UPDATE se.presence SET event = 'ONE' WHERE id = 1");
    List<String> resumed = new CopyOnWriteArrayList<>();
    try (TributaryClient phone = login("se_u1", "se-u1-password");
        Subscription s =
            phone.subscribe(
                "SUBSCRIBE TO se.presence OPTIONS (from_seq = " + readyAt.get() + ")",
                new Recorder(resumed))) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(resumed).containsExactly("insert four", "update ONE"));
    }
  }

  /**
   * A quiet range resumes even after stream-events was truncated past its position (nothing to
   * replay, so the log's begin offset is not checked).
   */
  @Test
  void shouldResumeAQuietRangeAfterStreamEventsWasTruncated() throws Exception {
    createStream("quiet", 600);
    Map<Integer, Long> before = ends(LogTopics.STREAM_EVENTS);
    u1.update("INSERT INTO se.quiet VALUES (1, 'one')");
    Map<Integer, Long> after = ends(LogTopics.STREAM_EVENTS);
    int p =
        after.keySet().stream().filter(k -> after.get(k) > before.get(k)).findFirst().orElseThrow();
    long quietAt = readySeq("SUBSCRIBE TO se.quiet");

    // (a) stream-events loses the range's only event; the range is quiet since: it resumes.
    truncate(LogTopics.STREAM_EVENTS, p);
    List<String> resumed = new CopyOnWriteArrayList<>();
    assertThat(readySeq("SUBSCRIBE TO se.quiet OPTIONS (from_seq = " + quietAt + ")", resumed))
        .isEqualTo(quietAt);
    assertThat(resumed).isEmpty();
  }

  /** A resume does not replay an event that expired meanwhile (issue 14). */
  @Test
  void shouldNotReplayAnEventThatExpiredBeforeTheResume() throws Exception {
    createStream("brief", 2);
    u1.update("INSERT INTO se.brief VALUES (0, 'first')");
    long position = readySeq("SUBSCRIBE TO se.brief");
    u1.update("INSERT INTO se.brief VALUES (1, 'gone soon')");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> u1.query("SELECT id FROM se.brief").rows().isEmpty());
    // The expiry step removed both events (only the range's watermark is left): their records'
    // time (which the replay counts from, a little after the accept time) is past the TTL too.
    await().atMost(Duration.ofSeconds(30)).until(() -> server.storeEntries("se", "brief") == 1);
    u1.update("INSERT INTO se.brief VALUES (2, 'alive')");
    List<String> resumed = new CopyOnWriteArrayList<>();
    try (TributaryClient phone = login("se_u1", "se-u1-password");
        Subscription s =
            phone.subscribe(
                "SUBSCRIBE TO se.brief OPTIONS (from_seq = " + position + ")",
                new Recorder(resumed))) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(resumed).contains("insert alive"));
      assertThat(resumed).doesNotContain("insert gone soon");
    }
  }

  /** Subscribes as se_u1, waits for READY and returns its _seq. */
  private static long readySeq(String sql) throws Exception {
    return readySeq(sql, new CopyOnWriteArrayList<>());
  }

  private static long readySeq(String sql, List<String> events) throws Exception {
    AtomicLong readyAt = new AtomicLong(-1);
    CountDownLatch ready = new CountDownLatch(1);
    List<TributaryException> errors = new CopyOnWriteArrayList<>();
    try (TributaryClient phone = login("se_u1", "se-u1-password");
        Subscription s =
            phone.subscribe(
                sql,
                new Recorder(events) {
                  @Override
                  public void onReady(long seq) {
                    readyAt.set(seq);
                    ready.countDown();
                  }

                  @Override
                  public void onError(TributaryException e) {
                    errors.add(e);
                    ready.countDown();
                  }
                })) {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(errors).isEmpty();
      return readyAt.get();
    }
  }

  /** The last stable offset of every partition of a topic. */
  private static Map<Integer, Long> ends(String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<Integer, Long> out = new HashMap<>();
    admin
        .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> out.put(tp.partition(), info.offset()));
    return out;
  }

  /** Deletes the committed records of one partition, as retention would. */
  private static void truncate(String topic, int partition) throws Exception {
    long end = ends(topic).get(partition);
    admin
        .deleteRecords(
            Map.of(new TopicPartition(topic, partition), RecordsToDelete.beforeOffset(end)))
        .all()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldPurgeTheStreamRowsOfADroppedUserAndOfADroppedTable() {
    createStream("gone", 600);
    try (TributaryClient u2 = login("se_u2", "se-u2-password")) {
      u2.update("INSERT INTO se.gone VALUES (1, 'u2 a'), (2, 'u2 b')");
    }
    u1.update("INSERT INTO se.gone VALUES (1, 'u1 a')");
    // Three rows, three expiry index entries, two watermarks.
    assertThat(server.storeEntries("se", "gone")).isEqualTo(8);

    root.update("DROP USER 'se_u2'");
    // u2's rows and watermark go; their index entries stay until the expiry passes them.
    await().atMost(Duration.ofSeconds(20)).until(() -> server.storeEntries("se", "gone") == 5);
    assertThat(u1.query("SELECT event FROM se.gone").rows())
        .extracting(r -> r.getString("event"))
        .containsExactly("u1 a");
  }

  /** Records snapshot rows and changes as "kind event". */
  private static class Recorder implements SubscriptionListener {
    private final List<String> out;

    Recorder(List<String> out) {
      this.out = out;
    }

    @Override
    public void onSnapshot(List<Row> rows, boolean last) {
      rows.forEach(r -> out.add("snapshot " + r.getString("event")));
    }

    @Override
    public void onInsert(Row row, long seq) {
      out.add("insert " + row.getString("event"));
    }

    @Override
    public void onUpdate(Row oldRow, Row newRow, long seq) {
      out.add("update " + newRow.getString("event"));
    }

    @Override
    public void onDelete(Row row, long seq) {
      out.add("delete " + row.getString("event"));
    }
  }
}
