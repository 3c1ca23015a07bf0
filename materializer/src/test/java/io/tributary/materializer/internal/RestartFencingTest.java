package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.materializer.ApplyListener;
import io.tributary.materializer.ChangeListener;
import io.tributary.materializer.Materializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's restart stall: a restart must fence the transaction its killed predecessor left open,
 * which only a producer with the same {@code transactional.id} (application id, Kafka Streams'
 * process id, thread number) can do at once. Under another process id the new run's offset fetch is
 * answered {@code UNSTABLE_OFFSET_COMMIT} until that transaction times out.
 */
class RestartFencingTest {
  /** Far above a start on a loaded machine (about 10 s), far below the open transaction's life. */
  private static final Duration START_BOUND = Duration.ofSeconds(60);

  /**
   * The crashed producer's transaction outlives any start wait, so that a restart under another
   * process id shows as a failed start. (Kafka Streams' own producers use 10 s: a real restart
   * under another id waits about 20 s for the broker to abort the transaction.)
   */
  private static final int OPEN_TRANSACTION_TIMEOUT_MS = 600_000;

  @TempDir Path dir;

  @Test
  void shouldWriteTheProcessIdDurablyInKafkaStreamsFormatAndKeepIt() throws Exception {
    Path stateDir = dir.resolve("streams");
    String instance = DurableIds.instanceId(stateDir, "instance.id", "app");
    assertThat(instance).startsWith("app-");
    assertThat(DurableIds.instanceId(stateDir, "instance.id", "app")).isEqualTo(instance);

    UUID id = DurableIds.processId(stateDir, "app", instance);
    Path file = stateDir.resolve("app").resolve(DurableIds.PROCESS_FILE);
    // Kafka Streams' Jackson mapper reads {"processId":"<uuid>"} (StateDirectoryProcessFile).
    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .isEqualTo("{\"processId\":\"" + id + "\"}");
    assertThat(id).isEqualTo(DurableIds.derivedProcessId(instance));
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(DurableIds.processId(stateDir, "app", instance)).isEqualTo(id);

    // Lost or damaged (a power loss after an unsynced write): the same id again.
    Files.writeString(file, "");
    assertThat(DurableIds.processId(stateDir, "app", instance)).isEqualTo(id);
    Files.delete(file);
    assertThat(DurableIds.processId(stateDir, "app", instance)).isEqualTo(id);

    // A process file Kafka Streams wrote itself (a data directory of an earlier release) is kept.
    UUID streams = UUID.randomUUID();
    Files.writeString(file, "{\"processId\":\"" + streams + "\",\"newerField\":1}");
    assertThat(DurableIds.processId(stateDir, "app", instance)).isEqualTo(streams);
    assertThat(DurableIds.readProcessId(file)).isEqualTo(Optional.of(streams));
    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .isEqualTo("{\"processId\":\"" + streams + "\"}");
  }

  @Test
  void shouldFenceTheKilledRunsOpenTransactionAndStartPromptlyEvenIfItsProcessFileWasLost()
      throws Exception {
    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withDurableWrites(false))) {
      log.start();
      Path stateDir = dir.resolve("streams");

      UUID first;
      try (MaterializerImpl materializer = materializer(log, stateDir)) {
        materializer.start();
        first = materializer.processId();
        assertThat(streamThreadNames()).anyMatch(n -> n.contains(first.toString()));
      }
      Path processFile =
          stateDir.resolve(MaterializerImpl.APPLICATION_ID).resolve(DurableIds.PROCESS_FILE);
      assertThat(DurableIds.readProcessId(processFile)).contains(first);

      // The killed run: its stream thread's producer had a transaction open that carries the
      // group's offsets (as every exactly-once commit does). A crashed producer never ends it.
      String transactionalId = MaterializerImpl.APPLICATION_ID + "-" + first + "-1";
      Map<String, Object> config = new HashMap<>(log.clientConfig());
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, OPEN_TRANSACTION_TIMEOUT_MS);
      config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
      KafkaProducer<byte[], byte[]> crashed = new KafkaProducer<>(config);
      crashed.initTransactions();
      crashed.beginTransaction();
      crashed.sendOffsetsToTransaction(
          Map.of(new TopicPartition(log.topics().sharedWrites(), 0), new OffsetAndMetadata(0)),
          new ConsumerGroupMetadata(MaterializerImpl.APPLICATION_ID));
      crashed.close(Duration.ZERO); // a forced close does not end the transaction
      assertThat(StallReport.describe(log.clientConfig(), MaterializerImpl.APPLICATION_ID))
          .contains("transaction " + transactionalId + ": Ongoing")
          .contains("open on __consumer_offsets-");

      // And the process file did not survive (Kafka Streams writes it without fsync).
      Files.writeString(processFile, "");

      try (MaterializerImpl materializer = materializer(log, stateDir)) {
        long started = System.nanoTime();
        materializer.start();
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(materializer.processId()).isEqualTo(first);
        assertThat(streamThreadNames()).anyMatch(n -> n.contains(first.toString()));
        // Fenced and aborted by the new run's producer, not waited out.
        assertThat(StallReport.describe(log.clientConfig(), MaterializerImpl.APPLICATION_ID))
            .doesNotContain("transaction " + transactionalId + ": Ongoing")
            .doesNotContain("open on __consumer_offsets-")
            // One member holds every input partition: user-writes, shared-writes and stream-events.
            .contains("(" + 3 * log.topics().partitions() + " partitions)")
            .contains("committed offsets: stable");
        assertThat(startMillis).isLessThan(START_BOUND.toMillis());
      }
    }
  }

  private static MaterializerImpl materializer(Log log, Path stateDir) {
    return new MaterializerImpl(
        log,
        stateDir,
        TestTables.catalog(),
        ApplyListener.NONE,
        ChangeListener.NONE,
        Time.SYSTEM,
        START_BOUND,
        Duration.ofSeconds(5));
  }

  private static java.util.List<String> streamThreadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith(Materializer.APPLICATION_ID) && n.contains("StreamThread"))
        .toList();
  }
}
