package io.tributary.materializer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.Materializer.State;
import org.junit.jupiter.api.Test;

class MaterializerStateTest {
  @Test
  void shouldAllowOnlyTheDocumentedTransitions() {
    assertThat(State.NEW.canMoveTo(State.STARTING)).isTrue();
    assertThat(State.NEW.canMoveTo(State.STOPPING)).isTrue();
    assertThat(State.NEW.canMoveTo(State.RUNNING)).isFalse();
    assertThat(State.STARTING.canMoveTo(State.RUNNING)).isTrue();
    assertThat(State.STARTING.canMoveTo(State.FAILED)).isTrue();
    assertThat(State.RUNNING.canMoveTo(State.STARTING)).isFalse();
    assertThat(State.RUNNING.canMoveTo(State.FAILED)).isTrue();
    assertThat(State.FAILED.canMoveTo(State.RUNNING)).isFalse();
    assertThat(State.FAILED.canMoveTo(State.STOPPING)).isTrue();
    assertThat(State.STOPPING.canMoveTo(State.STOPPED)).isTrue();
    for (State next : State.values()) {
      assertThat(State.STOPPED.canMoveTo(next)).isFalse();
    }
  }
}
