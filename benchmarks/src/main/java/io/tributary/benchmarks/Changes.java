package io.tributary.benchmarks;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.Row;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.Value;

/**
 * The changes both targets carry: a row {@code (id BIGINT, room INT, body TEXT)} whose id is the
 * change number, plus {@code _seq}. The ceiling sends byte for byte the event Tributary would.
 */
final class Changes {
  /** A chat-message-sized body. */
  static final String BODY =
      "benchmark message body, about as long as a short chat line. 0123456789";

  /** Tributary's subscription ids are UUIDs; the ceiling's message carries one of the same size. */
  static final String SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000000";

  private Changes() {}

  /**
   * The INSERT of a change, the way an application sends it: the same text every time (so the
   * server parses it once), the change number as parameter {@code $1}.
   */
  static String insertSql(String table) {
    return "INSERT INTO "
        + table
        + " (id, room, body) VALUES ($1, "
        + Layout.HOT_ROOM
        + ", '"
        + BODY
        + "')";
  }

  /**
   * The message a stream carrying {@code events} matching subscriptions receives for change {@code
   * change}: a batch of that many of the events Tributary sends, serialized.
   */
  static byte[] insertBatch(long change, int events) {
    LiveEvent event = insertEvent(change);
    LiveEventBatch.Builder b = LiveEventBatch.newBuilder();
    for (int i = 0; i < events; i++) {
      b.addEvents(event);
    }
    return b.build().toByteArray();
  }

  /** The event Tributary sends a subscription for change {@code change}. */
  static LiveEvent insertEvent(long change) {
    long seq = (1_000_000L + change) << 16; // like _seq: a log offset shifted by 16 bits
    Row row =
        Row.newBuilder()
            .addValues(Value.newBuilder().setBigintValue(change))
            .addValues(Value.newBuilder().setIntValue(Layout.HOT_ROOM))
            .addValues(Value.newBuilder().setTextValue(BODY))
            .addValues(Value.newBuilder().setBigintValue(seq))
            .build();
    return LiveEvent.newBuilder()
        .setSubscriptionId(SUBSCRIPTION_ID)
        .setInsert(RowInsert.newBuilder().setRow(row).setSeq(seq))
        .build();
  }
}
