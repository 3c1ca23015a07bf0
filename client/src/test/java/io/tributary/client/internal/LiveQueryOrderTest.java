package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tributary.api.v1.Column;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.SortKey;
import io.tributary.api.v1.Subscribed;
import io.tributary.api.v1.Value;
import io.tributary.client.LiveQuery;
import io.tributary.client.TributaryClient;
import io.tributary.client.testing.FakeTributaryServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * live() keeps its rows in the query's ORDER BY order and publishes them once per complete change,
 * against a scripted in-process LiveService. Rows here are (id BIGINT, name TEXT, score INT, _seq
 * BIGINT) with primary key id; a published list is written as "id:name:score" strings.
 */
class LiveQueryOrderTest {

  private static final String SUB = "sub-1";

  private FakeTributaryServer fake;
  private TributaryClient client;
  private final List<List<String>> published = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    fake = new FakeTributaryServer().start(InProcessServerBuilder.forName(name).directExecutor());
    client =
        new GrpcTributaryClient(
                InProcessChannelBuilder.forName(name).directExecutor().build(),
                Duration.ofSeconds(10),
                new LiveConnection.Options(Backoff.DEFAULT, new ManualScheduler(), 4))
            .withToken("tok");
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    fake.close();
  }

  @Test
  void shouldKeepRowsInDescendingOrderWithNullsFirstAsInsertsAndUpdatesMoveThem() {
    LiveQuery query = live("SELECT id, name FROM t ORDER BY name DESC");
    fake.send(
        subscribed(order("name", true, true)),
        snapshot(row(4, null, 1, 1), row(2, "m", 1, 2), row(1, "c", 1, 3)),
        ready(SUB, 3));
    fake.send(
        insert(row(3, "z", 1, 4)),
        insert(row(5, null, 1, 5)),
        update(row(1, "c", 1, 3), row(1, "x", 1, 6)),
        update(row(4, null, 1, 1), row(4, "a", 1, 7)));

    awaitPublished(5);
    assertThat(published)
        .containsExactly(
            List.of("4:null:1", "2:m:1", "1:c:1"),
            List.of("4:null:1", "3:z:1", "2:m:1", "1:c:1"),
            // NULL first when descending; ties (two NULLs) go by the primary key.
            List.of("4:null:1", "5:null:1", "3:z:1", "2:m:1", "1:c:1"),
            List.of("4:null:1", "5:null:1", "3:z:1", "1:x:1", "2:m:1"),
            List.of("5:null:1", "3:z:1", "1:x:1", "2:m:1", "4:a:1"));
    assertThat(strings(query.rows())).isEqualTo(published.get(4));
  }

  @Test
  void shouldOrderByEveryTermThenThePrimaryKey() {
    // ORDER BY score NULLS FIRST, name DESC NULLS LAST
    live("SELECT * FROM t ORDER BY score NULLS FIRST, name DESC NULLS LAST");
    fake.send(
        subscribed(order("score", false, true), order("name", true, false)),
        snapshot(),
        ready(SUB, 0));
    fake.send(
        insert(row(1, "b", 2, 1)),
        insert(row(2, "a", 2, 2)),
        insert(row(3, null, 2, 3)),
        insert(row(4, "c", null, 4)),
        insert(row(5, "b", 2, 5)),
        update(row(4, "c", null, 4), row(4, "c", 1, 6)),
        update(row(2, "a", 2, 2), row(2, "z", 2, 7)),
        delete(row(5, "b", 2, 5), 8));

    awaitPublished(9);
    assertThat(published.get(5)).containsExactly("4:c:null", "1:b:2", "5:b:2", "2:a:2", "3:null:2");
    assertThat(published.get(8)).containsExactly("4:c:1", "2:z:2", "1:b:2", "3:null:2");
  }

  @Test
  void shouldKeepPrimaryKeyOrderWithoutOrderBy() {
    live("SUBSCRIBE TO t");
    fake.send(subscribed(), snapshot(row(3, "c", 0, 3), row(1, "a", 0, 1)), ready(SUB, 3));
    fake.send(insert(row(2, "b", 0, 4)), update(row(3, "c", 0, 3), row(3, "C", 0, 5)));

    awaitPublished(3);
    assertThat(published)
        .containsExactly(
            List.of("1:a:0", "3:c:0"),
            List.of("1:a:0", "2:b:0", "3:c:0"),
            List.of("1:a:0", "2:b:0", "3:C:0"));
  }

  @Test
  void shouldFindARowByABytesPrimaryKeyByItsContent() {
    // Every event decodes its own byte[]: a key compared by identity would never find the row.
    List<List<String>> names = new CopyOnWriteArrayList<>();
    client.live(
        "SUBSCRIBE TO b",
        rows -> names.add(rows.stream().map(r -> (String) r.get("name")).toList()));
    LiveEvent subscribed =
        LiveEvent.newBuilder()
            .setSubscriptionId(SUB)
            .setSubscribed(
                Subscribed.newBuilder()
                    .addColumns(Column.newBuilder().setName("id").setType("BYTES"))
                    .addColumns(Column.newBuilder().setName("name").setType("TEXT"))
                    .addColumns(Column.newBuilder().setName("_seq").setType("BIGINT"))
                    .addPrimaryKey("id"))
            .build();
    fake.send(subscribed, snapshot(bytesRow(1, "a", 1), bytesRow(2, "b", 2)), ready(SUB, 2));
    fake.send(update(bytesRow(1, "a", 1), bytesRow(1, "A", 3)), delete(bytesRow(2, "b", 2), 4));

    eventually().until(() -> names.size() >= 3);
    assertThat(names).containsExactly(List.of("a", "b"), List.of("A", "b"), List.of("A"));
  }

  @Test
  void shouldPublishAWindowChangeOnceWithTheQueryResult() {
    // SELECT * FROM t ORDER BY score DESC LIMIT 2: the server sends what enters and leaves.
    LiveQuery query = live("SELECT * FROM t ORDER BY score DESC LIMIT 2");
    fake.send(
        subscribed(order("score", true, true)),
        snapshot(row(1, "a", 9, 1), row(2, "b", 5, 2)),
        ready(SUB, 3));
    // A row written above the cut: the last row leaves, the new one enters.
    fake.send(delete(row(2, "b", 5, 2), 10), insert(row(3, "c", 7, 10)));
    awaitPublished(2);
    // A row updated below the cut: it leaves, the next one moves up; then a row updated in place,
    // in the same message as the first change.
    fake.send(
        delete(row(1, "a", 9, 1), 11),
        insert(row(2, "b", 5, 2), 11),
        update(row(3, "c", 7, 10), row(3, "c", 8, 12)));

    awaitPublished(4);
    assertThat(published)
        .containsExactly(
            List.of("1:a:9", "2:b:5"),
            List.of("1:a:9", "3:c:7"),
            List.of("3:c:7", "2:b:5"),
            List.of("3:c:8", "2:b:5"));
    assertThat(strings(query.rows())).containsExactly("3:c:8", "2:b:5");
  }

  @Test
  void shouldNotPublishInTheMiddleOfASnapshotOrAChangeSpreadOverEvents() {
    live("SELECT * FROM t ORDER BY score LIMIT 2");
    fake.send(subscribed(order("score", false, false)), snapshot(true, row(1, "a", 1, 1)));
    fake.send(snapshot(false, row(2, "b", 2, 2)));
    fake.send(ready(SUB, 2));
    // Deletes first, then the update, then inserts: one change, one list.
    fake.send(
        delete(row(2, "b", 2, 2), 5),
        update(row(1, "a", 1, 1), row(1, "a", 0, 5)),
        insert(row(4, "d", 1, 5), 5));

    awaitPublished(2);
    assertThat(published).containsExactly(List.of("1:a:1", "2:b:2"), List.of("1:a:0", "4:d:1"));
  }

  @Test
  void shouldPublishTheChangeBeforeAnErrorEndsTheLiveQuery() {
    LiveQuery query = live("SELECT * FROM t ORDER BY score LIMIT 1");
    fake.send(subscribed(order("score", false, false)), snapshot(row(1, "a", 5, 1)), ready(SUB, 1));
    fake.send(
        delete(row(1, "a", 5, 1), 4),
        insert(row(2, "b", 3, 4)),
        FakeTributaryServer.error(SUB, "PERMISSION_DENIED", "Cannot subscribe: revoked", 4));

    await().until(() -> query.failure().isPresent());
    assertThat(published).containsExactly(List.of("1:a:5"), List.of("2:b:3"));
    assertThat(query.failure().get().getMessage()).isEqualTo("Cannot subscribe: revoked");
  }

  @Test
  void shouldFailALiveQueryWhoseOrderNamesAColumnItDoesNotHave() {
    LiveQuery query = live("SELECT * FROM t ORDER BY nope");
    fake.send(subscribed(order("nope", false, false)), snapshot(row(1, "a", 5, 1)), ready(SUB, 1));

    await().until(() -> query.failure().isPresent());
    assertThat(query.failure().get().code()).isEqualTo("INTERNAL");
    assertThat(query.failure().get().getMessage())
        .startsWith("Cannot keep the live query in order: Cannot find column 'nope'");
    await().until(() -> fake.removes.size() == 1);
    assertThat(published).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  private LiveQuery live(String sql) {
    return client.live(sql, rows -> published.add(strings(rows)));
  }

  private void awaitPublished(int lists) {
    eventually().until(() -> published.size() >= lists);
    // Nothing more comes: every event was sent before the last list was published.
    assertThat(published).hasSize(lists);
  }

  private static ConditionFactory eventually() {
    return await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2))
        .atMost(Duration.ofSeconds(10));
  }

  private static List<String> strings(List<io.tributary.client.Row> rows) {
    List<String> out = new ArrayList<>();
    for (io.tributary.client.Row row : rows) {
      out.add(row.get("id") + ":" + row.get("name") + ":" + row.get("score"));
    }
    return out;
  }

  private static SortKey order(String column, boolean descending, boolean nullsFirst) {
    return SortKey.newBuilder()
        .setColumn(column)
        .setDescending(descending)
        .setNullsFirst(nullsFirst)
        .build();
  }

  private static LiveEvent subscribed(SortKey... orderBy) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUB)
        .setSubscribed(
            Subscribed.newBuilder()
                .addColumns(Column.newBuilder().setName("id").setType("BIGINT"))
                .addColumns(Column.newBuilder().setName("name").setType("TEXT").setNullable(true))
                .addColumns(Column.newBuilder().setName("score").setType("INT").setNullable(true))
                .addColumns(Column.newBuilder().setName("_seq").setType("BIGINT"))
                .addPrimaryKey("id")
                .addAllOrderBy(List.of(orderBy)))
        .build();
  }

  private static Row row(long id, String name, Integer score, long seq) {
    return Row.newBuilder()
        .addValues(Value.newBuilder().setBigintValue(id))
        .addValues(
            name == null
                ? Value.getDefaultInstance()
                : Value.newBuilder().setTextValue(name).build())
        .addValues(
            score == null
                ? Value.getDefaultInstance()
                : Value.newBuilder().setIntValue(score).build())
        .addValues(Value.newBuilder().setBigintValue(seq))
        .build();
  }

  /** A row (id BYTES, name TEXT, _seq BIGINT) whose id is the single byte {@code id}. */
  private static Row bytesRow(int id, String name, long seq) {
    return Row.newBuilder()
        .addValues(Value.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {(byte) id})))
        .addValues(Value.newBuilder().setTextValue(name))
        .addValues(Value.newBuilder().setBigintValue(seq))
        .build();
  }

  private static long seqOf(Row row) {
    return row.getValues(row.getValuesCount() - 1).getBigintValue();
  }

  private static LiveEvent snapshot(Row... rows) {
    return snapshot(false, rows);
  }

  private static LiveEvent snapshot(boolean hasMore, Row... rows) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUB)
        .setInitialRows(InitialRows.newBuilder().addAllRows(List.of(rows)).setHasMore(hasMore))
        .build();
  }

  /** An insert at the row's own _seq. */
  private static LiveEvent insert(Row row) {
    return insert(row, seqOf(row));
  }

  /** An insert at {@code seq}: in a window, a row that moves up keeps its own _seq. */
  private static LiveEvent insert(Row row, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUB)
        .setInsert(RowInsert.newBuilder().setRow(row).setSeq(seq))
        .build();
  }

  private static LiveEvent update(Row oldRow, Row newRow) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUB)
        .setUpdate(RowUpdate.newBuilder().setOldRow(oldRow).setNewRow(newRow).setSeq(seqOf(newRow)))
        .build();
  }

  private static LiveEvent delete(Row row, long seq) {
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUB)
        .setDelete(RowDelete.newBuilder().setRow(row).setSeq(seq))
        .build();
  }
}
