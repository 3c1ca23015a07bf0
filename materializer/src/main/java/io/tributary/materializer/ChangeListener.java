package io.tributary.materializer;

import java.util.List;

/**
 * Receives the row changes of each applied command, straight from the stream thread, before the
 * Kafka Streams transaction commits (DESIGN.md section 3, low-latency live delivery). Because
 * application is deterministic, a transaction that aborts is replayed with the same changes and the
 * same {@code _seq}: a listener may see a change twice and must drop what it has seen.
 */
public interface ChangeListener {
  /** A listener that ignores every change. */
  ChangeListener NONE = changes -> {};

  /**
   * Called once per command that changed rows, in log order per partition, with the command's
   * changes in {@code _seq} order. Must return quickly (hand off to another thread) and never
   * throw.
   */
  void changed(List<AppliedChange> changes);
}
