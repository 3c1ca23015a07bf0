package io.tributary.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.server.TributaryServer.State;
import org.junit.jupiter.api.Test;

class ServerStateTest {
  @Test
  void shouldAllowOnlyTheDocumentedTransitions() {
    assertThat(State.STARTING.isValidTransition(State.RUNNING)).isTrue();
    assertThat(State.STARTING.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.STARTING.isValidTransition(State.STOPPED)).isFalse();
    assertThat(State.RUNNING.isValidTransition(State.STOPPING)).isTrue();
    assertThat(State.RUNNING.isValidTransition(State.STARTING)).isFalse();
    assertThat(State.RUNNING.isValidTransition(State.STOPPED)).isFalse();
    assertThat(State.STOPPING.isValidTransition(State.STOPPED)).isTrue();
    assertThat(State.STOPPING.isValidTransition(State.RUNNING)).isFalse();
    for (State next : State.values()) {
      assertThat(State.STOPPED.isValidTransition(next)).as("STOPPED -> " + next).isFalse();
    }
  }
}
