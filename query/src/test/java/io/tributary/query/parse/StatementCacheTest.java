package io.tributary.query.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import org.junit.jupiter.api.Test;

class StatementCacheTest {
  private final StatementCache cache = new StatementCache(3, 200);

  @Test
  void shouldReuseParsedWrites() {
    String insert = "INSERT INTO app.t (id, body) VALUES ($1, $2)";
    String update = "UPDATE app.t SET body = $2 WHERE id = $1";
    String delete = "DELETE FROM app.t WHERE id = $1";
    for (String sql : new String[] {insert, update, delete}) {
      Statement first = cache.parse(sql);
      assertThat(cache.parse(sql)).isSameAs(first);
    }
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void shouldReuseWritesInsideExecuteAs() {
    String sql = "EXECUTE AS USER 'u1' (INSERT INTO app.t (id) VALUES ($1))";
    Statement first = cache.parse(sql);
    assertThat(first).isInstanceOf(Statement.ExecuteAs.class);
    assertThat(cache.parse(sql)).isSameAs(first);
  }

  @Test
  void shouldParseOtherStatementsEveryTime() {
    for (String sql :
        new String[] {
          "INSERT INTO app.t (id, body) VALUES (1, 'literal values only')",
          "DELETE FROM app.t WHERE id = 1",
          "SELECT * FROM app.t WHERE id = $1",
          "CREATE NAMESPACE app",
          "EXECUTE AS USER 'u1' (SELECT * FROM app.t)",
          "SUBSCRIBE TO app.t"
        }) {
      Statement first = cache.parse(sql);
      assertThat(cache.parse(sql)).isNotSameAs(first);
    }
    assertThat(cache.size()).isZero();
  }

  @Test
  void shouldStayWithinItsBounds() {
    for (int i = 0; i < 10; i++) {
      cache.parse("DELETE FROM app.t WHERE id = $1 AND n = " + i);
      assertThat(cache.size()).isBetween(1, 3);
    }
    String longText = "DELETE FROM app.t WHERE id = $1 AND body = '" + "x".repeat(200) + "'";
    Statement first = cache.parse(longText);
    assertThat(cache.parse(longText)).isNotSameAs(first);
  }

  @Test
  void shouldNotKeepStatementsThatFailToParse() {
    assertThatThrownBy(() -> cache.parse("INSERT INTO"))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot parse statement")
        .satisfies(
            e -> assertThat(((TributaryException) e).code()).isEqualTo(ErrorCode.SYNTAX_ERROR));
    assertThat(cache.size()).isZero();
  }

  @Test
  void shouldRefuseNonPositiveSizes() {
    assertThatThrownBy(() -> new StatementCache(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot create a statement cache: sizes must be positive, not 0 entries of 10"
                + " characters");
  }
}
