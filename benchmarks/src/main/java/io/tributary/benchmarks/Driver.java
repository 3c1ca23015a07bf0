package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Drives one target through the two phases of a scenario. Change numbers are unique over the whole
 * run (a change's number is its row id), so a late delivery from an earlier phase is never mistaken
 * for one of the current phase.
 */
final class Driver {
  private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
  private long nextChange = 1;

  private record Cpu(
      long wall,
      long process,
      long machine,
      long fanOut,
      long outOfProcess,
      Map<String, Long> threads) {
    static Cpu of(FanOutTarget t) {
      return new Cpu(
          System.nanoTime(),
          ThreadCpu.ofProcess(),
          ThreadCpu.ofMachine(),
          t.fanOutCpuNanos(),
          t instanceof OutOfProcessCpu o ? o.outOfProcessCpuNanos() : 0,
          ThreadCpu.byGroup());
    }

    /** CPU of the target's processes outside this JVM since {@code start}, or -1 if unknown. */
    long outOfProcessSince(Cpu start) {
      if (outOfProcess < 0 || start.outOfProcess < 0) {
        return -1;
      }
      return Math.max(0, outOfProcess - start.outOfProcess);
    }

    /**
     * CPU used by other processes (not this JVM, not the target's own server processes) from {@code
     * start} to this reading, or -1 if unknown.
     */
    long otherSince(Cpu start) {
      if (machine < 0 || start.machine < 0) {
        return -1;
      }
      return Math.max(
          0,
          (machine - start.machine)
              - (process - start.process)
              - Math.max(0, outOfProcessSince(start)));
    }

    /** Where the CPU went from {@code start} to this reading: the busiest thread groups, in ms. */
    Map<String, Long> topThreadsSince(Cpu start) {
      Map<String, Long> ms = new java.util.LinkedHashMap<>();
      ThreadCpu.top(start.threads, threads, 8).forEach((k, v) -> ms.put(k, v / 1_000_000));
      return ms;
    }
  }

  /**
   * Publishes {@code changesPerSecond} changes per second on a fixed schedule (each publication is
   * asynchronous, so a slow acknowledgement does not delay the next one), discards the first {@code
   * warmupSeconds}, and measures the latency of every delivery of the following {@code
   * measureSeconds}.
   */
  PhaseResult fixedRate(
      FanOutTarget target,
      Layout layout,
      Deliveries deliveries,
      double changesPerSecond,
      double warmupSeconds,
      double measureSeconds,
      int minChanges) {
    int warm = (int) Math.round(warmupSeconds * changesPerSecond);
    int measured =
        Math.max(Math.max(1, minChanges), (int) Math.round(measureSeconds * changesPerSecond));
    int total = warm + measured;
    long base = nextChange;
    nextChange += total;
    long[] sent = new long[total];
    AtomicLongArray acked = new AtomicLongArray(total);
    AtomicInteger ackCount = new AtomicInteger();
    long errorsBefore = deliveries.errors();
    long failuresBefore = target.failures();
    long countBefore = deliveries.count();
    deliveries.startCapture();
    long period = Math.round(1e9 / changesPerSecond);
    long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
    Cpu c0 = null;
    for (int k = 0; k < total; k++) {
      Pause.until(t0 + k * period);
      if (k == warm) {
        c0 = Cpu.of(target);
      }
      sent[k] = System.nanoTime();
      target.publish(
          base + k,
          change -> {
            acked.set((int) (change - base), System.nanoTime());
            ackCount.incrementAndGet();
          });
    }
    awaitDeliveries(deliveries, countBefore + (long) total * layout.matching());
    long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    while (ackCount.get() + target.failures() - failuresBefore < total
        && System.nanoTime() < deadline) {
      LockSupport.parkNanos(200_000);
    }
    Cpu c1 = Cpu.of(target);
    deliveries.stopCapture();

    Histogram fromAck = Latency.newHistogram();
    Histogram fromSend = Latency.newHistogram();
    Histogram ackLatency = Latency.newHistogram();
    long[] counts = new long[2]; // deliveries of measured changes, and those before their ack
    deliveries.forEachCaptured(
        (change, arrival) -> {
          long k = change - base;
          if (k < warm || k >= total) {
            return;
          }
          counts[0]++;
          long ack = acked.get((int) k);
          if (ack != 0) {
            if (arrival < ack) {
              counts[1]++;
            }
            Latency.record(fromAck, arrival - ack);
          }
          Latency.record(fromSend, arrival - sent[(int) k]);
        });
    for (int k = warm; k < total; k++) {
      if (acked.get(k) != 0) {
        Latency.record(ackLatency, acked.get(k) - sent[k]);
      }
    }
    return new PhaseResult(
        target.name(),
        layout.name(),
        "rate",
        changesPerSecond,
        measured / changesPerSecond,
        measured,
        counts[0],
        (long) measured * layout.matching(),
        Latency.of(fromAck),
        Latency.of(fromSend),
        Latency.of(ackLatency),
        counts[1],
        c1.process() - c0.process(),
        c1.fanOut() - c0.fanOut(),
        c1.outOfProcessSince(c0),
        c1.otherSince(c0),
        deliveries.errors() - errorsBefore,
        target.failures() - failuresBefore,
        c1.topThreadsSince(c0),
        curve(fromAck));
  }

  /**
   * Publishes as fast as the clients take the changes, with at most {@code window} changes not yet
   * received by every matching subscription (in total, and by each stream), and measures
   * deliveries/s for {@code measureSeconds} from the end of {@code warmupSeconds} or the phase's
   * first delivery, whichever is later. The window keeps each stream's backlog far below
   * Tributary's per-stream queue, so no subscriber is closed as too slow: the phase measures
   * throughput, not the slow-consumer policy.
   */
  PhaseResult saturation(
      FanOutTarget target,
      Layout layout,
      Deliveries deliveries,
      int window,
      double warmupSeconds,
      double measureSeconds) {
    long base = nextChange;
    long matching = layout.matching();
    long errorsBefore = deliveries.errors();
    long failuresBefore = target.failures();
    long countBefore = deliveries.count();
    long start = System.nanoTime();
    long warmEnd = start + (long) (warmupSeconds * 1e9);
    long measureNanos = (long) (measureSeconds * 1e9);
    long end = Long.MAX_VALUE;
    long published = 0;
    long publishedAtWarm = 0;
    long countAtWarm = 0;
    Cpu c0 = null;
    long limit = (window - 1) * matching;
    while (true) {
      long now = System.nanoTime();
      // The measurement starts after the warm-up, once deliveries flow: with 100k matches a
      // change takes seconds to reach everyone, and a short phase would otherwise see none.
      if (c0 == null
          && now >= warmEnd
          && (deliveries.count() > countBefore || now - warmEnd > DRAIN_TIMEOUT_NANOS)) {
        c0 = Cpu.of(target);
        countAtWarm = deliveries.count();
        publishedAtWarm = published;
        end = now + measureNanos;
      }
      if (now >= end) {
        break;
      }
      long headroom = limit - (published * matching - (deliveries.count() - countBefore));
      // The window holds for every stream too: one stream lagging while the others keep up
      // would otherwise let its backlog grow past the window, and past the server's queue.
      long lag = published == 0 ? 0 : deliveries.maxLag(base + published - 1, base);
      long n = Math.min(headroom / matching + 1, window > 1 ? window - 1 - lag : 1);
      if (headroom < 0 || n <= 0) {
        LockSupport.parkNanos(100_000); // the driver's own CPU stays small next to the targets'
        continue;
      }
      for (; n > 0; n--) {
        target.publish(base + published, change -> {});
        published++;
      }
    }
    Cpu c1 = Cpu.of(target);
    long countAtEnd = deliveries.count();
    nextChange += published;
    awaitDeliveries(deliveries, countBefore + published * matching);
    double seconds = (c1.wall() - c0.wall()) / 1e9;
    return new PhaseResult(
        target.name(),
        layout.name(),
        "saturation",
        window,
        seconds,
        published - publishedAtWarm,
        countAtEnd - countAtWarm,
        (published - publishedAtWarm) * matching,
        null,
        null,
        null,
        0,
        c1.process() - c0.process(),
        c1.fanOut() - c0.fanOut(),
        c1.outOfProcessSince(c0),
        c1.otherSince(c0),
        deliveries.errors() - errorsBefore,
        target.failures() - failuresBefore,
        c1.topThreadsSince(c0),
        List.of());
  }

  /**
   * A latency distribution as {@code [percentile, ms]} pairs for a smooth curve: HdrHistogram's
   * percentile iteration (5 ticks per half distance) up to 99.99, then the maximum as 100.
   */
  static List<List<Double>> curve(Histogram micros) {
    List<List<Double>> points = new ArrayList<>();
    if (micros.getTotalCount() == 0) {
      return points;
    }
    for (HistogramIterationValue v : micros.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo();
      if (p > 99.99) {
        break;
      }
      points.add(List.of(p, micros.highestEquivalentValue(v.getValueIteratedTo()) / 1_000.0));
    }
    points.add(List.of(100.0, micros.getMaxValue() / 1_000.0));
    return points;
  }

  /** Waits until the clients have received {@code count} deliveries, or gives up after 30 s. */
  private static void awaitDeliveries(Deliveries deliveries, long count) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    while (deliveries.count() < count && System.nanoTime() < deadline) {
      LockSupport.parkNanos(200_000);
    }
  }
}
