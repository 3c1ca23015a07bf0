package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.log.LogTopics;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart keeps a STREAM table's events and their positions: a subscription resumes across it
 * from its {@code _seq}, later events get larger ones, and the start sets the stream-events
 * retention the catalog needs again.
 */
class StreamEventsRestartEndToEndTest {
  private static final ConfigResource STREAM_EVENTS =
      new ConfigResource(ConfigResource.Type.TOPIC, LogTopics.STREAM_EVENTS);

  @TempDir Path dataDir;

  private static TributaryClient login(TributaryServer server, String user, String password) {
    TributaryClient c = TributaryClient.connect("http://127.0.0.1:" + server.port());
    c.login(user, password);
    return c;
  }

  private static Admin admin(TributaryServer server) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.logBootstrapServers()));
  }

  private static String retention(Admin admin) throws Exception {
    return admin
        .describeConfigs(List.of(STREAM_EVENTS))
        .all()
        .get(30, TimeUnit.SECONDS)
        .get(STREAM_EVENTS)
        .get(TopicConfig.RETENTION_MS_CONFIG)
        .value();
  }

  @Test
  void shouldKeepStreamEventsAndResumeFromTheirSeqAcrossARestart() throws Exception {
    AtomicLong readyAt = new AtomicLong(-1);
    try (TributaryServer first = SharedServer.start(dataDir);
        TributaryClient root = login(first, "root", SharedServer.ROOT_PASSWORD)) {
      root.update(
          "CREATE NAMESPACE ser;"
              + "CREATE USER 'ser_u1' WITH PASSWORD 'ser-u1-password';"
              + "CREATE TABLE ser.typing (id BIGINT PRIMARY KEY, event TEXT)"
              + " WITH (TYPE = 'STREAM', TTL_SECONDS = 7200)");
      try (TributaryClient u1 = login(first, "ser_u1", "ser-u1-password")) {
        u1.update("INSERT INTO ser.typing VALUES (1, 'one'), (2, 'two')");
        CountDownLatch ready = new CountDownLatch(1);
        try (Subscription s =
            u1.subscribe(
                "SUBSCRIBE TO ser.typing",
                new Recorder(new CopyOnWriteArrayList<>()) {
                  @Override
                  public void onReady(long seq) {
                    readyAt.set(seq);
                    ready.countDown();
                  }
                })) {
          assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
        }
        u1.update("INSERT INTO ser.typing VALUES (3, 'three')");
      }
      try (Admin admin = admin(first)) {
        assertThat(retention(admin)).isEqualTo("7200000");
        // Changed by hand while the server runs: the next start sets it back.
        admin
            .incrementalAlterConfigs(
                Map.of(
                    STREAM_EVENTS,
                    List.of(
                        new AlterConfigOp(
                            new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "99999999"),
                            AlterConfigOp.OpType.SET))))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
    }

    try (TributaryServer second = SharedServer.start(dataDir);
        TributaryClient u1 = login(second, "ser_u1", "ser-u1-password");
        Admin admin = admin(second)) {
      assertThat(retention(admin)).isEqualTo("7200000");
      assertThat(u1.query("SELECT event FROM ser.typing ORDER BY id").rows())
          .extracting(r -> r.getString("event"))
          .containsExactly("one", "two", "three");
      u1.update("INSERT INTO ser.typing VALUES (4, 'four')");

      List<String> resumed = new CopyOnWriteArrayList<>();
      List<Long> seqs = new CopyOnWriteArrayList<>();
      try (Subscription s =
          u1.subscribe(
              "SUBSCRIBE TO ser.typing OPTIONS (from_seq = " + readyAt.get() + ")",
              new Recorder(resumed) {
                @Override
                public void onInsert(Row row, long seq) {
                  super.onInsert(row, seq);
                  seqs.add(seq);
                }
              })) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> assertThat(resumed).containsExactly("insert three", "insert four"));
        assertThat(seqs).isSorted().allMatch(seq -> seq > readyAt.get());
      }
    }
  }

  /** Records changes as "kind event". */
  private static class Recorder implements SubscriptionListener {
    private final List<String> out;

    Recorder(List<String> out) {
      this.out = out;
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
