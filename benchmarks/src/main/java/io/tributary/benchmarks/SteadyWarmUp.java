package io.tributary.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * Warms a target up until it is steady: discarded windows of {@value #WINDOW_SECONDS} s until
 * {@value #STEADY_WINDOWS} in a row are within {@link #STEADY_SPREAD} of each other (largest ÷
 * smallest) and the JIT compiler took at most {@link #QUIET_COMPILER} of the last window's wall
 * time, after at least {@value #MIN_SECONDS} s, or until a maximum.
 *
 * <p>Why: on 2 cores the JIT compiler needs minutes for a server's code, and it competes with the
 * load. A target measured before the compiler is done is measured with part of its CPU going to the
 * compiler; warming each target until it is steady measures each at its own steady state, which is
 * what a server running for hours is at. The rate alone is not enough: it rises in steps as methods
 * get compiled and can stay flat for three windows between two steps. The compiler's own time (this
 * JVM's, which runs the servers and the clients) tells whether more steps are coming.
 */
public final class SteadyWarmUp {
  public static final double WINDOW_SECONDS = 5;
  public static final double MIN_SECONDS = 30;
  public static final int STEADY_WINDOWS = 3;
  public static final double STEADY_SPREAD = 1.05;

  /** The most JIT compile time per second of wall time that counts as a quiet compiler. */
  public static final double QUIET_COMPILER = 0.15;

  private SteadyWarmUp() {}

  /**
   * How a warm-up went: how long it ran, whether it ended steady (rather than at its limit), each
   * window's rate and the JIT compiler's seconds per second in each window (empty when the JVM does
   * not report compile time).
   */
  public record Result(
      double seconds, boolean steady, List<Double> windowRates, List<Double> compilerShares) {
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seconds", seconds);
      m.put("steady", steady);
      m.put("window_rates", windowRates);
      m.put("window_compile_seconds_per_second", compilerShares);
      return m;
    }

    /** For progress lines: {@code 72 s, steady; rates per window: [...]; JIT ...}. */
    public String describe() {
      return String.format(
          Locale.ROOT,
          "%.0f s, %s; rates per window: %s; JIT compile s/s: %s",
          seconds,
          steady ? "steady" : "NOT steady at its limit",
          windowRates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList(),
          compilerShares.stream().map(c -> String.format(Locale.ROOT, "%.2f", c)).toList());
    }
  }

  /**
   * Runs windows until the target is steady or {@code maxSeconds} have passed.
   *
   * @param window runs one discarded window of the given seconds and returns its rate
   */
  public static Result run(double maxSeconds, DoubleUnaryOperator window) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long start = System.nanoTime();
    List<Double> rates = new ArrayList<>();
    List<Double> compiler = new ArrayList<>();
    double windowSeconds = Math.min(WINDOW_SECONDS, maxSeconds);
    while (true) {
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (elapsed >= Math.min(MIN_SECONDS, maxSeconds)
          && steady(rates)
          && (!timed || quiet(compiler))) {
        return new Result(elapsed, true, rates, compiler);
      }
      if (elapsed >= maxSeconds) {
        return new Result(elapsed, false, rates, compiler);
      }
      long compiledMillis = timed ? jit.getTotalCompilationTime() : 0;
      long t0 = System.nanoTime();
      rates.add(window.applyAsDouble(windowSeconds));
      double wall = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
      if (timed) {
        compiler.add((jit.getTotalCompilationTime() - compiledMillis) / 1e3 / wall);
      }
    }
  }

  /** The rule in words, for reports. */
  public static String rule(double maxSeconds) {
    return String.format(
        Locale.ROOT,
        "discarded windows of %.0f s until %d in a row are within %.0f%% of each other and the JIT"
            + " compiler took at most %.0f%% of the last one's time, after at least %.0f s and at"
            + " most %.0f s",
        WINDOW_SECONDS,
        STEADY_WINDOWS,
        (STEADY_SPREAD - 1) * 100,
        QUIET_COMPILER * 100,
        Math.min(MIN_SECONDS, maxSeconds),
        maxSeconds);
  }

  static boolean steady(List<Double> rates) {
    if (rates.size() < STEADY_WINDOWS) {
      return false;
    }
    List<Double> last = rates.subList(rates.size() - STEADY_WINDOWS, rates.size());
    double min = last.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = last.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return min > 0 && max / min <= STEADY_SPREAD;
  }

  static boolean quiet(List<Double> compilerShares) {
    return !compilerShares.isEmpty()
        && compilerShares.get(compilerShares.size() - 1) <= QUIET_COMPILER;
  }
}
