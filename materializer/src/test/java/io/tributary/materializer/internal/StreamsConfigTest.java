package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.CommandWriter;
import io.tributary.log.Log;
import io.tributary.log.LogException;
import io.tributary.log.LogReader;
import io.tributary.log.LogTopics;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsConfigTest {
  @Test
  void shouldRunExactlyOnceWithoutCacheOnTheLogsClientSettings() {
    MaterializerImpl materializer =
        new MaterializerImpl(
            new ConfigOnlyLog(),
            Path.of("/var/tributary/streams"),
            TestTables.catalog(),
            ApplyListener.NONE,
            ChangeListener.NONE,
            Time.SYSTEM,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1));

    StreamsConfig config = new StreamsConfig(materializer.streamsConfig());

    assertThat(config.getString(StreamsConfig.APPLICATION_ID_CONFIG))
        .isEqualTo("tributary-materializer");
    assertThat(config.getList(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG))
        .containsExactly("127.0.0.1:9999");
    assertThat(config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .isEqualTo("exactly_once_v2");
    assertThat(config.getString(StreamsConfig.STATE_DIR_CONFIG))
        .isEqualTo("/var/tributary/streams");
    assertThat(config.getInt(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(1);
    assertThat(config.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100L);
    assertThat(config.getLong(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)).isZero();
    assertThat(config.getInt(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(-1);
    assertThat(config.getString(StreamsConfig.GROUP_PROTOCOL_CONFIG)).isEqualTo("classic");
    Map<String, Object> consumer = config.getMainConsumerConfigs("group", "client", 0);
    assertThat(consumer.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_committed");
    assertThat(consumer.get("security.protocol")).isEqualTo("PLAINTEXT");
    Map<String, Object> producer = config.getProducerConfigs("client");
    assertThat(producer.get(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo(1);
  }

  /** A log that only answers the questions the Streams configuration asks. */
  private static final class ConfigOnlyLog implements Log {
    @Override
    public void start() {}

    @Override
    public String bootstrapServers() {
      return "127.0.0.1:9999";
    }

    @Override
    public LogTopics topics() {
      return LogTopics.withPartitions(4);
    }

    @Override
    public CommandWriter writer() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, Object> clientConfig() {
      return Map.of("bootstrap.servers", "127.0.0.1:9999", "security.protocol", "PLAINTEXT");
    }

    @Override
    public String clusterId() {
      return "test";
    }

    @Override
    public LogReader openReader(String topic, int partition) {
      throw new UnsupportedOperationException("this test reads no topic");
    }

    @Override
    public io.tributary.log.TopicAdmin topicAdmin() {
      throw new UnsupportedOperationException("this test administers no topic");
    }

    @Override
    public io.tributary.log.GroupConsumer joinGroup(
        String group, String topic, io.tributary.log.GroupConsumer.Start start, long offset) {
      throw new UnsupportedOperationException("this test joins no group");
    }

    @Override
    public State state() {
      return State.RUNNING;
    }

    @Override
    public Optional<LogException> failure() {
      return Optional.empty();
    }

    @Override
    public void close() {}
  }
}
