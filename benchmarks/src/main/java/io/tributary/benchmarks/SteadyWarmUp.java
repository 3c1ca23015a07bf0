package io.tributary.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongSupplier;

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
   * Runs windows until the target is steady or {@code maxSeconds} have passed: the rates of the
   * last {@value #STEADY_WINDOWS} within {@link #STEADY_SPREAD}, this JVM's compiler quiet.
   *
   * @param window runs one discarded window of the given seconds and returns its rate
   */
  public static Result run(double maxSeconds, DoubleUnaryOperator window) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    return run(
        maxSeconds, STEADY_SPREAD, 0, timed ? jit::getTotalCompilationTime : () -> -1, window);
  }

  /**
   * Runs windows until the target is steady or {@code maxSeconds} have passed: the values of the
   * last {@value #STEADY_WINDOWS} windows (a rate, or a latency percentile) within {@code spread}
   * of each other (largest ÷ smallest) or within {@code slack} (largest − smallest), and the
   * compiler whose total milliseconds {@code compileMillis} reads (the JVM under load, which may be
   * another process; negative when it cannot tell) quiet in the last window.
   *
   * @param window runs one discarded window of the given seconds and returns its value
   */
  public static Result run(
      double maxSeconds,
      double spread,
      double slack,
      LongSupplier compileMillis,
      DoubleUnaryOperator window) {
    long start = System.nanoTime();
    List<Double> rates = new ArrayList<>();
    List<Double> compiler = new ArrayList<>();
    double windowSeconds = Math.min(WINDOW_SECONDS, maxSeconds);
    boolean timed = compileMillis.getAsLong() >= 0;
    while (true) {
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (elapsed >= Math.min(MIN_SECONDS, maxSeconds)
          && steady(rates, spread, slack)
          && (!timed || quiet(compiler))) {
        return new Result(elapsed, true, rates, compiler);
      }
      if (elapsed >= maxSeconds) {
        return new Result(elapsed, false, rates, compiler);
      }
      long compiledMillis = timed ? compileMillis.getAsLong() : 0;
      long t0 = System.nanoTime();
      rates.add(window.applyAsDouble(windowSeconds));
      double wall = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
      long compiledAfter = timed ? compileMillis.getAsLong() : -1;
      if (compiledAfter >= 0) {
        compiler.add((compiledAfter - compiledMillis) / 1e3 / wall);
      } else if (timed) {
        compiler.add(Double.NaN); // the compiler could not be read: not quiet
      }
    }
  }

  /** The rule of {@link #run(double, DoubleUnaryOperator)} in words, for reports. */
  public static String rule(double maxSeconds) {
    return rule(maxSeconds, STEADY_SPREAD, 0, "");
  }

  /**
   * The rule of {@link #run(double, double, double, LongSupplier, DoubleUnaryOperator)} in words.
   */
  public static String rule(double maxSeconds, double spread, double slack, String unit) {
    return String.format(
        Locale.ROOT,
        "discarded windows of %.0f s until %d in a row are within %.0f%%%s of each other and the JIT"
            + " compiler took at most %.0f%% of the last one's time, after at least %.0f s and at"
            + " most %.0f s",
        WINDOW_SECONDS,
        STEADY_WINDOWS,
        (spread - 1) * 100,
        slack > 0 ? String.format(Locale.ROOT, " (or %s %s)", Options.text(slack), unit) : "",
        QUIET_COMPILER * 100,
        Math.min(MIN_SECONDS, maxSeconds),
        maxSeconds);
  }

  static boolean steady(List<Double> rates) {
    return steady(rates, STEADY_SPREAD, 0);
  }

  static boolean steady(List<Double> values, double spread, double slack) {
    if (values.size() < STEADY_WINDOWS) {
      return false;
    }
    List<Double> last = values.subList(values.size() - STEADY_WINDOWS, values.size());
    double min = last.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = last.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return min > 0 && (max / min <= spread || max - min <= slack);
  }

  static boolean quiet(List<Double> compilerShares) {
    return !compilerShares.isEmpty()
        && compilerShares.get(compilerShares.size() - 1) <= QUIET_COMPILER;
  }
}
