package io.tributary.benchmarks.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatOptionsTest {

  @Test
  void shouldDefaultToIssue17sShape() {
    ChatOptions o = ChatOptions.parse(new String[] {"--results-dir=none"});

    assertThat(o.users()).isEqualTo(1_000);
    assertThat(o.conversations()).isEqualTo(2_000);
    assertThat(o.writers()).isEqualTo(100);
    assertThat(o.steps()).containsExactly(500, 1_000, 2_000, 3_000, 5_000, 9_000, 12_000, 15_000);
    assertThat(o.stepSeconds()).isEqualTo(30);
    assertThat(o.targets()).isEqualTo(List.of("tributary", "postgres", "ceiling"));
    assertThat(o.modes()).isEqualTo(List.of("fsync", "pagecache"));
    assertThat(o.repetitions()).isEqualTo(3);
    assertThat(o.compass()).isTrue();
    assertThat(o.resultsDir()).isNull();
  }

  @Test
  void shouldRefuseBadOptionsWithAClearMessage() {
    assertThatThrownBy(() -> ChatOptions.parse(new String[] {"--steps=500,400"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use --steps=500,400: expected increasing rates");
    assertThatThrownBy(() -> ChatOptions.parse(new String[] {"--targets=tributary,mysql"}))
        .hasMessageStartingWith("Cannot use --targets=tributary,mysql");
    assertThatThrownBy(() -> ChatOptions.parse(new String[] {"--users=3", "--max-members=10"}))
        .hasMessageStartingWith("Cannot use --max-members=10");
    assertThatThrownBy(() -> ChatOptions.parse(new String[] {"--rooms=3"}))
        .hasMessageStartingWith("Cannot read option --rooms=3");
  }
}
