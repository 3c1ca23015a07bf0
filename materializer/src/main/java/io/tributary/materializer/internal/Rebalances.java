package io.tributary.materializer.internal;

import io.tributary.materializer.Materializer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Remembers when Kafka Streams entered REBALANCING, to tell a long or repeated rebalance (a fenced
 * producer rejoining the group again and again applies nothing) from the one every start makes.
 * Thread-safe.
 */
final class Rebalances {
  static final long WINDOW_MILLIS = 120_000;

  private final Deque<Long> entered = new ArrayDeque<>();
  private long rebalancingSince = -1;

  synchronized void transition(KafkaStreams.State next, long nowMillis) {
    if (next == KafkaStreams.State.REBALANCING) {
      if (rebalancingSince < 0) {
        rebalancingSince = nowMillis;
      }
      entered.addLast(nowMillis);
      while (entered.size() > 16) {
        entered.removeFirst();
      }
    } else {
      rebalancingSince = -1;
    }
  }

  /** Why the rebalances keep the materializer from applying, or null. */
  synchronized String problem(long nowMillis, long maxStallMillis) {
    if (rebalancingSince >= 0 && nowMillis - rebalancingSince > maxStallMillis) {
      return String.format(
          "Kafka Streams has been rebalancing for %d s", (nowMillis - rebalancingSince) / 1000);
    }
    long recent = entered.stream().filter(t -> nowMillis - t <= WINDOW_MILLIS).count();
    if (recent >= Materializer.MAX_REBALANCES_PER_WINDOW) {
      return String.format(
          "Kafka Streams rebalanced %d times in the last %d s (a fenced or failing stream thread)",
          recent, WINDOW_MILLIS / 1000);
    }
    return null;
  }
}
