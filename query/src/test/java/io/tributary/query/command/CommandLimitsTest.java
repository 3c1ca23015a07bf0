package io.tributary.query.command;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandLimitsTest {
  @Test
  void shouldAllowAsManyChangesAsTheOrdinalOfSeqCanNumber() {
    assertThat(CommandLimits.MAX_CHANGES).isEqualTo(65_535);
    long offset = 42;
    long lastSeqOfCommand = (offset << CommandLimits.ORDINAL_BITS) | CommandLimits.MAX_CHANGES;
    // The last change of one command still sorts before the first change of the next one.
    assertThat(lastSeqOfCommand >>> CommandLimits.ORDINAL_BITS).isEqualTo(offset);
    assertThat(lastSeqOfCommand + 1).isEqualTo((offset + 1) << CommandLimits.ORDINAL_BITS);
  }
}
