package io.tributary.server.live;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tributary.api.v1.LiveEventBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A {@link LiveEventBatch} already serialized: what a live stream hands to gRPC. The API layer
 * sends {@link #bytes()} as the message as they are; clients parse them as a {@code
 * LiveEventBatch}.
 */
public final class EncodedBatch {
  private final byte[] bytes;

  private EncodedBatch(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The serialized {@code LiveEventBatch}; not to be modified. */
  public byte[] bytes() {
    return bytes;
  }

  /**
   * A batch from its serialized form, checked to be a {@code LiveEventBatch}.
   *
   * @throws InvalidProtocolBufferException if it is not one
   */
  public static EncodedBatch parse(byte[] serialized) throws InvalidProtocolBufferException {
    LiveEventBatch.parseFrom(serialized);
    return new EncodedBatch(serialized);
  }

  /** The events, in order, as {@code repeated LiveEvent events = 1}. */
  static EncodedBatch of(List<EventBytes> events) {
    return of(events.toArray(new EventBytes[0]), events.size());
  }

  /** The first {@code n} of {@code events}, in order. */
  static EncodedBatch of(EventBytes[] events, int n) {
    int size = 0;
    for (int i = 0; i < n; i++) {
      size += framedSize(events[i]);
    }
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      for (int i = 0; i < n; i++) {
        EventBytes e = events[i];
        o.writeTag(LiveEventBatch.EVENTS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        o.writeUInt32NoTag(e.size());
        e.writeTo(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode a live event batch", e);
    }
    o.checkNoSpaceLeft();
    return new EncodedBatch(out);
  }

  /** The bytes an event takes in a batch: tag, length and the event. */
  static int framedSize(EventBytes event) {
    return CodedOutputStream.computeTagSize(LiveEventBatch.EVENTS_FIELD_NUMBER)
        + CodedOutputStream.computeUInt32SizeNoTag(event.size())
        + event.size();
  }
}
