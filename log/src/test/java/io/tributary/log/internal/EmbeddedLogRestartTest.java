package io.tributary.log.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.log.Log;
import io.tributary.log.Log.State;
import io.tributary.log.LogConfig;
import io.tributary.log.LogException;
import io.tributary.log.LogPosition;
import io.tributary.log.TestClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart on the same directory, then a fatal broker fault on the restarted broker. Ordered so the
 * class starts a broker only twice (a start costs seconds).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedLogRestartTest {
  @TempDir static Path dataDir;
  private static Log restarted;
  private static Exit.Procedure originalHalt;
  private static final List<Integer> haltsSeenOutsideTheLog = new ArrayList<>();

  @BeforeAll
  static void installRecordingHalt() {
    originalHalt = ExitInterceptor.currentHaltProcedure();
    Exit.setHaltProcedure((status, message) -> haltsSeenOutsideTheLog.add(status));
  }

  @AfterAll
  static void restoreHalt() {
    if (restarted != null) {
      restarted.close();
    }
    Exit.setHaltProcedure(originalHalt);
  }

  @Test
  @Order(1)
  void shouldKeepDataAndClusterIdAcrossRestart() throws Exception {
    Path meta = dataDir.resolve("kafka").resolve("meta.properties");
    String clusterId;
    String firstBootstrap;
    List<LogPosition> before = new ArrayList<>();
    try (Log first = Log.open(LogConfig.embedded(dataDir))) {
      first.start();
      clusterId = first.clusterId();
      firstBootstrap = first.bootstrapServers();
      for (int i = 0; i < 3; i++) {
        before.add(
            first
                .writer()
                .append(first.topics().userWrites(), 0, null, ("before-" + i).getBytes(UTF_8))
                .get(30, TimeUnit.SECONDS));
      }
      first.close();
      assertThat(first.state()).isEqualTo(State.STOPPED);
    }
    String metaBefore = Files.readString(meta);

    restarted = Log.open(LogConfig.embedded(dataDir).withDurableWrites(false));
    restarted.start();

    assertThat(restarted.clusterId()).isEqualTo(clusterId);
    // The restart binds the previous start's port again (it is free), so metadata the node kept
    // about its own endpoint stays true.
    assertThat(restarted.bootstrapServers()).isEqualTo(firstBootstrap);
    assertThat(Files.readString(meta)).isEqualTo(metaBefore);
    List<ConsumerRecord<byte[], byte[]>> records =
        TestClients.read(restarted, new TopicPartition(restarted.topics().userWrites(), 0), 3);
    assertThat(records)
        .extracting(r -> new String(r.value(), UTF_8))
        .containsExactly("before-0", "before-1", "before-2");
    LogPosition after =
        restarted
            .writer()
            .append(restarted.topics().userWrites(), 0, null, "after".getBytes(UTF_8))
            .get(30, TimeUnit.SECONDS);
    assertThat(after.offset()).isEqualTo(before.get(2).offset() + 1);
    try (Admin admin = TestClients.admin(restarted)) {
      ConfigResource userWrites =
          new ConfigResource(ConfigResource.Type.TOPIC, restarted.topics().userWrites());
      ConfigEntry flush =
          admin
              .describeConfigs(List.of(userWrites))
              .all()
              .get(30, TimeUnit.SECONDS)
              .get(userWrites)
              .get("flush.messages");
      assertThat(flush.value()).isNotEqualTo("1");
      assertThat(flush.source()).isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }
  }

  @Test
  @Order(2)
  void shouldMarkLogFailedInsteadOfHaltingOnFatalBrokerFault() {
    assertThat(restarted.state()).isEqualTo(State.RUNNING);
    assertThat(ExitInterceptor.isInstalled()).isTrue();

    // What Kafka's ProcessTerminatingFaultHandler does on a fatal metadata fault.
    Exit.halt(1, "simulated fatal fault");

    assertThat(haltsSeenOutsideTheLog).isEmpty();
    assertThat(restarted.state()).isEqualTo(State.FAILED);
    assertThat(restarted.failure())
        .get()
        .extracting(Throwable::getMessage)
        .isEqualTo(
            "Cannot keep the embedded broker running: it hit a fatal fault and requested a JVM"
                + " halt with status 1 (simulated fatal fault); close the log");
    assertThatThrownBy(
            () -> restarted.writer().append(restarted.topics().userWrites(), null, null).join())
        .cause()
        .isInstanceOf(LogException.class)
        .hasMessageStartingWith(
            "Cannot append to _tributary.user-writes: the log is FAILED: Cannot keep the"
                + " embedded broker running");

    restarted.close();

    assertThat(restarted.state()).isEqualTo(State.STOPPED);
    assertThat(ExitInterceptor.isInstalled()).isFalse();
    Exit.halt(7, "after close");
    assertThat(haltsSeenOutsideTheLog).containsExactly(7);
  }
}
