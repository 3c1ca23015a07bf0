package io.tributary.materializer;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.TYPING;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogPosition;
import io.tributary.materializer.internal.TestTables;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL keeps its stores: the restart restores only the changelog tail its
 * stores' memtables held, not the whole state, re-applies the commands whose transaction had not
 * committed, and rejoins the group at once under its static member id instead of waiting 45 s for
 * its dead predecessor's session (DESIGN.md section 3, recovery; issue 13).
 */
class MaterializerCrashTest {
  /**
   * Rows written before the kill: {@code -Dtributary.crash.rows=1000000} measures a restart with a
   * million hot rows (RELIABILITY.md, Recovery time).
   */
  private static final int ROWS = Integer.getInteger("tributary.crash.rows", 300_000);

  /** Four purge steps of 50,000 entries: long enough for the kill to fall among them. */
  private static final int PURGED_ROWS = 200_000;

  @TempDir Path dir;

  @Test
  void shouldKeepTheStoresAcrossACrashAndRestoreOnlyTheTail() throws Exception {
    runUntilReadyThenKill(ROWS, "insert");

    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withPartitions(2))) {
      log.start();
      try (Materializer materializer =
          Materializer.create(log, dir.resolve("streams"), TestTables.catalog(), o -> {})) {
        long started = System.nanoTime();
        materializer.start();
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // The last commands' transaction may not have committed before the kill: they are applied
        // again, with the same effect, right after the start.
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(materializer.scan(MESSAGES, "u")).hasSize(ROWS));
        // Without transactional stores, exactly_once_v2 wipes the stores after a crash and
        // restores every row from the changelog. With them, only what the stores' memtables held
        // (at most 3 x 4 MiB of writes, here about 65,000 small rows) is restored.
        assertThat(materializer.restoredRecords()).isLessThan(ROWS / 3);
        // Static membership: the restarted node does not wait for its dead predecessor's session.
        assertThat(startMillis).isLessThan(30_000);
        long readableMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        long scanStarted = System.nanoTime();
        assertThat(materializer.scan(MESSAGES, "u")).hasSize(ROWS);
        System.out.printf(
            "crash: %d rows, restart to RUNNING in %d ms, %d changelog records restored, every row"
                + " read back by %d ms (one scan of them takes %d ms)%n",
            ROWS,
            startMillis,
            materializer.restoredRecords(),
            readableMillis,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - scanStarted));
      }
    }
  }

  @Test
  void shouldKeepStreamEventsAndTheirOwnSeqDomainAcrossACrash() throws Exception {
    int rows = 4 * CrashingMaterializer.ROWS_PER_COMMAND;
    int events = CrashingMaterializer.STREAM_COMMANDS * CrashingMaterializer.EVENTS_PER_COMMAND;
    runUntilReadyThenKill(rows, "stream");

    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withPartitions(2))) {
      log.start();
      try (Materializer materializer =
          Materializer.create(log, dir.resolve("streams"), TestTables.catalog(), o -> {})) {
        materializer.start();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  assertThat(materializer.scan(MESSAGES, "u")).hasSize(rows);
                  assertThat(materializer.scan(TYPING, "u")).hasSize(events);
                });
        long messagesHighWater = materializer.highWater(MESSAGES, "u");
        long typingHighWater = materializer.highWater(TYPING, "u");
        // Four commands in user-writes, forty in stream-events: each range counts its own topic.
        // (the writer is not transactional: its records take consecutive offsets from 0).
        assertThat(messagesHighWater >>> 16).isEqualTo(3);
        assertThat(typingHighWater >>> 16).isEqualTo(CrashingMaterializer.STREAM_COMMANDS - 1);

        // The next event gets the _seq of its own stream-events offset; the USER range is not
        // moved by it.
        byte[] row = RowCodec.encode(TYPING.types(), new Object[] {9_999L, 1L, "after"});
        LogPosition position =
            log.writer()
                .append(
                    log.topics().streamWrite("u"),
                    CommandCodec.encode(
                        new WriteCommand.InsertRows(
                            "after",
                            TYPING.id(),
                            "u",
                            List.of(row),
                            new WriteCommand.Accepted(
                                System.currentTimeMillis() + 86_400_000L, null))))
                .get(60, TimeUnit.SECONDS);
        assertThat(position.topic()).isEqualTo(log.topics().streamEvents());
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(materializer.scan(TYPING, "u")).hasSize(events + 1));
        assertThat(materializer.highWater(TYPING, "u")).isEqualTo(position.offset() << 16);
        assertThat(materializer.highWater(TYPING, "u")).isGreaterThan(typingHighWater);
        assertThat(materializer.highWater(MESSAGES, "u")).isEqualTo(messagesHighWater);
      }
    }
  }

  @Test
  void shouldFinishAPurgeThatACrashInterrupted() throws Exception {
    runUntilReadyThenKill(PURGED_ROWS, "purge");

    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withPartitions(2))) {
      log.start();
      try (Materializer materializer =
          Materializer.create(log, dir.resolve("streams"), TestTables.catalog(), o -> {})) {
        materializer.start();

        // Wherever the kill fell (before, between or after the purge's steps), the purge resumes
        // from the log: its next step was committed with the step before it, or the step is redone.
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(materializer.scan(MESSAGES, "u")).isEmpty());
        assertThat(materializer.health(Duration.ofSeconds(30)).applying()).isTrue();
      }
    }
  }

  private void runUntilReadyThenKill(int rows, String mode) throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process node =
        new ProcessBuilder(
                java.toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-cp",
                classPath,
                CrashingMaterializer.class.getName(),
                dir.toString(),
                Integer.toString(rows),
                mode)
            .redirectErrorStream(true)
            .start();
    try {
      CompletableFuture<Void> ready =
          CompletableFuture.runAsync(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(node.getInputStream(), UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.equals("READY")) {
                      return;
                    }
                  }
                  throw new IllegalStateException("The node exited before it was ready");
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      ready.get(Math.max(180, rows / 2_000), TimeUnit.SECONDS);
    } finally {
      node.destroyForcibly();
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
