package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Pause;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The changes of one target's run, numbered from 0 across the warm-up (phase 0) and the steps: each
 * one's conversation (drawn in advance from the seed, so every target gets the same sequence), its
 * due time, and which members have received it. Runs each phase on its absolute schedule.
 */
final class Schedule {
  private static final long MAX_MICROS = 600_000_000L;

  /** The longest wait for the last acknowledgements of a step (they count as failed after it). */
  private static final long ACK_TIMEOUT_SECONDS = 120;

  private final Conversations world;
  private final int[] first; // first change number of each phase, then the total
  private final int[] rates;
  private final int[] conversationOf;
  private final long[] due;
  private final AtomicIntegerArray received;
  private final AtomicLong foreign = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLongArray duplicates;
  private final AtomicLongArray deliveries;
  private final Histogram[] latencies;

  Schedule(ChatOptions o, Conversations world) {
    this.world = world;
    int phases = o.steps().size() + 1;
    first = new int[phases + 1];
    rates = new int[phases];
    for (int p = 0; p < phases; p++) {
      rates[p] = o.steps().get(Math.max(0, p - 1));
      double seconds = p == 0 ? o.warmupSeconds() : o.stepSeconds();
      first[p + 1] = first[p] + (int) Math.round(rates[p] * seconds);
    }
    int total = first[phases];
    conversationOf = new int[total];
    due = new long[total];
    received = new AtomicIntegerArray(total);
    duplicates = new AtomicLongArray(phases);
    deliveries = new AtomicLongArray(phases);
    latencies = new Histogram[phases];
    for (int p = 0; p < phases; p++) {
      latencies[p] = new ConcurrentHistogram(MAX_MICROS, 3);
    }
    Random random = new Random(o.seed() + 1);
    for (int n = 0; n < total; n++) {
      conversationOf[n] = random.nextInt(world.count());
    }
  }

  /** Reader {@code reader} received change {@code change} at {@code now}. */
  void received(int reader, long change, long now) {
    if (change < 0 || change >= due.length) {
      foreign.incrementAndGet();
      return;
    }
    int n = (int) change;
    int bit = world.bit(reader, conversationOf[n]);
    if (bit < 0) {
      foreign.incrementAndGet();
      return;
    }
    int phase = phaseOf(n);
    int before = received.getAndAccumulate(n, 1 << bit, (a, b) -> a | b);
    if ((before & (1 << bit)) != 0) {
      duplicates.incrementAndGet(phase);
      return;
    }
    deliveries.incrementAndGet(phase);
    latencies[phase].recordValue(micros(now - due[n]));
  }

  /** A message carrying at least one insert arrived. */
  void message() {
    messages.incrementAndGet();
  }

  /** The deliveries to non-members (or of unknown changes) so far. */
  long foreign() {
    return foreign.get();
  }

  long duplicates(int phase) {
    return duplicates.get(phase);
  }

  long deliveries(int phase) {
    return deliveries.get(phase);
  }

  /** The conversation change {@code n} goes to. */
  int conversationOf(int n) {
    return conversationOf[n];
  }

  private int phaseOf(int change) {
    int p = 0;
    while (first[p + 1] <= change) {
      p++;
    }
    return p;
  }

  private static long micros(long nanos) {
    return Math.min(MAX_MICROS, Math.max(0, nanos / 1_000));
  }

  /** Runs one phase (0 = the warm-up) on its absolute schedule and waits for its deliveries. */
  StepResult run(int phase, ChatTarget target, ChatOptions o) throws InterruptedException {
    int from = first[phase];
    int to = first[phase + 1];
    int rate = rates[phase];
    long expected = 0;
    for (int n = from; n < to; n++) {
      expected += world.members(conversationOf[n]).length;
    }
    Histogram ack = new ConcurrentHistogram(MAX_MICROS, 3);
    long foreignBefore = foreign.get();
    long messagesBefore = messages.get();
    AtomicLong failures = new AtomicLong();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    AtomicLong lastAck = new AtomicLong();
    Semaphore inFlight = new Semaphore(o.maxInFlight());
    long serverCpu = target.serverCpuNanos();
    long clientCpu = ChatBenchmark.clientCpuNanos();
    long start = System.nanoTime() + 1_000_000;
    for (int n = from; n < to; n++) {
      long when = start + Math.round((n - from) * 1e9 / rate);
      long wait;
      while ((wait = when - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      inFlight.acquire();
      due[n] = when;
      target.send(
          n,
          conversationOf[n],
          failure -> {
            long now = System.nanoTime();
            if (failure != null) {
              failures.incrementAndGet();
              firstFailure.compareAndSet(null, failure);
            }
            ack.recordValue(micros(now - when));
            lastAck.accumulateAndGet(now, Math::max);
            inFlight.release();
          });
    }
    long sendEnd = System.nanoTime();
    // Every acknowledgement, then every delivery (or no progress for --drain-seconds).
    if (inFlight.tryAcquire(o.maxInFlight(), ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      inFlight.release(o.maxInFlight());
    } else {
      failures.addAndGet(o.maxInFlight() - inFlight.availablePermits());
      firstFailure.compareAndSet(
          null, "no acknowledgement within " + ACK_TIMEOUT_SECONDS + " s of the last send");
    }
    Pause.untilReached(() -> deliveries.get(phase), expected, (long) (o.drainSeconds() * 1e9));
    long end = System.nanoTime();
    double wall = (end - start) / 1e9;
    long missing = 0;
    for (int n = from; n < to; n++) {
      missing += Integer.bitCount(world.fullMask(conversationOf[n]) & ~received.get(n));
    }
    int inserts = to - from;
    double achievedSeconds = Math.max((lastAck.get() - start) / 1e9, inserts / (double) rate);
    List<String> errors = target.streamErrors();
    if (!errors.isEmpty()) {
      firstFailure.compareAndSet(null, errors.get(0));
    }
    return new StepResult(
        phase == 0 ? "warm-up" : "step",
        rate,
        inserts,
        (inserts - failures.get()) / achievedSeconds,
        Math.max(0, (sendEnd - start) / 1e9 - (inserts - 1) / (double) rate),
        expected,
        deliveries.get(phase),
        missing,
        duplicates.get(phase),
        foreign.get() - foreignBefore,
        failures.get(),
        firstFailure.get(),
        messages.get() - messagesBefore,
        latencies[phase].copy(),
        ack,
        (target.serverCpuNanos() - serverCpu) / 1e9 / wall,
        (ChatBenchmark.clientCpuNanos() - clientCpu) / 1e9 / wall);
  }
}
