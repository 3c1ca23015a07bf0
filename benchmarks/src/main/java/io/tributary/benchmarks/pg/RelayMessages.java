package io.tributary.benchmarks.pg;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.StreamOpened;
import io.tributary.api.v1.Value;

/**
 * The bytes the relay writes to a subscriber's stream. The only place that knows the envelope: when
 * the live wire protocol changes (for example to a batch message), change these two methods.
 *
 * <p>An insert is the event Tributary sends a subscription for the same row, byte for byte as
 * large: {@code (id, room, body, _seq)} with a {@code _seq} of the same form.
 */
final class RelayMessages {
  /** Tributary's subscription ids are UUIDs; the relay's events carry one of the same size. */
  static final String SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000000";

  private RelayMessages() {}

  /** The serialized message that tells a client its stream is open. */
  static byte[] openedMessage() {
    return LiveEventBatch.newBuilder()
        .addEvents(
            LiveEvent.newBuilder()
                .setOpened(StreamOpened.newBuilder().setStreamId(SUBSCRIPTION_ID)))
        .build()
        .toByteArray();
  }

  /**
   * The serialized message of row {@code (change, room, body)} for a stream that carries {@code
   * subscriptions} subscriptions of the room: one insert event each, in one batch, as Tributary's
   * stream of that connection would carry them.
   */
  static byte[] insertMessage(long change, int room, String body, int subscriptions) {
    LiveEvent event = insertEvent(change, room, body);
    LiveEventBatch.Builder b = LiveEventBatch.newBuilder();
    for (int i = 0; i < subscriptions; i++) {
      b.addEvents(event);
    }
    return b.build().toByteArray();
  }

  /** The insert event of row {@code (change, room, body)}. */
  private static LiveEvent insertEvent(long change, int room, String body) {
    long seq = (1_000_000L + change) << 16; // like _seq: a log offset shifted by 16 bits
    Row row =
        Row.newBuilder()
            .addValues(Value.newBuilder().setBigintValue(change))
            .addValues(Value.newBuilder().setIntValue(room))
            .addValues(Value.newBuilder().setTextValue(body))
            .addValues(Value.newBuilder().setBigintValue(seq))
            .build();
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUBSCRIPTION_ID)
        .setInsert(RowInsert.newBuilder().setRow(row).setSeq(seq))
        .build();
  }
}
