package io.tributary.benchmarks.ingest;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop load generator: {@code inFlight} threads, each sending one write and waiting for
 * its acknowledgement before sending the next, so exactly {@code inFlight} writes are outstanding
 * at any time. Both targets are driven by this same code.
 */
final class ClosedLoop {
  /** Highest latency a histogram holds: 10 minutes, in microseconds. */
  static final long MAX_MICROS = 600_000_000L;

  private ClosedLoop() {}

  /** One acknowledged unit of work: blocks until it is acknowledged, throws if it failed. */
  @FunctionalInterface
  interface Write {
    void run(int slot) throws Exception;
  }

  /**
   * Runs {@code write} from {@code inFlight} threads for {@code warmupSeconds + phaseSeconds} and
   * returns the figures of the acknowledgements that arrived in the last {@code phaseSeconds}.
   */
  static Phase run(
      String target,
      String mode,
      int inFlight,
      int rowsPerWrite,
      int bytesPerWrite,
      Write write,
      double warmupSeconds,
      double phaseSeconds) {
    long start = System.nanoTime();
    long measureFrom = start + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (phaseSeconds * 1e9);
    LongAdder errors = new LongAdder();
    AtomicReference<String> firstError = new AtomicReference<>();
    Histogram[] histograms = new Histogram[inFlight];
    long[] acknowledged = new long[inFlight];
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < inFlight; s++) {
      int slot = s;
      histograms[slot] = newHistogram();
      Thread t =
          new Thread(
              () -> {
                Histogram h = histograms[slot];
                long n = 0;
                long sent;
                while ((sent = System.nanoTime()) < end) {
                  try {
                    write.run(slot);
                  } catch (Exception e) {
                    errors.increment();
                    firstError.compareAndSet(null, describe(e));
                    continue;
                  }
                  long acked = System.nanoTime();
                  if (acked >= measureFrom && acked <= end) {
                    h.recordValue(Math.min(MAX_MICROS, Math.max(0, (acked - sent) / 1_000)));
                    n++;
                  }
                }
                acknowledged[slot] = n;
              },
              "ingest-" + target + "-" + slot);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    parkUntil(measureFrom);
    long cpuFrom = processCpuNanos();
    parkUntil(end);
    long cpu = processCpuNanos() - cpuFrom;
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Cannot finish the " + mode + " phase: interrupted", e);
      }
    }
    Histogram all = newHistogram();
    long units = 0;
    for (int s = 0; s < inFlight; s++) {
      all.add(histograms[s]);
      units += acknowledged[s];
    }
    return new Phase(
        target,
        mode,
        inFlight,
        rowsPerWrite,
        bytesPerWrite,
        units,
        phaseSeconds,
        errors.sum(),
        firstError.get(),
        cpu,
        all);
  }

  /** A histogram of microseconds, 1 µs to 10 min at 3 significant digits. */
  static Histogram newHistogram() {
    return new Histogram(MAX_MICROS, 3);
  }

  /** CPU time of the whole process (server, broker and clients alike), or -1 if unknown. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Pacing of the load generator, not synchronization: parks until the deadline. */
  static void parkUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
