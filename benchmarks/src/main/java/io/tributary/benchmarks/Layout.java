package io.tributary.benchmarks;

/**
 * How a scenario's subscriptions are laid out: {@code subscriptions} spread round-robin over {@code
 * connections}; exactly {@code matching} of them (the first {@code matching} in round-robin order)
 * follow the room every change is written to ({@link #HOT_ROOM}), the others follow other rooms and
 * receive nothing. The matching subscriptions are thus spread evenly over the connections (their
 * numbers per connection differ by at most one), and there may be fewer of them than connections:
 * then {@code connections - matching} connections carry none.
 */
record Layout(String name, int connections, int subscriptions, int matching) {
  /** The room every benchmark change is written to. */
  static final int HOT_ROOM = 1;

  /** How many rooms the non-matching subscriptions are spread over. */
  static final int OTHER_ROOMS = 1_000;

  Layout {
    if (connections <= 0 || subscriptions < connections || matching <= 0) {
      throw new IllegalArgumentException(
          "Cannot lay out "
              + subscriptions
              + " subscriptions ("
              + matching
              + " matching) over "
              + connections
              + " connections: need at least one subscription per connection and one match");
    }
    if (matching > subscriptions) {
      throw new IllegalArgumentException(
          "Cannot lay out " + matching + " matches among " + subscriptions + " subscriptions");
    }
  }

  /** The connection that carries subscription {@code i}. */
  int connection(int i) {
    return i % connections;
  }

  /** The room subscription {@code i} follows. */
  int room(int i) {
    return i < matching ? HOT_ROOM : HOT_ROOM + 1 + (i % OTHER_ROOMS);
  }
}
