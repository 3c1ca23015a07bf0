package io.tributary.log.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExitInterceptorTest {
  private final List<String> previous = new ArrayList<>();
  private Exit.Procedure originalHalt;

  @BeforeEach
  void installRecordingProcedures() {
    originalHalt = ExitInterceptor.currentHaltProcedure();
    Exit.setHaltProcedure((status, message) -> previous.add("halt " + status));
  }

  @AfterEach
  void restoreJvmProcedures() {
    Exit.setHaltProcedure(originalHalt);
  }

  @Test
  void shouldNotifyEveryListenerInsteadOfHalting() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ExitInterceptor.Registration a =
        ExitInterceptor.register((kind, status, message) -> first.add(kind + " " + message));
    ExitInterceptor.Registration b =
        ExitInterceptor.register((kind, status, message) -> second.add(kind + " " + status));

    Exit.halt(1, "boom");

    assertThat(first).containsExactly("halt boom");
    assertThat(second).containsExactly("halt 1");
    assertThat(previous).isEmpty();

    a.close();
    a.close(); // idempotent: must not unregister b
    assertThat(ExitInterceptor.isInstalled()).isTrue();
    Exit.halt(2);
    assertThat(second).containsExactly("halt 1", "halt 2");

    b.close();
    assertThat(ExitInterceptor.isInstalled()).isFalse();
    Exit.halt(3);
    assertThat(previous).containsExactly("halt 3");
  }
}
