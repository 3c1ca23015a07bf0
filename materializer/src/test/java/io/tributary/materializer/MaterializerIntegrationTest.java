package io.tributary.materializer;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.REACTIONS;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static io.tributary.materializer.internal.TestTables.message;
import static io.tributary.materializer.internal.TestTables.room;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogKeys;
import io.tributary.log.LogPosition;
import io.tributary.log.LogTopics;
import io.tributary.materializer.internal.TestTables;
import io.tributary.query.ErrorCode;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The materializer on the real embedded broker of the log module: one broker for the class. */
class MaterializerIntegrationTest {
  private static final int PARTITIONS = 3;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static Log log;

  @BeforeAll
  static void startLog() {
    log =
        Log.open(
            LogConfig.embedded(dir.resolve("data"))
                .withPartitions(PARTITIONS)
                .withDurableWrites(false));
    log.start();
  }

  @AfterAll
  static void stopLog() {
    if (log != null) {
      log.close();
    }
  }

  @Test
  void shouldApplyCommandsFromTheLogAndKeepTheRowsAcrossARestart() {
    Path stateDir = dir.resolve("streams");
    LogTopics topics = log.topics();
    Map<String, WriteOutcome> outcomes = new ConcurrentHashMap<>();
    List<List<AppliedChange>> applied = new CopyOnWriteArrayList<>();
    Materializer materializer =
        Materializer.create(
            log, stateDir, TestTables.catalog(), o -> outcomes.put(o.requestId(), o), applied::add);
    List<Object[]> u1Rows;
    LogPosition first;
    LogPosition update;
    try (materializer) {
      materializer.start();
      assertThat(materializer.state()).isEqualTo(Materializer.State.RUNNING);
      assertThatThrownBy(materializer::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Cannot move the materializer from RUNNING to STARTING");

      first =
          appendUser(
              "u1",
              new WriteCommand.InsertRows(
                  "i1",
                  MESSAGES.id(),
                  "u1",
                  List.of(message(1, 10, "user", "hi"), message(2, 10, "user", "again"))));
      LogPosition u2 =
          appendUser(
              "u2",
              new WriteCommand.InsertRows(
                  "i2", MESSAGES.id(), "u2", List.of(message(1, 10, "user", "other"))));
      LogPosition rooms =
          appendShared(
              new WriteCommand.InsertRows(
                  "i3", ROOMS.id(), null, List.of(room(1, "lobby", 2), room(2, "dev", null))));
      appendUser(
          "u1",
          new WriteCommand.InsertRows(
              "i4", MESSAGES.id(), "u1", List.of(message(2, 11, "user", "duplicate"))));
      update =
          appendUser(
              "u1",
              new WriteCommand.UpdateRows(
                  "u5",
                  MESSAGES.id(),
                  "u1",
                  "id = 2",
                  List.of("content"),
                  List.of("upper(content)")));

      await().atMost(WAIT).until(() -> outcomes.size() == 5);
      assertThat(outcomes.get("i1").rowsAffected()).isEqualTo(2);
      assertThat(outcomes.get("i2").rowsAffected()).isEqualTo(1);
      assertThat(outcomes.get("i3").rowsAffected()).isEqualTo(2);
      assertThat(outcomes.get("i4").error()).isEqualTo(ErrorCode.DUPLICATE_KEY);
      assertThat(outcomes.get("i4").message())
          .isEqualTo("Cannot insert into chat.messages: duplicate primary key (id)=(2)");
      assertThat(outcomes.get("u5").rowsAffected()).isEqualTo(1);

      u1Rows = materializer.scan(MESSAGES, "u1");
      assertThat(u1Rows)
          .containsExactly(
              new Object[] {1L, 10L, "user", "hi", first.offset() << 16},
              new Object[] {2L, 10L, "user", "AGAIN", update.offset() << 16});
      assertThat(materializer.scan(MESSAGES, "u2"))
          .extracting(row -> row[3])
          .containsExactly("other");
      assertThat(materializer.scan(ROOMS, null))
          .containsExactly(
              new Object[] {1L, "lobby", 2, rooms.offset() << 16},
              new Object[] {2L, "dev", null, (rooms.offset() << 16) | 1});

      // Snapshots: the rows and the seq of the range's last change, from one view.
      HotSnapshot u1Snapshot = materializer.snapshot(MESSAGES, "u1");
      assertThat(u1Snapshot.rows()).containsExactlyElementsOf(u1Rows);
      assertThat(u1Snapshot.highWater()).isEqualTo(update.offset() << 16);
      assertThat(materializer.snapshot(MESSAGES, "u2").highWater()).isEqualTo(u2.offset() << 16);
      assertThat(materializer.snapshot(MESSAGES, "nobody"))
          .isEqualTo(new HotSnapshot(List.of(), -1));
      assertThat(materializer.snapshot(ROOMS, null).highWater())
          .isEqualTo((rooms.offset() << 16) | 1);

      // The change listener heard each command that changed rows once, before its outcome.
      assertThat(applied)
          .extracting(changes -> changes.get(0).seq())
          .containsExactlyInAnyOrder(
              first.offset() << 16, u2.offset() << 16, rooms.offset() << 16, update.offset() << 16);
      for (List<AppliedChange> changes : applied) {
        AppliedChange change = changes.get(0);
        byte[] key =
            change.owner() == null
                ? LogKeys.sharedKey(change.table().id())
                : LogKeys.userKey(change.owner());
        assertThat(changes)
            .extracting(AppliedChange::partition)
            .containsOnly(LogKeys.partition(key, PARTITIONS));
      }
      assertThat(applied)
          .filteredOn(changes -> changes.get(0).kind() == RowChange.Kind.UPDATE)
          .singleElement()
          .satisfies(
              changes -> {
                assertThat(changes).hasSize(1);
                assertThat(changes.get(0).partition()).isEqualTo(update.partition());
                assertThat(changes.get(0).oldRow())
                    .containsExactly(2L, 10L, "user", "again", (first.offset() << 16) | 1);
                assertThat(changes.get(0).newRow())
                    .containsExactly(2L, 10L, "user", "AGAIN", update.offset() << 16);
              });
      assertThat(applied)
          .filteredOn(changes -> changes.get(0).table().equals(ROOMS))
          .singleElement()
          .satisfies(changes -> assertThat(changes).hasSize(2));
    }
    assertThat(materializer.state()).isEqualTo(Materializer.State.STOPPED);

    List<ConsumerRecord<byte[], byte[]>> changes = readChanges(topics.changes(), 6);
    assertThat(changes)
        .allSatisfy(
            r -> assertThat(r.partition()).isEqualTo(LogKeys.partition(r.key(), PARTITIONS)));
    assertThat(changes)
        .extracting(r -> CommandCodec.decodeChange(r.value()).kind())
        .containsExactlyInAnyOrder(
            RowChange.Kind.INSERT,
            RowChange.Kind.INSERT,
            RowChange.Kind.INSERT,
            RowChange.Kind.INSERT,
            RowChange.Kind.INSERT,
            RowChange.Kind.UPDATE);
    // The change in the log carries the old row's _seq, as the listener's old row does.
    assertThat(changes)
        .extracting(r -> CommandCodec.decodeChange(r.value()))
        .filteredOn(c -> c.kind() == RowChange.Kind.UPDATE)
        .singleElement()
        .satisfies(c -> assertThat(c.oldSeq()).isEqualTo((first.offset() << 16) | 1));

    Map<String, WriteOutcome> afterRestart = new ConcurrentHashMap<>();
    List<List<AppliedChange>> appliedAfterRestart = new CopyOnWriteArrayList<>();
    try (Materializer restarted =
        Materializer.create(
            log,
            stateDir,
            TestTables.catalog(),
            o -> afterRestart.put(o.requestId(), o),
            appliedAfterRestart::add)) {
      restarted.start();
      assertThat(restarted.scan(MESSAGES, "u1")).containsExactlyElementsOf(u1Rows);
      assertThat(restarted.snapshot(MESSAGES, "u1").highWater()).isEqualTo(update.offset() << 16);

      // A cursor keeps the view it was opened on while the stream thread writes the range.
      HotCursor before = restarted.open(MESSAGES, "u1");
      LogPosition delete =
          appendUser(
              "u1", new WriteCommand.DeleteRows("d6", MESSAGES.id(), "u1", "content = 'hi'"));
      await().atMost(WAIT).until(() -> afterRestart.containsKey("d6"));
      try (before) {
        List<Object[]> seen = new ArrayList<>();
        before.forEachRemaining(seen::add);
        assertThat(seen).containsExactlyElementsOf(u1Rows);
        assertThat(before.highWater()).isEqualTo(update.offset() << 16);
      }
      assertThat(restarted.highWater(MESSAGES, "u1")).isEqualTo(delete.offset() << 16);
      assertThat(afterRestart.keySet()).containsExactly("d6");
      assertThat(restarted.scan(MESSAGES, "u1")).extracting(row -> row[0]).containsExactly(2L);
      HotSnapshot afterDelete = restarted.snapshot(MESSAGES, "u1");
      assertThat(afterDelete.rows()).extracting(row -> row[0]).containsExactly(2L);
      assertThat(afterDelete.highWater()).isEqualTo(delete.offset() << 16);
      assertThat(appliedAfterRestart).hasSize(1);
      assertThat(appliedAfterRestart.get(0))
          .singleElement()
          .satisfies(
              change -> {
                assertThat(change.kind()).isEqualTo(RowChange.Kind.DELETE);
                assertThat(change.seq()).isEqualTo(delete.offset() << 16);
                assertThat(change.oldRow())
                    .containsExactly(1L, 10L, "user", "hi", first.offset() << 16);
                assertThat(change.newRow()).isNull();
              });
    }
  }

  @Test
  void shouldDeleteAndPurgeMoreRowsThanOneTransactionHoldsInSteps() {
    Map<String, WriteOutcome> outcomes = new ConcurrentHashMap<>();
    List<AppliedChange> deletes = new CopyOnWriteArrayList<>();
    try (Materializer materializer =
        Materializer.create(
            log,
            dir.resolve("streams-steps"),
            TestTables.catalog(),
            o -> outcomes.put(o.requestId(), o),
            changes ->
                changes.stream()
                    .filter(c -> c.kind() == RowChange.Kind.DELETE)
                    .forEach(deletes::add))) {
      materializer.start();
      int perCommand = 20_000;
      for (int i = 0; i < 4; i++) {
        List<byte[]> messages = new ArrayList<>();
        List<byte[]> reactions = new ArrayList<>();
        for (int j = 0; j < perCommand; j++) {
          long id = (long) i * perCommand + j;
          messages.add(message(id, 1, "u", "m"));
          reactions.add(TestTables.reaction(id, "+", 1));
        }
        appendUser("big", new WriteCommand.InsertRows("bi" + i, MESSAGES.id(), "big", messages));
        appendUser("big", new WriteCommand.InsertRows("br" + i, REACTIONS.id(), "big", reactions));
      }
      await().atMost(WAIT).until(() -> outcomes.size() == 8);
      assertThat(outcomes.values()).allMatch(WriteOutcome::succeeded);

      // 80,000 rows: more than one command's 65,535 changes, so at least two steps.
      appendUser("big", new WriteCommand.DeleteRows("bd", MESSAGES.id(), "big", null));
      await().atMost(WAIT).until(() -> outcomes.containsKey("bd"));
      assertThat(outcomes.get("bd").rowsAffected()).isEqualTo(80_000);
      assertThat(materializer.scan(MESSAGES, "big")).isEmpty();
      assertThat(deletes).hasSize(80_000);
      assertThat(deletes).extracting(AppliedChange::seq).doesNotHaveDuplicates();
      assertThat(deletes.stream().map(c -> c.seq() >>> 16).distinct().count()).isEqualTo(2);

      // A purge is written to every partition, each step goes back to its own partition.
      for (int p = 0; p < PARTITIONS; p++) {
        log.writer()
            .append(
                log.topics().userWrites(),
                p,
                LogKeys.sharedKey(REACTIONS.id()),
                CommandCodec.encode(new WriteCommand.PurgeTable("bp" + p, REACTIONS.id(), null)))
            .join();
      }
      await()
          .atMost(WAIT)
          .until(
              () -> IntStream.range(0, PARTITIONS).allMatch(p -> outcomes.containsKey("bp" + p)));
      assertThat(materializer.scan(REACTIONS, "big")).isEmpty();
    }
  }

  @Test
  void shouldReportNotApplyingWhileTheStreamThreadIsStuckAndRecoverAfter() throws Exception {
    Map<String, WriteOutcome> outcomes = new ConcurrentHashMap<>();
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Duration maxStall = Duration.ofSeconds(1);
    try (Materializer materializer =
        Materializer.create(
            log,
            dir.resolve("streams-health"),
            TestTables.catalog(),
            o -> outcomes.put(o.requestId(), o),
            changes -> {
              if (changes.get(0).owner().equals("stuck")) {
                stuck.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            })) {
      assertThat(materializer.health(maxStall))
          .isEqualTo(Materializer.Health.notApplying("the materializer is NEW"));
      materializer.start();
      appendUser(
          "fine",
          new WriteCommand.InsertRows(
              "h1", MESSAGES.id(), "fine", List.of(message(1, 1, "u", "a"))));
      await().atMost(WAIT).until(() -> outcomes.containsKey("h1"));
      // Idle with nothing to apply is healthy, however long it lasts.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(WAIT)
          .until(() -> materializer.health(maxStall).applying());

      appendUser(
          "stuck",
          new WriteCommand.InsertRows(
              "h2", MESSAGES.id(), "stuck", List.of(message(1, 1, "u", "b"))));
      assertThat(stuck.await(60, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(materializer.health(maxStall).reason())
                      .startsWith("the stream thread has not polled the log for"));

      release.countDown();
      await().atMost(WAIT).until(() -> outcomes.containsKey("h2"));
      await().atMost(WAIT).until(() -> materializer.health(maxStall).applying());
    } finally {
      release.countDown();
    }
  }

  private static LogPosition appendUser(String owner, WriteCommand command) {
    return log.writer()
        .append(log.topics().userWrites(), LogKeys.userKey(owner), CommandCodec.encode(command))
        .join();
  }

  private static LogPosition appendShared(WriteCommand command) {
    return log.writer()
        .append(
            log.topics().sharedWrites(),
            LogKeys.sharedKey(command.tableId()),
            CommandCodec.encode(command))
        .join();
  }

  /**
   * Reads {@code count} committed records of the changes topic from the beginning: those of the
   * owners u1 and u2 and of SHARED tables.
   */
  private static List<ConsumerRecord<byte[], byte[]>> readChanges(String topic, int count) {
    Map<String, Object> config = new HashMap<>(log.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await()
          .atMost(WAIT)
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  // Other tests of this class write other owners' rows to the same topic.
                  RowChange change = CommandCodec.decodeChange(r.value());
                  if (change.owner() == null || List.of("u1", "u2").contains(change.owner())) {
                    records.add(r);
                  }
                }
                return records.size() >= count;
              });
    }
    assertThat(records).hasSize(count);
    return records;
  }
}
