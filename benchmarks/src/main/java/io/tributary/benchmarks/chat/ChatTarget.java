package io.tributary.benchmarks.chat;

import java.util.List;

/**
 * A system the chat scenario measures: set up with every reader subscribed and every writer
 * connected before the first step, then sent numbered inserts on the schedule. Its readers report
 * each insert they receive to the {@link Schedule}.
 */
interface ChatTarget extends AutoCloseable {
  /** How an insert ended: {@code failure} is null when it was acknowledged as done. */
  interface Acknowledgement {
    void done(String failure);
  }

  String name();

  /** The title in the report. */
  String title();

  /** Sends insert {@code n} to {@code conversation} by that conversation's writer; never blocks. */
  void send(int n, int conversation, Acknowledgement ack);

  /** The CPU nanoseconds the server side (every process of it) has used so far. */
  long serverCpuNanos();

  /** The errors the readers' streams reported so far. */
  List<String> streamErrors();
}
