package io.tributary.server.api;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tributary.api.v1.LiveEventBatch;
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
    byte[][] heads = new byte[events.size()][];
    byte[][] bodies = new byte[events.size()][];
    for (int i = 0; i < heads.length; i++) {
      heads[i] = events.get(i).head();
      bodies[i] = events.get(i).body();
    }
    return of(heads, bodies, heads.length);
  }

  /** The first {@code n} events: event {@code i} is {@code heads[i]} then {@code bodies[i]}. */
  static EncodedBatch of(byte[][] heads, byte[][] bodies, int n) {
    int size = 0;
    for (int i = 0; i < n; i++) {
      size += framedSize(heads[i].length + bodies[i].length);
    }
    byte[] out = new byte[size];
    int at = 0;
    for (int i = 0; i < n; i++) {
      byte[] head = heads[i];
      byte[] body = bodies[i];
      out[at++] = EVENT_TAG;
      at = writeVarint(out, at, head.length + body.length);
      System.arraycopy(head, 0, out, at, head.length);
      at += head.length;
      System.arraycopy(body, 0, out, at, body.length);
      at += body.length;
    }
    if (at != size) {
      throw new IllegalStateException("Cannot encode a live event batch: size mismatch");
    }
    return new EncodedBatch(out);
  }

  /** The bytes an event of {@code eventSize} bytes takes in a batch: tag, length and the event. */
  static int framedSize(int eventSize) {
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(eventSize) + eventSize;
  }

  /** The bytes an event takes in a batch. */
  static int framedSize(EventBytes event) {
    return framedSize(event.size());
  }

  /** The tag of field 1 ({@code events}), length-delimited: one byte. */
  private static final byte EVENT_TAG =
      (byte) ((LiveEventBatch.EVENTS_FIELD_NUMBER << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED);

  private static int writeVarint(byte[] out, int at, int value) {
    while ((value & ~0x7F) != 0) {
      out[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[at++] = (byte) value;
    return at;
  }
}
