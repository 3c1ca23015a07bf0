package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.Ready;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.StreamOpened;
import io.tributary.live.EventEncoder;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.live.LiveQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The only encoder of live events: a subscription's head followed by a body is the serialized
 * {@code LiveEvent} clients parse; a change's body is built once per projection and shared; the
 * framing of a batch is what {@code LiveEventBatch} parses.
 */
class ProtoEventEncoderTest {
  private static final TableDef TABLE =
      new TableDef(
          7,
          "app",
          "feed",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("room", ColumnType.INT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  private final ProtoEventEncoder encoder = new ProtoEventEncoder();

  @Test
  void shouldEncodeEachEventAsTheLiveEventClientsParse() throws Exception {
    byte[] head = encoder.subscriptionHead("sub-1");

    assertThat(parse(head, encoder.ready(42)))
        .isEqualTo(
            LiveEvent.newBuilder()
                .setSubscriptionId("sub-1")
                .setReady(Ready.newBuilder().setSeq(42))
                .build());
    TributaryException killed =
        TributaryException.of(ErrorCode.LIVE_QUERY_KILLED, "Cannot continue subscription sub-1");
    assertThat(parse(head, encoder.error(killed, 7)))
        .isEqualTo(
            LiveEvent.newBuilder()
                .setSubscriptionId("sub-1")
                .setError(LiveError.newBuilder().setError(Errors.toProto(killed)).setLastSeq(7))
                .build());
    assertThat(parse(new byte[0], encoder.opened("s1")))
        .isEqualTo(
            LiveEvent.newBuilder().setOpened(StreamOpened.newBuilder().setStreamId("s1")).build());
    assertThat(parse(new byte[0], encoder.heartbeat(123)))
        .isEqualTo(
            LiveEvent.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setServerTimeMillis(123))
                .build());
    LiveQuery query = new LiveQuery(TABLE, null, null, row -> true, List.of(), -1, -1, 500);
    assertThat(parse(head, encoder.subscribed(query)).getSubscribed().getColumnsCount())
        .isEqualTo(3); // id, room, _seq
    assertThat(
            parse(
                    head,
                    encoder.initialRows(query, List.<Object[]>of(new Object[] {1L, 2, 3L}), true))
                .getInitialRows())
        .satisfies(
            rows -> {
              assertThat(rows.getRowsCount()).isEqualTo(1);
              assertThat(rows.getHasMore()).isTrue();
            });
  }

  @Test
  void shouldEncodeAChangeOncePerProjectionAndShareTheBytes() throws Exception {
    Object[] oldRow = {1L, 2, 8L};
    Object[] newRow = {1L, 3, 9L};
    AppliedChange change =
        new AppliedChange(RowChange.Kind.UPDATE, TABLE, null, 9, oldRow, newRow, 0);
    List<Integer> all = LiveQuery.allColumns(TABLE);
    EventEncoder.ChangeEncoding encoding = encoder.change(change);

    byte[] update = encoding.update(all, oldRow, newRow);
    assertThat(encoding.update(all, oldRow, newRow)).isSameAs(update);
    assertThat(encoding.insert(all, newRow)).isSameAs(encoding.insert(all, newRow));
    RowUpdate parsed = parse(encoder.subscriptionHead("a"), update).getUpdate();
    assertThat(parsed.getSeq()).isEqualTo(9);
    assertThat(parsed.getNewRow().getValues(1).getIntValue()).isEqualTo(3);
    // A row that is not the change's own (a window moving) is encoded as asked, not cached.
    Object[] other = {5L, 5, 4L};
    RowInsert entering = parse(new byte[0], encoding.insert(all, other)).getInsert();
    assertThat(entering.getRow().getValues(0).getBigintValue()).isEqualTo(5);
    assertThat(entering.getSeq()).isEqualTo(9);

    EventBytes first = new EventBytes(encoder.subscriptionHead("a"), update);
    EventBytes second = new EventBytes(encoder.subscriptionHead("b"), update);
    EncodedBatch one = EncodedBatch.of(List.of(first));
    EncodedBatch both = EncodedBatch.of(List.of(first, second));
    assertThat(encoder.framedSize(first.size())).isEqualTo(one.bytes().length);
    assertThat(both.bytes()).hasSize(2 * one.bytes().length);
    assertThat(LiveEventBatch.parseFrom(both.bytes()).getEventsList())
        .extracting(LiveEvent::getSubscriptionId)
        .containsExactly("a", "b");
  }

  private static LiveEvent parse(byte[] head, byte[] body) throws Exception {
    byte[] event = new byte[head.length + body.length];
    System.arraycopy(head, 0, event, 0, head.length);
    System.arraycopy(body, 0, event, head.length, body.length);
    return LiveEvent.parseFrom(event);
  }
}
