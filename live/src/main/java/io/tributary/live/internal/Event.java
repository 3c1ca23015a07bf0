package io.tributary.live.internal;

/**
 * One event as the {@link io.tributary.live.EventEncoder} made it: {@code head} followed by {@code
 * body}, bytes this module never looks into. Immutable; the arrays are never written.
 */
record Event(byte[] head, byte[] body) {
  static final byte[] NONE = new byte[0];

  /** A stream's own event (no subscription head). */
  static Event of(byte[] body) {
    return new Event(NONE, body);
  }

  /** The event's size before framing. */
  int size() {
    return head.length + body.length;
  }
}
