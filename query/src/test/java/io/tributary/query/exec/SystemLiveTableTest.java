package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SystemLiveTableTest {

  @Test
  void shouldDescribeTheOpenSubscriptions() {
    assertThat(SystemTables.LIVE.qualifiedName()).isEqualTo("system.live");
    assertThat(SystemTables.LIVE.columns())
        .extracting(ColumnDef::name, ColumnDef::type, ColumnDef::nullable)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("id", ColumnType.TEXT, false),
            org.assertj.core.groups.Tuple.tuple("user", ColumnType.TEXT, false),
            org.assertj.core.groups.Tuple.tuple("table", ColumnType.TEXT, false),
            org.assertj.core.groups.Tuple.tuple("filter", ColumnType.TEXT, true),
            org.assertj.core.groups.Tuple.tuple("opened_at", ColumnType.TIMESTAMP, false),
            org.assertj.core.groups.Tuple.tuple("changes_delivered", ColumnType.BIGINT, false),
            org.assertj.core.groups.Tuple.tuple("last_seq", ColumnType.BIGINT, false));
    assertThat(SystemTables.LIVE.primaryKey()).containsExactly("id");
    assertThat(SystemTables.isSystem(SystemTables.LIVE)).isTrue();
    assertThat(SystemTables.ALL).contains(SystemTables.LIVE);
    assertThat(SystemTables.byName("live")).contains(SystemTables.LIVE);
  }

  @Test
  void shouldQueryTheRowsTheServerProvides() {
    QueryEngine engine = new QueryEngine(new CatalogState());
    QueryEngineTest.MemorySource source =
        new QueryEngineTest.MemorySource()
            .put(
                SystemTables.LIVE,
                new Object[] {"s1", "alice", "chat.messages", "`role` = 'user'", 1000L, 5L, 42L},
                new Object[] {"s2", "bob", "chat.rooms", null, 2000L, 0L, 7L});
    QueryResult r =
        engine.select(
            "SELECT id, `user`, `table`, `filter` FROM system.live WHERE last_seq > ? ORDER BY id",
            List.of(10L),
            source);
    assertThat(r.rows().stream().map(Arrays::asList).toList())
        .containsExactly(List.of("s1", "alice", "chat.messages", "`role` = 'user'"));
    QueryResult all = engine.select("SELECT COUNT(*) FROM system.live", List.of(), source);
    assertThat(all.rows().get(0)[0]).isEqualTo(2L);
  }
}
