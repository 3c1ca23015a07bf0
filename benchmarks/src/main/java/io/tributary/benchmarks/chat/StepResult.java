package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Latency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One step of the chat benchmark (or the warm-up): what was offered, achieved and delivered, and
 * the latency from each insert's scheduled send to each subscriber's receipt (microseconds).
 *
 * @param lateSeconds how far behind its schedule the last send went out
 * @param achievedPerSecond successful inserts per second, from the first due time to the last
 *     acknowledgement (at most the offered rate)
 */
record StepResult(
    String kind,
    int offeredPerSecond,
    long inserts,
    double achievedPerSecond,
    double lateSeconds,
    long expectedDeliveries,
    long deliveries,
    long missing,
    long duplicates,
    long foreign,
    long failures,
    String firstFailure,
    long messages,
    Histogram latencyMicros,
    Histogram ackMicros,
    double serverCores,
    double clientCores) {

  static StepResult notRun(int offered) {
    return new StepResult("not run", offered, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, null, null, 0, 0);
  }

  boolean ran() {
    return !kind.equals("not run");
  }

  /** Every matching change reached every member exactly once, and nobody else. */
  boolean exact() {
    return ran()
        && missing == 0
        && duplicates == 0
        && foreign == 0
        && failures == 0
        && deliveries == expectedDeliveries;
  }

  boolean withinWall() {
    return exact()
        && p(99) <= ChatOptions.WALL_P99_MS
        && achievedPerSecond >= ChatOptions.WALL_ACHIEVED * offeredPerSecond;
  }

  /** A percentile of the send → subscriber latency in ms (NaN if nothing was delivered). */
  double p(double percentile) {
    return ms(latencyMicros, percentile);
  }

  double ackP(double percentile) {
    return ms(ackMicros, percentile);
  }

  private static double ms(Histogram h, double percentile) {
    if (h == null || h.getTotalCount() == 0) {
      return Double.NaN;
    }
    long v = percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile);
    return v / 1_000.0;
  }

  String line() {
    return String.format(
        Locale.ROOT,
        "%d inserts/s offered, %.0f achieved (last send %.2f s late); %d/%d deliveries in %d"
            + " messages, %d missing, %d duplicate, %d to non-members, %d failed inserts;"
            + " send → subscriber p50 %.2f ms, p99 %.2f ms, max %.2f ms; server %.2f cores,"
            + " clients %.2f cores: %s",
        offeredPerSecond,
        achievedPerSecond,
        lateSeconds,
        deliveries,
        expectedDeliveries,
        messages,
        missing,
        duplicates,
        foreign,
        failures,
        p(50),
        p(99),
        p(100),
        serverCores,
        clientCores,
        withinWall() ? "within the wall" : "beyond the wall");
  }

  /** [percentile, ms] pairs, 5 ticks per half distance up to 99.99, then the maximum as 100. */
  List<List<Double>> percentiles() {
    return Latency.percentiles(latencyMicros);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("offered_per_s", offeredPerSecond);
    if (!ran()) {
      return m;
    }
    m.put("inserts", inserts);
    m.put("achieved_per_s", round(achievedPerSecond));
    m.put("last_send_late_s", round(lateSeconds));
    m.put("expected_deliveries", expectedDeliveries);
    m.put("deliveries", deliveries);
    m.put("missing", missing);
    m.put("duplicates", duplicates);
    m.put("to_non_members", foreign);
    m.put("failed_inserts", failures);
    if (firstFailure != null) {
      m.put("first_failure", firstFailure);
    }
    m.put("messages", messages);
    Map<String, Object> l = new LinkedHashMap<>();
    for (double p : new double[] {50, 90, 99, 99.9, 100}) {
      l.put(p == 100 ? "max" : "p" + (p == 99.9 ? "999" : String.valueOf((int) p)), round(p(p)));
    }
    m.put("send_to_subscriber_ms", l);
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("p50", round(ackP(50)));
    a.put("p99", round(ackP(99)));
    a.put("max", round(ackP(100)));
    m.put("send_to_ack_ms", a);
    m.put("server_cores", round(serverCores));
    m.put("client_cores", round(clientCores));
    m.put("within_wall", withinWall());
    return m;
  }

  private static Object round(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
  }
}
