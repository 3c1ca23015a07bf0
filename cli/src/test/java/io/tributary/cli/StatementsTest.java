package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatementsTest {
  @Test
  void shouldBeCompleteWhenTheLastSignificantCharacterIsASemicolon() {
    assertThat(Statements.isComplete("SELECT 1;")).isTrue();
    assertThat(Statements.isComplete("SELECT 1;  \n")).isTrue();
    assertThat(Statements.isComplete("SELECT\n 1\n;")).isTrue();
    assertThat(Statements.isComplete("SELECT 1; -- done")).isTrue();
    assertThat(Statements.isComplete("SELECT 1; /* done */")).isTrue();
    assertThat(Statements.isComplete("SELECT 1; SELECT 2;")).isTrue();
  }

  @Test
  void shouldWaitForMoreWhenTheSemicolonIsQuotedOrCommentedOrNotLast() {
    assertThat(Statements.isComplete("SELECT 1")).isFalse();
    assertThat(Statements.isComplete("SELECT 1; SELECT")).isFalse();
    assertThat(Statements.isComplete("SELECT 'a;")).isFalse();
    assertThat(Statements.isComplete("SELECT 'it''s;")).isFalse();
    assertThat(Statements.isComplete("SELECT \"odd;name")).isFalse();
    assertThat(Statements.isComplete("SELECT 1 -- not yet;")).isFalse();
    assertThat(Statements.isComplete("SELECT 1 /* not yet; */")).isFalse();
    assertThat(Statements.isComplete("SELECT 1 /* open;")).isFalse();
  }

  @Test
  void shouldEndAfterAQuoteThatClosesOnALaterLine() {
    assertThat(Statements.isComplete("INSERT INTO t VALUES ('a\nb;');")).isTrue();
    assertThat(Statements.isComplete("SELECT 'it''s';")).isTrue();
    assertThat(Statements.isComplete("SELECT \"a\"\"b\";")).isTrue();
  }

  @Test
  void shouldTreatCommentsAndSemicolonsAloneAsBlank() {
    assertThat(Statements.isBlank("")).isTrue();
    assertThat(Statements.isBlank("  ;\n ; ")).isTrue();
    assertThat(Statements.isBlank("-- just a comment")).isTrue();
    assertThat(Statements.isBlank("/* a */ ;")).isTrue();
    assertThat(Statements.isBlank("SELECT 1")).isFalse();
    assertThat(Statements.isBlank("';'")).isFalse();
  }

  @Test
  void shouldRecogniseQuitCommands() {
    assertThat(Statements.isQuit("\\q")).isTrue();
    assertThat(Statements.isQuit("  QUIT ")).isTrue();
    assertThat(Statements.isQuit("exit;")).isTrue();
    assertThat(Statements.isQuit("exit now")).isFalse();
    assertThat(Statements.isQuit("SELECT 1")).isFalse();
  }

  @Test
  void shouldSplitAtSemicolonsOutsideQuotesAndComments() {
    assertThat(Statements.split("SUBSCRIBE TO t;")).containsExactly("SUBSCRIBE TO t");
    assertThat(Statements.split(" SELECT 'a;b' ; -- c;\n SELECT \"x;\" /* ; */ ;; "))
        .containsExactly("SELECT 'a;b'", "-- c;\n SELECT \"x;\" /* ; */");
    assertThat(Statements.split(" ; -- nothing")).isEmpty();
  }

  @Test
  void shouldRecogniseSubscribeAndCommands() {
    assertThat(Statements.isSubscribe("subscribe to t")).isTrue();
    assertThat(Statements.isSubscribe("-- live\n /* x */ SUBSCRIBE TO t")).isTrue();
    assertThat(Statements.isSubscribe("SUBSCRIBED")).isFalse();
    assertThat(Statements.isSubscribe("SELECT 'SUBSCRIBE'")).isFalse();
    assertThat(Statements.isCommand("  \\subscribe 3 SUBSCRIBE TO t")).isTrue();
    assertThat(Statements.isCommand("SELECT '\\'")).isFalse();
  }

  @Test
  void shouldRecogniseSubscribeInsideExecuteAs() {
    assertThat(Statements.isSubscribe("EXECUTE AS USER 'u' (SUBSCRIBE TO t)")).isTrue();
    assertThat(Statements.isSubscribe(" execute as user u1 (\n -- c\n subscribe to t)")).isTrue();
    assertThat(Statements.isSubscribe("EXECUTE AS USER 'o''brien' (SUBSCRIBE TO t)")).isTrue();
    assertThat(Statements.isSubscribe("EXECUTE AS USER \"a b\" /* x */ (SUBSCRIBE TO t)")).isTrue();
    assertThat(Statements.isSubscribe("EXECUTE AS USER 'u' (SELECT 'SUBSCRIBE')")).isFalse();
    assertThat(Statements.isSubscribe("EXECUTE AS USER (SUBSCRIBE TO t)")).isFalse();
    assertThat(Statements.isSubscribe("EXECUTE AS 'u' (SUBSCRIBE TO t)")).isFalse();
    assertThat(Statements.containsSubscribe("SELECT 1; EXECUTE AS USER 'u' (SUBSCRIBE TO t)"))
        .isTrue();
    assertThat(Statements.containsSubscribe("SELECT 1; SELECT 'SUBSCRIBE TO t'")).isFalse();
    assertThat(Statements.isExecuteAs("EXECUTE AS USER 'u' (SELECT 1)")).isTrue();
    assertThat(Statements.isExecuteAs("SELECT 1")).isFalse();
  }

  @Test
  void shouldWrapAStatementToRunAsAUser() {
    assertThat(Statements.executeAs("o'brien", "SELECT 1;"))
        .isEqualTo("EXECUTE AS USER 'o''brien' (SELECT 1\n)");
    assertThat(Statements.executeAs("u", "SELECT 1 -- the end"))
        .isEqualTo("EXECUTE AS USER 'u' (SELECT 1 -- the end\n)");
  }
}
