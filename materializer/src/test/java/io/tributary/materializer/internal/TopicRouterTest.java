package io.tributary.materializer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.log.LogKeys;
import io.tributary.log.LogTopics;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.TopicDef;
import io.tributary.query.catalog.TopicPayload;
import io.tributary.query.catalog.TopicSource;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.TopicRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which topics a change goes to, keyed how, carrying what. */
class TopicRouterTest {
  static final TableDef MESSAGES =
      new TableDef(
          7,
          "chat",
          "messages",
          TableKind.USER,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("role", ColumnType.TEXT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  CatalogState catalog;
  TopicRouter router;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.table(MESSAGES));
    router = new TopicRouter(catalog);
  }

  private void topic(long id, TopicSource source) {
    catalog.apply(CatalogRecord.topic(new TopicDef(id, "chat", "t" + id, 2, List.of(source), 0)));
  }

  private static byte[] row(long id, String role) {
    return RowCodec.encode(MESSAGES.types(), new Object[] {id, role});
  }

  @Test
  void shouldRouteNothingFromATableWithoutTopics() {
    assertThat(
            router.route(
                new RowChange(RowChange.Kind.INSERT, 7, "u1", 5, -1, null, row(1, "user"))))
        .isEmpty();
  }

  @Test
  void shouldFilterByOperationAndWhereAndKeyByOwner() {
    topic(
        100,
        new TopicSource(7, "chat.messages", List.of("INSERT"), "role = 'user'", TopicPayload.FULL));
    topic(101, new TopicSource(7, "chat.messages", List.of("DELETE"), null, TopicPayload.KEY));

    List<TopicRouter.Routed> user =
        router.route(new RowChange(RowChange.Kind.INSERT, 7, "u1", 5, -1, null, row(1, "user")));
    assertThat(user)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.topic()).isEqualTo(LogTopics.userTopic(100));
              assertThat(r.key()).isEqualTo(LogKeys.userKey("u1"));
              TopicRecord t = TopicRecord.decode(r.value());
              assertThat(t.seq()).isEqualTo(5);
              assertThat(t.owner()).isEqualTo("u1");
              assertThat(RowCodec.decode(MESSAGES.types(), t.row())).containsExactly(1L, "user");
            });
    assertThat(
            router.route(
                new RowChange(RowChange.Kind.INSERT, 7, "u1", 6, -1, null, row(2, "assistant"))))
        .isEmpty();

    List<TopicRouter.Routed> deleted =
        router.route(new RowChange(RowChange.Kind.DELETE, 7, "u1", 9, 5, row(1, "user"), null));
    assertThat(deleted)
        .singleElement()
        .satisfies(
            r -> {
              TopicRecord t = TopicRecord.decode(r.value());
              assertThat(t.payload()).isEqualTo(TopicPayload.KEY);
              assertThat(RowCodec.decode(MESSAGES.primaryKeyTypes(), t.row())).containsExactly(1L);
              assertThat(t.oldRow()).isNull();
            });
  }

  @Test
  void shouldCarryBothRowsForADiff() {
    topic(102, new TopicSource(7, "chat.messages", List.of("UPDATE"), null, TopicPayload.DIFF));
    TopicRecord t =
        TopicRecord.decode(
            router
                .route(
                    new RowChange(
                        RowChange.Kind.UPDATE, 7, "u2", 9, 5, row(1, "user"), row(1, "system")))
                .get(0)
                .value());
    assertThat(RowCodec.decode(MESSAGES.types(), t.oldRow())).containsExactly(1L, "user");
    assertThat(RowCodec.decode(MESSAGES.types(), t.row())).containsExactly(1L, "system");
  }

  @Test
  void shouldNotRouteARowWhoseWhereFailsAndGoOnWithTheOthers() {
    topic(
        103,
        new TopicSource(
            7, "chat.messages", List.of("INSERT"), "10 / (id - 1) > 0", TopicPayload.FULL));
    topic(104, new TopicSource(7, "chat.messages", List.of("INSERT"), null, TopicPayload.FULL));

    List<TopicRouter.Routed> failing =
        router.route(new RowChange(RowChange.Kind.INSERT, 7, "u1", 5, -1, null, row(1, "user")));
    assertThat(failing)
        .extracting(TopicRouter.Routed::topic)
        .containsExactly(LogTopics.userTopic(104));
    assertThat(router.filterErrors()).isEqualTo(1);

    List<TopicRouter.Routed> next =
        router.route(new RowChange(RowChange.Kind.INSERT, 7, "u1", 6, -1, null, row(2, "user")));
    assertThat(next)
        .extracting(TopicRouter.Routed::topic)
        .containsExactlyInAnyOrder(LogTopics.userTopic(103), LogTopics.userTopic(104));
    assertThat(router.filterErrors()).isEqualTo(1);
  }
}
