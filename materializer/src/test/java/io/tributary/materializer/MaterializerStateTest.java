package io.tributary.materializer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.Materializer.State;
import org.junit.jupiter.api.Test;

class MaterializerStateTest {
  @Test
  void shouldAllowOnlyTheDocumentedTransitions() {
    assertThat(State.NEW.isValidTransition(State.STARTING)).isTrue();
    assertThat(State.NEW.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.NEW.isValidTransition(State.RUNNING)).isFalse();
    assertThat(State.STARTING.isValidTransition(State.RUNNING)).isTrue();
    assertThat(State.STARTING.isValidTransition(State.FAILED)).isTrue();
    assertThat(State.RUNNING.isValidTransition(State.STARTING)).isFalse();
    assertThat(State.RUNNING.isValidTransition(State.FAILED)).isTrue();
    assertThat(State.FAILED.isValidTransition(State.RUNNING)).isFalse();
    assertThat(State.FAILED.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.STOPPING.isValidTransition(State.STOPPED)).isTrue();
    for (State next : State.values()) {
      assertThat(State.STOPPED.isValidTransition(next)).isFalse();
    }
  }
}
