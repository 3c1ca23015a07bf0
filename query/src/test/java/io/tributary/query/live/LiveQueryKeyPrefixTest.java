package io.tributary.query.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The primary key prefix a live query's equalities fix, which its snapshot seeks. */
class LiveQueryKeyPrefixTest {
  private static final TableDef TABLE =
      new TableDef(
          7,
          "app",
          "t",
          TableKind.SHARED,
          List.of(
              new ColumnDef("region", ColumnType.TEXT, false, null),
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("score", ColumnType.DOUBLE, false, null),
              new ColumnDef("v", ColumnType.INT, true, null)),
          List.of("region", "id", "score"),
          Map.of(),
          0);

  @Test
  void shouldTakeTheLeadingKeyColumnsFixedByEquality() {
    assertThat(prefix()).isEmpty();
    assertThat(prefix(eq(3, 1))).isEmpty(); // not a key column
    assertThat(prefix(eq(1, 5L))).isEmpty(); // the first key column is not fixed
    assertThat(prefix(eq(0, "eu"))).containsExactly("eu");
    assertThat(prefix(eq(1, 5L), eq(3, 1), eq(0, "eu"))).containsExactly("eu", 5L);
  }

  @Test
  void shouldStopAtADoubleColumnWhoseEqualityIsNotTheEqualityOfItsBytes() {
    // 0.0 = -0.0 in SQL, but they are stored as different bytes: no seek on them.
    assertThat(prefix(eq(0, "eu"), eq(1, 5L), eq(2, 0.0))).containsExactly("eu", 5L);
  }

  private static LiveQuery.Equality eq(int column, Object value) {
    return new LiveQuery.Equality(column, value);
  }

  private static List<Object> prefix(LiveQuery.Equality... equalities) {
    return new LiveQuery(TABLE, null, "x", row -> true, List.of(equalities), -1, -1, 500)
        .keyPrefix();
  }
}
