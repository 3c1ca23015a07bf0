package io.tributary.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node killed with SIGKILL restarts on its directory with its data, without a long wait. */
class CrashRestartTest {
  private static final Logger LOG = LoggerFactory.getLogger(CrashRestartTest.class);

  @TempDir Path dataDir;

  @Test
  void shouldRestartAfterCrashWithAcknowledgedData() throws Exception {
    long offset = runNodeUntilReadyThenKill();

    long restartNs = System.nanoTime();
    try (Log log = Log.open(LogConfig.embedded(dataDir))) {
      log.start();
      long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartNs);
      LOG.info("Restart after crash took {} ms", restartMs);

      List<ConsumerRecord<byte[], byte[]>> records =
          TestClients.read(log, new TopicPartition(log.topics().userWrites(), 0), 1);
      assertThat(records).hasSize(1);
      assertThat(records.get(0).offset()).isEqualTo(offset);
      assertThat(new String(records.get(0).value(), UTF_8)).isEqualTo("before-crash");
      // The restart waits out the old broker session: 9 s by default, 2 s here.
      assertThat(restartMs).isLessThan(30_000);
    }
  }

  private long runNodeUntilReadyThenKill() throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process node =
        new ProcessBuilder(
                java.toString(), "-cp", classPath, CrashingNode.class.getName(), dataDir.toString())
            .redirectErrorStream(true)
            .start();
    try {
      CompletableFuture<Long> ready =
          CompletableFuture.supplyAsync(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(node.getInputStream(), UTF_8))) {
                  for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("READY ")) {
                      return Long.parseLong(line.substring("READY ".length()));
                    }
                  }
                  throw new IllegalStateException("Node exited before it was ready");
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      return ready.get(90, TimeUnit.SECONDS);
    } finally {
      node.destroyForcibly();
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
