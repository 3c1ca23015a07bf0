package io.tributary.iceberg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A flush that returned survives the process halting right after it (nothing closed). */
class FlushCrashTest {
  @TempDir Path dir;

  @Test
  void shouldKeepAFlushThatReturnedWhenTheProcessHaltsRightAfter() throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                javaBin.toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-cp",
                classPath,
                HaltAfterFlush.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    byte[] output = child.getInputStream().readAllBytes();
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue())
        .as(new String(output, StandardCharsets.UTF_8))
        .isEqualTo(42); // halted after the flush returned, not failed before

    TableDef table = ColdFixtures.everyType(7, TableKind.USER);
    try (IcebergColdStore store = IcebergColdStore.open(dir, 16)) {
      assertThat(store.flushedSeq(table)).isEqualTo(100);
      assertThat(ColdFixtures.drain(store.scan(table, null, null))).hasSize(100);
      // and the retry the engine would make after its restart commits nothing twice
      assertThat(
              store
                  .flush(table, "f1", 100, java.util.Collections.emptyIterator())
                  .alreadyCommitted())
          .isTrue();
    }
  }
}
