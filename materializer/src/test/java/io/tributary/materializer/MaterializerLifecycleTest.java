package io.tributary.materializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.materializer.internal.TestTables;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle rules that need no broker. */
class MaterializerLifecycleTest {
  @TempDir Path dir;

  @Test
  void shouldStopWithoutStartingAndRefuseToStartAfterwards() {
    try (Log log = Log.open(LogConfig.embedded(dir))) {
      Materializer materializer =
          Materializer.create(
              log, dir.resolve("streams"), TestTables.catalog(), ApplyListener.NONE);
      assertThat(materializer.state()).isEqualTo(Materializer.State.NEW);

      materializer.close();
      materializer.close();

      assertThat(materializer.state()).isEqualTo(Materializer.State.STOPPED);
      assertThatThrownBy(materializer::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Cannot move the materializer from STOPPED to STARTING");
      assertThatThrownBy(() -> materializer.scan(TestTables.MESSAGES, "u1"))
          .isInstanceOfSatisfying(
              TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessage(
              "Cannot read table chat.messages: the hot store is not available (the materializer"
                  + " is STOPPED)");
      assertThatThrownBy(() -> materializer.snapshot(TestTables.MESSAGES, "u1"))
          .isInstanceOfSatisfying(
              TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }
  }

  @Test
  void shouldFailToStartOnALogThatIsNotRunning() {
    try (Log log = Log.open(LogConfig.embedded(dir))) {
      Materializer materializer =
          Materializer.create(
              log, dir.resolve("streams"), TestTables.catalog(), ApplyListener.NONE);

      assertThatThrownBy(materializer::start)
          .isInstanceOfSatisfying(
              TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessageStartingWith("Cannot start the materializer: ");
      assertThat(materializer.state()).isEqualTo(Materializer.State.FAILED);

      materializer.close();
      assertThat(materializer.state()).isEqualTo(Materializer.State.STOPPED);
    }
  }
}
