package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Percentiles of a latency distribution, in milliseconds. Public for the chat scenario's charts.
 */
public record Latency(long count, double p50, double p90, double p99, double p999, double max) {

  /** A histogram of microseconds, 1 µs to 10 min at 3 significant digits. */
  static Histogram newHistogram() {
    return new Histogram(600_000_000L, 3);
  }

  /** Records a latency in nanoseconds, clamped to [0, 10 min]. */
  static void record(Histogram h, long nanos) {
    h.recordValue(Math.min(600_000_000L, Math.max(0, nanos / 1_000)));
  }

  static Latency of(Histogram micros) {
    if (micros.getTotalCount() == 0) {
      return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new Latency(
        micros.getTotalCount(),
        ms(micros.getValueAtPercentile(50)),
        ms(micros.getValueAtPercentile(90)),
        ms(micros.getValueAtPercentile(99)),
        ms(micros.getValueAtPercentile(99.9)),
        ms(micros.getMaxValue()));
  }

  /**
   * A histogram of microseconds as chart points (percentile, ms), up to p99.99 and then the maximum
   * (at 100); none when it is empty.
   */
  public static List<List<Double>> percentiles(Histogram micros) {
    List<List<Double>> points = new ArrayList<>();
    if (micros == null || micros.getTotalCount() == 0) {
      return points;
    }
    double last = -1;
    for (HistogramIterationValue v : micros.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo();
      if (p > 99.99) {
        break;
      }
      if (p > last) {
        points.add(List.of(Math.round(p * 10_000) / 10_000.0, v.getValueIteratedTo() / 1_000.0));
        last = p;
      }
    }
    points.add(List.of(100.0, micros.getMaxValue() / 1_000.0));
    return points;
  }

  private static double ms(long micros) {
    return micros / 1_000.0;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", count);
    m.put("p50", p50);
    m.put("p90", p90);
    m.put("p99", p99);
    m.put("p999", p999);
    m.put("max", max);
    return m;
  }
}
