package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.materializer.Materializer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a stalled start logs of the broker's view: the group, its offsets, open transactions. */
class StallReportTest {
  @TempDir Path dir;

  @Test
  void shouldDescribeTheGroupItsOffsetsAndOpenTransactions() {
    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withDurableWrites(false))) {
      log.start();
      Path stateDir = dir.resolve("streams");

      String before = StallReport.describe(log.clientConfig(), MaterializerImpl.APPLICATION_ID);
      // No group yet: described as empty (Kafka answers for an unknown group), offsets stable.
      assertThat(before).contains("group " + MaterializerImpl.APPLICATION_ID + ": ");
      assertThat(before).contains("committed offsets: stable");

      try (Materializer materializer =
          Materializer.create(log, stateDir, TestTables.catalog(), o -> {})) {
        materializer.start();

        String running = StallReport.describe(log.clientConfig(), MaterializerImpl.APPLICATION_ID);

        // The running node is the group's one member, under its static member id (Kafka Streams
        // adds its stream thread's number).
        assertThat(running)
            .contains(": Stable, members " + MaterializerImpl.instanceId(stateDir) + "-1 (");
        assertThat(running).doesNotContain("cannot");
      }
    }
  }
}
