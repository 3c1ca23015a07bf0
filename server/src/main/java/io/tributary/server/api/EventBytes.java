package io.tributary.server.api;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.tributary.api.v1.LiveEvent;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One {@link LiveEvent} in wire form: {@code head} followed by {@code body}. A change's event is
 * the subscription's id field (built once per subscription) followed by the change's insert, update
 * or delete field, built once per change and projection and shared, the same bytes, by every
 * subscription that receives it (DESIGN.md section 5). Other events are whole in {@code head}.
 * Immutable; the arrays are never written after construction.
 */
final class EventBytes {
  private static final byte[] NONE = new byte[0];

  private final byte[] head;
  private final byte[] body;

  EventBytes(byte[] head, byte[] body) {
    this.head = head;
    this.body = body;
  }

  /** An event serialized on its own (not a change shared with other subscriptions). */
  static EventBytes of(LiveEvent event) {
    return new EventBytes(event.toByteArray(), NONE);
  }

  byte[] head() {
    return head;
  }

  byte[] body() {
    return body;
  }

  /** The serialized size of the event. */
  int size() {
    return head.length + body.length;
  }

  /** Field {@code number} of a message, holding {@code value}: its tag, its length, its bytes. */
  static byte[] field(int number, MessageLite value) {
    byte[] out = new byte[CodedOutputStream.computeMessageSize(number, value)];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeMessage(number, value);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode a live event field", e);
    }
    o.checkNoSpaceLeft();
    return out;
  }

  /** String field {@code number} of a message: its tag, its length, its UTF-8 bytes. */
  static byte[] field(int number, String value) {
    byte[] out = new byte[CodedOutputStream.computeStringSize(number, value)];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      o.writeString(number, value);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode a live event field", e);
    }
    o.checkNoSpaceLeft();
    return out;
  }
}
