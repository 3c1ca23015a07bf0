package io.tributary.server.api;

import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Ready;
import io.tributary.api.v1.StreamOpened;
import io.tributary.live.EventEncoder;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.TributaryException;
import io.tributary.query.live.LiveQuery;
import java.util.List;

/**
 * The live module's events as {@code tributary/v1} {@link LiveEvent}s: the only encoder of live
 * events. A head is a LiveEvent's {@code subscription_id} field; a body is one field of its {@code
 * event} oneof, so head then body is a serialized LiveEvent, and {@link GrpcSink} frames them as a
 * {@code LiveEventBatch}. A change's fields are built once per projection ({@link EncodedChange}).
 */
public final class ProtoEventEncoder implements EventEncoder {

  @Override
  public byte[] subscriptionHead(String subscriptionId) {
    return EventBytes.field(LiveEvent.SUBSCRIPTION_ID_FIELD_NUMBER, subscriptionId);
  }

  @Override
  public byte[] opened(String streamId) {
    return EventBytes.field(
        LiveEvent.OPENED_FIELD_NUMBER, StreamOpened.newBuilder().setStreamId(streamId).build());
  }

  @Override
  public byte[] heartbeat(long serverTimeMillis) {
    return EventBytes.field(
        LiveEvent.HEARTBEAT_FIELD_NUMBER,
        Heartbeat.newBuilder().setServerTimeMillis(serverTimeMillis).build());
  }

  @Override
  public byte[] subscribed(LiveQuery query) {
    return EventBytes.field(LiveEvent.SUBSCRIBED_FIELD_NUMBER, EncodedChange.subscribed(query));
  }

  @Override
  public byte[] initialRows(LiveQuery query, List<Object[]> rows, boolean hasMore) {
    InitialRows.Builder b = InitialRows.newBuilder();
    for (Object[] row : rows) {
      b.addRows(EncodedChange.row(query.table(), query.columns(), row));
    }
    b.setHasMore(hasMore);
    return EventBytes.field(LiveEvent.INITIAL_ROWS_FIELD_NUMBER, b.build());
  }

  @Override
  public byte[] ready(long seq) {
    return EventBytes.field(LiveEvent.READY_FIELD_NUMBER, Ready.newBuilder().setSeq(seq).build());
  }

  @Override
  public byte[] error(TributaryException error, long lastSeq) {
    return EventBytes.field(
        LiveEvent.ERROR_FIELD_NUMBER,
        LiveError.newBuilder().setError(Errors.toProto(error)).setLastSeq(lastSeq).build());
  }

  @Override
  public int framedSize(int eventSize) {
    return EncodedBatch.framedSize(eventSize);
  }

  @Override
  public ChangeEncoding change(AppliedChange change) {
    return new EncodedChange(change);
  }
}
