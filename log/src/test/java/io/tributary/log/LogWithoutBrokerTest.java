package io.tributary.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.log.Log.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle, configuration and layout rules that need no broker. */
class LogWithoutBrokerTest {
  @TempDir Path dataDir;

  @Test
  void shouldOpenWithoutStarting() {
    Log log = Log.open(LogConfig.embedded(dataDir));

    assertThat(log.state()).isEqualTo(State.NEW);
    assertThat(log.failure()).isEmpty();
    assertThat(log.topics().partitions()).isEqualTo(LogConfig.DEFAULT_PARTITIONS);
    assertThat(dataDir.resolve("kafka")).doesNotExist();
  }

  @Test
  void shouldRefuseRunningOnlyAccessorsBeforeStart() {
    Log log = Log.open(LogConfig.embedded(dataDir));

    assertThatThrownBy(log::bootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot read bootstrap servers: log is NEW, valid once RUNNING");
    assertThatThrownBy(log::writer)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot use the writer: log is NEW, valid once RUNNING");
    assertThatThrownBy(log::clientConfig)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot read client config: log is NEW, valid once RUNNING");
    assertThatThrownBy(log::clusterId)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot read cluster id: log is NEW, valid once RUNNING");
    assertThatThrownBy(() -> log.openReader(log.topics().catalog(), 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot open a reader: log is NEW, valid once RUNNING");
  }

  @Test
  void shouldStopFromNewAndRefuseToStartAfterwards() {
    Log log = Log.open(LogConfig.embedded(dataDir));

    log.close();

    assertThat(log.state()).isEqualTo(State.STOPPED);
    assertThatThrownBy(log::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot transition log from STOPPED to STARTING");
    log.close(); // idempotent
    assertThat(log.state()).isEqualTo(State.STOPPED);
  }

  @Test
  void shouldFailToStartAgainstUnreachableCluster() {
    Log log = Log.open(LogConfig.external("127.0.0.1:1").withStartTimeout(Duration.ofMillis(1500)));

    assertThatThrownBy(log::start)
        .isInstanceOf(LogException.class)
        .hasMessageStartingWith("Cannot connect to 127.0.0.1:1: ");
    assertThat(log.state()).isEqualTo(State.FAILED);
    assertThat(log.failure()).isPresent();

    log.close();
    assertThat(log.state()).isEqualTo(State.STOPPED);
    assertThat(log.failure()).isPresent();
  }

  @Test
  void shouldDefineLegalTransitions() {
    assertThat(State.NEW.isValidTransition(State.STARTING)).isTrue();
    assertThat(State.NEW.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.STARTING.isValidTransition(State.RUNNING)).isTrue();
    assertThat(State.RUNNING.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.STOPPING.isValidTransition(State.STOPPED)).isTrue();
    assertThat(State.FAILED.isValidTransition(State.STOPPING)).isTrue();
    for (State s : new State[] {State.NEW, State.STARTING, State.RUNNING, State.STOPPING}) {
      assertThat(s.isValidTransition(State.FAILED)).as("%s -> FAILED", s).isTrue();
    }
    for (State s : State.values()) {
      assertThat(State.STOPPED.isValidTransition(s)).as("STOPPED -> %s", s).isFalse();
      assertThat(s.isValidTransition(State.NEW)).as("%s -> NEW", s).isFalse();
    }
    assertThat(State.RUNNING.isValidTransition(State.STARTING)).isFalse();
    assertThat(State.STARTING.isValidTransition(State.STOPPING)).isFalse();
    assertThat(State.FAILED.isValidTransition(State.RUNNING)).isFalse();
  }

  @Test
  void shouldValidateConfiguration() {
    LogConfig embedded = LogConfig.embedded(dataDir);

    assertThat(embedded.isEmbedded()).isTrue();
    assertThat(embedded.durableWrites()).isTrue();
    assertThat(embedded.brokerDir()).contains(dataDir.toAbsolutePath().resolve("kafka"));
    assertThat(embedded.withPartitions(8).withDurableWrites(false).partitions()).isEqualTo(8);
    assertThat(embedded.withDurableWrites(false).durableWrites()).isFalse();
    assertThat(LogConfig.external("k1:9092").isEmbedded()).isFalse();
    assertThat(LogConfig.external(" k1:9092 ").externalBootstrapServers()).contains("k1:9092");

    assertThatThrownBy(() -> embedded.withPartitions(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use 0 partitions: must be at least 1");
    assertThatThrownBy(() -> LogConfig.external(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use blank bootstrap servers");
    assertThatThrownBy(() -> embedded.withBrokerProperty("listeners", "PLAINTEXT://:9092"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot override broker property listeners: the embedded broker manages it");
    assertThatThrownBy(() -> LogConfig.external("k1:9092").withBrokerProperty("a", "b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot set broker property a: the log is external");
    assertThatThrownBy(() -> embedded.withWriterProperty("acks", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot override writer property acks: the writer's contract depends on it");
    assertThatThrownBy(() -> embedded.withStartTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use start timeout PT0S: not positive");
  }

  @Test
  void shouldKeepSecretsOutOfToString() {
    LogConfig config =
        LogConfig.external("k1:9092").withClientProperty("sasl.jaas.config", "password=hunter2");

    assertThat(config.toString()).contains("sasl.jaas.config").doesNotContain("hunter2");
  }

  @Test
  void shouldNameInternalTopics() {
    LogTopics topics = LogTopics.withPartitions(6);

    assertThat(topics.all())
        .containsExactly(
            "_tributary.catalog",
            "_tributary.user-writes",
            "_tributary.shared-writes",
            "_tributary.stream-events",
            "_tributary.changes");
    assertThat(topics.all()).allMatch(LogTopics::isInternal);
    assertThat(topics.partitionsOf(topics.catalog())).isEqualTo(1);
    assertThat(topics.partitionsOf(topics.changes())).isEqualTo(6);
    assertThat(topics.isCommandTopic(topics.streamEvents())).isTrue();
    assertThat(topics.isCommandTopic(topics.changes())).isFalse();
    assertThat(LogTopics.isInternal("orders")).isFalse();
    assertThatThrownBy(() -> topics.partitionsOf("orders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot find internal topic orders: expected one of ");
  }

  @Test
  void shouldRouteEveryCommandToItsTopicKeyAndPartition() {
    LogTopics topics = LogTopics.withPartitions(6);

    LogRoute user = topics.userWrite("u7");
    assertThat(user.topic()).isEqualTo("_tributary.user-writes");
    assertThat(user.key()).isEqualTo(LogKeys.userKey("u7"));
    assertThat(user.partition()).isEqualTo(LogKeys.partition(LogKeys.userKey("u7"), 6));

    LogRoute shared = topics.sharedWrite(9);
    assertThat(shared.topic()).isEqualTo("_tributary.shared-writes");
    assertThat(shared.key()).isEqualTo(LogKeys.sharedKey(9));
    assertThat(shared.partition()).isEqualTo(LogKeys.partition(LogKeys.sharedKey(9), 6));

    LogRoute catalog = topics.catalogRecord(new byte[] {1, 2});
    assertThat(catalog.topic()).isEqualTo("_tributary.catalog");
    assertThat(catalog.partition()).isZero();
    assertThat(catalog.key()).containsExactly(1, 2);

    assertThat(topics.everyPartition(topics.userWrites(), 9))
        .extracting(LogRoute::partition)
        .containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(topics.everyPartition(topics.userWrites(), 9))
        .allSatisfy(r -> assertThat(r.key()).isEqualTo(LogKeys.sharedKey(9)))
        .allSatisfy(r -> assertThat(r.topic()).isEqualTo("_tributary.user-writes"));
  }

  @Test
  void shouldSpreadAPartitionedSharedTableOverEveryPartitionByKeyValue() {
    LogTopics topics = LogTopics.withPartitions(6);

    LogRoute one = topics.sharedWrite(9, "7");
    assertThat(one.topic()).isEqualTo("_tributary.shared-writes");
    assertThat(one.key()).isEqualTo(LogKeys.sharedKey(9, "7"));
    assertThat(one.key()).startsWith(LogKeys.sharedKey(9));
    assertThat(one.partition()).isEqualTo(LogKeys.partition(LogKeys.sharedKey(9, "7"), 6));
    assertThat(topics.sharedWrite(9, "7").partition()).isEqualTo(one.partition());
    assertThat(topics.sharedWrite(9, null).key()).isEqualTo(LogKeys.sharedKey(9));

    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (int value = 0; value < 100; value++) {
      used.add(topics.sharedWrite(9, Integer.toString(value)).partition());
    }
    assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
  }

  @Test
  void shouldRouteStreamEventsLikeTheOwnersUserWrites() {
    LogTopics topics = LogTopics.withPartitions(6);

    for (String owner : List.of("u1", "u2", "alice", "bob", "")) {
      LogRoute stream = topics.streamWrite(owner);
      assertThat(stream.topic()).isEqualTo("_tributary.stream-events");
      assertThat(stream.partition()).isEqualTo(topics.userWrite(owner).partition());
      assertThat(stream.key()).isEqualTo(LogKeys.userKey(owner));
    }
    assertThat(topics.everyPartition(topics.streamEvents(), 9))
        .hasSize(6)
        .allSatisfy(r -> assertThat(r.topic()).isEqualTo("_tributary.stream-events"));
  }

  @Test
  void shouldKeepStreamEventsForTheLargestTtlButAtLeastAnHour() {
    assertThat(LogTopics.streamEventsRetentionMs(0)).isEqualTo(3_600_000L);
    assertThat(LogTopics.streamEventsRetentionMs(10_000)).isEqualTo(3_600_000L);
    assertThat(LogTopics.streamEventsRetentionMs(7_200_000)).isEqualTo(7_200_000L);
  }

  @Test
  void shouldRefuseToRouteToEveryPartitionOfANonWriteTopic() {
    LogTopics topics = LogTopics.withPartitions(6);

    assertThatThrownBy(() -> topics.everyPartition(topics.changes(), 9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot route to every partition of _tributary.changes: expected"
                + " _tributary.user-writes, _tributary.shared-writes or _tributary.stream-events");
    assertThatThrownBy(() -> new LogRoute("t", -1, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use partition -1: must be >= 0");
  }
}
