package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.ROOMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.expr.BoundExpression;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class CachingRowCompilerTest {
  private final List<String> compiled = new ArrayList<>();
  private final RowCompiler counting =
      new RowCompiler() {
        @Override
        public Predicate<Object[]> predicate(TableDef table, String whereSql) {
          if (whereSql.equals("bad")) {
            throw new TributaryException(ErrorCode.SYNTAX_ERROR, "Cannot parse: bad");
          }
          compiled.add(table.id() + ":" + whereSql);
          return row -> true;
        }

        @Override
        public Function<Object[], Object> expression(
            TableDef table, String exprSql, ColumnType target, String targetColumn) {
          compiled.add(table.id() + ":" + exprSql + "->" + targetColumn);
          return row -> null;
        }

        @Override
        public Predicate<Object[]> predicate(TableDef table, BoundExpression where) {
          compiled.add(table.id() + ":bound " + where.text());
          return row -> true;
        }

        @Override
        public Function<Object[], Object> expression(
            TableDef table, BoundExpression expr, ColumnType target, String targetColumn) {
          compiled.add(table.id() + ":bound " + expr.text() + "->" + targetColumn);
          return row -> null;
        }
      };

  @Test
  void shouldCompileEachTextOncePerTable() {
    CachingRowCompiler cache = new CachingRowCompiler(counting, 16);

    Predicate<Object[]> first = cache.predicate(MESSAGES, "id = 1");
    Predicate<Object[]> second = cache.predicate(MESSAGES, "id = 1");
    cache.predicate(ROOMS, "id = 1");
    cache.expression(MESSAGES, "1", ColumnType.BIGINT, "id");
    cache.expression(MESSAGES, "1", ColumnType.BIGINT, "id");
    cache.expression(MESSAGES, "1", ColumnType.BIGINT, "conversation_id");

    assertThat(second).isSameAs(first);
    assertThat(compiled)
        .containsExactly("101:id = 1", "201:id = 1", "101:1->id", "101:1->conversation_id");
  }

  @Test
  void shouldKeyBoundExpressionsByTheirEncoding() {
    CachingRowCompiler cache = new CachingRowCompiler(counting, 16);
    BoundExpression where = TestTables.where(MESSAGES, "id = 1");
    BoundExpression same = TestTables.where(MESSAGES, "id = 1");
    BoundExpression other = TestTables.where(MESSAGES, "id = 2");
    BoundExpression value =
        TestTables.values(MESSAGES, List.of("conversation_id"), List.of("id + 1")).get(0);

    Predicate<Object[]> first = cache.predicate(MESSAGES, where);
    Predicate<Object[]> second = cache.predicate(MESSAGES, same);
    cache.predicate(MESSAGES, other);
    cache.predicate(MESSAGES, "id = 1"); // the SQL text of an older command is another key
    cache.expression(MESSAGES, value, ColumnType.BIGINT, "conversation_id");
    cache.expression(MESSAGES, value, ColumnType.BIGINT, "conversation_id");

    assertThat(second).isSameAs(first);
    assertThat(compiled)
        .containsExactly(
            "101:bound id = 1",
            "101:bound id = 2",
            "101:id = 1",
            "101:bound id + 1->conversation_id");
  }

  @Test
  void shouldEvictTheLeastRecentlyUsedEntryBeyondItsCapacity() {
    CachingRowCompiler cache = new CachingRowCompiler(counting, 2);

    cache.predicate(MESSAGES, "a");
    cache.predicate(MESSAGES, "b");
    cache.predicate(MESSAGES, "a");
    cache.predicate(MESSAGES, "c");
    cache.predicate(MESSAGES, "a");
    cache.predicate(MESSAGES, "b");

    assertThat(cache.size()).isEqualTo(2);
    assertThat(compiled).containsExactly("101:a", "101:b", "101:c", "101:b");
  }

  @Test
  void shouldNotCacheAFailedCompilation() {
    CachingRowCompiler cache = new CachingRowCompiler(counting, 2);

    assertThatThrownBy(() -> cache.predicate(MESSAGES, "bad"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot parse: bad");
    assertThat(cache.size()).isZero();
  }
}
