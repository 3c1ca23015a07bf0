package io.tributary.benchmarks.ingest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The figures of one measured phase: acknowledgements in the measured window, their latency
 * distribution (microseconds) and the process CPU spent meanwhile.
 *
 * @param target {@code tributary} or {@code kafka}
 * @param mode {@code single-row} or {@code batched}
 * @param inFlight writes outstanding at any time (closed loop)
 * @param rowsPerWrite rows one acknowledged write carries (1, or the rows of a multi-row INSERT)
 * @param bytesPerWrite value bytes of the log record one write appends (Tributary: measured)
 * @param acknowledged writes acknowledged in the measured window
 * @param seconds length of the measured window
 * @param errors failed writes (whole phase, warm-up included)
 * @param firstError the first failure's message, or null
 * @param cpuNanos process CPU time during the measured window, or negative if unknown
 * @param latencyMicros acknowledgement latency of every write acknowledged in the window
 */
record Phase(
    String target,
    String mode,
    int inFlight,
    int rowsPerWrite,
    int bytesPerWrite,
    long acknowledged,
    double seconds,
    long errors,
    String firstError,
    long cpuNanos,
    Histogram latencyMicros) {

  double writesPerSecond() {
    return acknowledged / seconds;
  }

  double rowsPerSecond() {
    return writesPerSecond() * rowsPerWrite;
  }

  /** Cores of this machine the whole process kept busy (server, broker and clients). */
  double coresBusy() {
    return cpuNanos < 0 ? Double.NaN : cpuNanos / (seconds * 1e9);
  }

  /** Process CPU per row, in microseconds. */
  double cpuMicrosPerRow() {
    long rows = acknowledged * rowsPerWrite;
    return cpuNanos < 0 || rows == 0 ? Double.NaN : cpuNanos / 1e3 / rows;
  }

  /** A latency percentile in milliseconds (NaN when nothing was acknowledged). */
  double millis(double percentile) {
    if (latencyMicros.getTotalCount() == 0) {
      return Double.NaN;
    }
    return latencyMicros.getValueAtPercentile(percentile) / 1_000.0;
  }

  double maxMillis() {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1_000.0;
  }

  /**
   * The distribution as [percentile, ms] pairs, 5 ticks per half distance up to 99.99, then the
   * maximum as 100.
   */
  List<List<Double>> percentiles() {
    List<List<Double>> points = new ArrayList<>();
    if (latencyMicros.getTotalCount() == 0) {
      return points;
    }
    double last = -1;
    for (HistogramIterationValue v : latencyMicros.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo();
      if (p > 99.99) {
        break;
      }
      if (p > last) {
        points.add(List.of(round(p), v.getValueIteratedTo() / 1_000.0));
        last = p;
      }
    }
    points.add(List.of(100.0, latencyMicros.getMaxValue() / 1_000.0));
    return points;
  }

  private static double round(double percentile) {
    return Math.round(percentile * 10_000) / 10_000.0;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", target);
    m.put("mode", mode);
    m.put("in_flight", inFlight);
    m.put("rows_per_write", rowsPerWrite);
    m.put("record_value_bytes", bytesPerWrite);
    m.put("acknowledged", acknowledged);
    m.put("seconds", seconds);
    m.put("writes_per_s", writesPerSecond());
    m.put("rows_per_s", rowsPerSecond());
    m.put("errors", errors);
    m.put("first_error", firstError);
    m.put("cores_busy", coresBusy());
    m.put("cpu_us_per_row", cpuMicrosPerRow());
    Map<String, Object> latency = new LinkedHashMap<>();
    latency.put("p50", millis(50));
    latency.put("p90", millis(90));
    latency.put("p99", millis(99));
    latency.put("p999", millis(99.9));
    latency.put("max", maxMillis());
    m.put("ack_latency_ms", latency);
    return m;
  }
}
