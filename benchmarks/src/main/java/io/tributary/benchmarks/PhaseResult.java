package io.tributary.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one measured phase of one target in one scenario.
 *
 * @param target "tributary", "ceiling" or "postgres"
 * @param scenario the layout's name
 * @param mode "rate" (a fixed change rate, for latency) or "saturation" (as fast as the clients
 *     take it, a bounded number of changes in flight, for deliveries/s)
 * @param offered changes/s offered (rate), or the window of changes in flight (saturation)
 * @param seconds the measured time
 * @param changes changes published in the measured time
 * @param deliveries change events the clients received in the measured time (rate: of the measured
 *     changes, whenever they arrived)
 * @param expectedDeliveries changes × matching subscriptions
 * @param latencyFromAck publication acknowledged → client received, per delivery (rate only)
 * @param latencyFromSend publication sent → client received, per delivery (rate only)
 * @param ackLatency publication sent → acknowledged, per change (rate only)
 * @param deliveredBeforeAck deliveries that arrived before their change's acknowledgement (counted
 *     as 0 ms in {@code latencyFromAck})
 * @param processCpuNanos CPU of the whole process (servers and clients) in the measured time
 * @param fanOutCpuNanos CPU of the target's matching and fan-out threads in the measured time
 * @param outOfProcessCpuNanos CPU of the target's own processes outside this JVM (PostgreSQL's) in
 *     the measured time; 0 for targets without any, -1 if unknown
 * @param otherCpuNanos CPU of other processes on the machine in the measured time (work that
 *     competed with the benchmark and distorts it), or -1 if unknown
 * @param errors errors the clients received (for example SUBSCRIBER_TOO_SLOW)
 * @param failures publications that failed
 * @param busiestThreadsMillis the thread groups (names with digits as {@code #}) that used the most
 *     CPU in the measured time, in CPU milliseconds, most first
 * @param latencyCurve {@code latencyFromAck} as {@code [percentile, ms]} pairs (rate only, else
 *     empty)
 */
record PhaseResult(
    String target,
    String scenario,
    String mode,
    double offered,
    double seconds,
    long changes,
    long deliveries,
    long expectedDeliveries,
    Latency latencyFromAck,
    Latency latencyFromSend,
    Latency ackLatency,
    long deliveredBeforeAck,
    long processCpuNanos,
    long fanOutCpuNanos,
    long outOfProcessCpuNanos,
    long otherCpuNanos,
    long errors,
    long failures,
    Map<String, Long> busiestThreadsMillis,
    List<List<Double>> latencyCurve) {

  double deliveriesPerSecond() {
    return deliveries / seconds;
  }

  double changesPerSecond() {
    return changes / seconds;
  }

  /** CPU of this JVM and of the target's out-of-process servers (PostgreSQL), in nanoseconds. */
  long totalCpuNanos() {
    return processCpuNanos + Math.max(0, outOfProcessCpuNanos);
  }

  /** Total CPU per change (this JVM and PostgreSQL), in microseconds. */
  double totalCpuMicrosPerChange() {
    return changes == 0 ? 0 : totalCpuNanos() / 1e3 / changes;
  }

  /** Total CPU per delivery (this JVM and PostgreSQL), in microseconds. */
  double totalCpuMicrosPerDelivery() {
    return deliveries == 0 ? 0 : totalCpuNanos() / 1e3 / deliveries;
  }

  /** Out-of-process server CPU per change, in microseconds. */
  double outOfProcessCpuMicrosPerChange() {
    return changes == 0 ? 0 : Math.max(0, outOfProcessCpuNanos) / 1e3 / changes;
  }

  /** Cores the target's out-of-process servers kept busy on average (0 when it has none). */
  double outOfProcessCoresBusy() {
    return Math.max(0, outOfProcessCpuNanos) / 1e9 / seconds;
  }

  /** Cores busy on average in this JVM and the target's out-of-process servers. */
  double totalCoresBusy() {
    return totalCpuNanos() / 1e9 / seconds;
  }

  /** Process CPU per change, in microseconds (servers and clients together). */
  double processCpuMicrosPerChange() {
    return changes == 0 ? 0 : processCpuNanos / 1e3 / changes;
  }

  /** Matching and fan-out threads' CPU per change, in microseconds. */
  double fanOutCpuMicrosPerChange() {
    return changes == 0 ? 0 : fanOutCpuNanos / 1e3 / changes;
  }

  /** Process CPU per delivery, in microseconds. */
  double processCpuMicrosPerDelivery() {
    return deliveries == 0 ? 0 : processCpuNanos / 1e3 / deliveries;
  }

  /** Cores busy on average (process CPU / wall time). */
  double coresBusy() {
    return processCpuNanos / 1e9 / seconds;
  }

  /** Cores other processes kept busy on average, or NaN if unknown. */
  double otherCoresBusy() {
    return otherCpuNanos < 0 ? Double.NaN : otherCpuNanos / 1e9 / seconds;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", target);
    m.put("scenario", scenario);
    m.put("mode", mode);
    m.put(mode.equals("rate") ? "offered_changes_per_s" : "window_changes", offered);
    m.put("seconds", seconds);
    m.put("changes", changes);
    m.put("changes_per_s", changesPerSecond());
    m.put("deliveries", deliveries);
    m.put("expected_deliveries", expectedDeliveries);
    m.put("deliveries_per_s", deliveriesPerSecond());
    if (latencyFromAck != null) {
      m.put("latency_from_ack_ms", latencyFromAck.toMap());
      m.put("latency_from_send_ms", latencyFromSend.toMap());
      m.put("ack_latency_ms", ackLatency.toMap());
      m.put("delivered_before_ack", deliveredBeforeAck);
    }
    m.put("process_cpu_us_per_change", processCpuMicrosPerChange());
    m.put("fanout_threads_cpu_us_per_change", fanOutCpuMicrosPerChange());
    m.put("process_cpu_us_per_delivery", processCpuMicrosPerDelivery());
    m.put("cores_busy", coresBusy());
    m.put("out_of_process_cpu_us_per_change", outOfProcessCpuMicrosPerChange());
    m.put("total_cpu_us_per_change", totalCpuMicrosPerChange());
    m.put("total_cpu_us_per_delivery", totalCpuMicrosPerDelivery());
    m.put("total_cores_busy", totalCoresBusy());
    m.put("other_processes_cores_busy", otherCoresBusy());
    m.put("client_errors", errors);
    m.put("publish_failures", failures);
    m.put("busiest_threads_cpu_ms", busiestThreadsMillis);
    return m;
  }
}
