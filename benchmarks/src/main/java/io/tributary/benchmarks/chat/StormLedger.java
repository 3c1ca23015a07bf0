package io.tributary.benchmarks.chat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the reconnect storm must deliver and what it did: per connection and room (one subscription
 * each), the rows received and the last {@code _seq}, the position a resumed subscription asks for;
 * per room, the rows written (acknowledged). A row received twice by one subscription is a
 * duplicate, a written row a subscription never received is a gap, a row of a room the connection
 * does not follow is foreign.
 */
final class StormLedger {
  /** One subscription's receipts. Guarded by the ledger's lock of its connection. */
  private static final class Receipts {
    long lastSeq;
    final Set<Long> ids = new HashSet<>();

    Receipts(long lastSeq) {
      this.lastSeq = lastSeq;
    }
  }

  private final List<Map<Integer, Receipts>> connections = new ArrayList<>();
  private final Map<Integer, Integer> subscribers = new HashMap<>();
  private final Map<Integer, ConcurrentLinkedQueue<Long>> written = new ConcurrentHashMap<>();
  private final AtomicLong expected = new AtomicLong();
  private final AtomicLong deliveries = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong foreign = new AtomicLong();

  /**
   * @param rooms each connection's rooms
   * @param startSeq a {@code _seq} below every row the storm writes (where a subscription that
   *     received nothing resumes)
   */
  StormLedger(List<int[]> rooms, long startSeq) {
    for (int[] r : rooms) {
      Map<Integer, Receipts> m = new HashMap<>();
      for (int room : r) {
        m.put(room, new Receipts(startSeq));
        subscribers.merge(room, 1, Integer::sum);
      }
      connections.add(m);
    }
  }

  /** Row {@code id} of {@code room} was written (its INSERT acknowledged). */
  void written(int room, long id) {
    written.computeIfAbsent(room, r -> new ConcurrentLinkedQueue<>()).add(id);
    expected.addAndGet(subscribers.getOrDefault(room, 0));
  }

  /** Connection {@code c} received row {@code id} of {@code room} with {@code seq}. */
  void received(int c, int room, long id, long seq) {
    Map<Integer, Receipts> m = connections.get(c);
    synchronized (m) {
      Receipts r = m.get(room);
      if (r == null) {
        foreign.incrementAndGet();
        return;
      }
      r.lastSeq = Math.max(r.lastSeq, seq);
      if (r.ids.add(id)) {
        deliveries.incrementAndGet();
      } else {
        duplicates.incrementAndGet();
      }
    }
  }

  /** Where connection {@code c}'s subscription to {@code room} resumes: its last {@code _seq}. */
  long resumeSeq(int c, int room) {
    Map<Integer, Receipts> m = connections.get(c);
    synchronized (m) {
      return m.get(room).lastSeq;
    }
  }

  /** The deliveries every written row owes its subscribers. */
  long expected() {
    return expected.get();
  }

  /** Distinct rows received by the subscriptions that follow their room. */
  long deliveries() {
    return deliveries.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long foreign() {
    return foreign.get();
  }

  /** The written rows that a subscription of their room never received. */
  long gaps() {
    long gaps = 0;
    for (Map<Integer, Receipts> m : connections) {
      synchronized (m) {
        for (Map.Entry<Integer, Receipts> e : m.entrySet()) {
          for (long id : written.getOrDefault(e.getKey(), new ConcurrentLinkedQueue<>())) {
            if (!e.getValue().ids.contains(id)) {
              gaps++;
            }
          }
        }
      }
    }
    return gaps;
  }
}
