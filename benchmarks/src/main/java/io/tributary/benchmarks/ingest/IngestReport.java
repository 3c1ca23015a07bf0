package io.tributary.benchmarks.ingest;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Json;
import io.tributary.benchmarks.SteadyWarmUp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The ingest results as a Markdown section and as JSON, with the targets checked. */
final class IngestReport {
  /** Tributary's rows/s over the raw producer's records/s that the issue asks for. */
  static final double TARGET_RATIO = 0.5;

  static final double TARGET_P50_MS = 3;
  static final double TARGET_P99_MS = 15;
  static final double TARGET_P50_OVER_PRODUCER_MS = 0.5;

  private final Map<String, Object> machine;
  private final IngestOptions options;
  private final List<Phase> phases;
  private final RecordSizes sizes;
  private final Map<String, Object> durability;
  private final Map<String, SteadyWarmUp.Result> jitWarmUps;
  private final double elapsedSeconds;

  IngestReport(
      Map<String, Object> machine,
      IngestOptions options,
      List<Phase> phases,
      RecordSizes sizes,
      Map<String, Object> durability,
      Map<String, SteadyWarmUp.Result> jitWarmUps,
      double elapsedSeconds) {
    this.machine = machine;
    this.options = options;
    this.phases = List.copyOf(phases);
    this.sizes = sizes;
    this.durability = durability;
    this.jitWarmUps = Map.copyOf(jitWarmUps);
    this.elapsedSeconds = elapsedSeconds;
  }

  static String label(String target) {
    return target.equals("tributary") ? "Tributary" : "raw Kafka producer";
  }

  List<Phase> phases() {
    return phases;
  }

  RecordSizes sizes() {
    return sizes;
  }

  Phase find(String target, String mode, int inFlight) {
    for (Phase p : phases) {
      if (p.target().equals(target) && p.mode().equals(mode) && p.inFlight() == inFlight) {
        return p;
      }
    }
    return null;
  }

  /** Tributary's rows/s over the raw producer's, for one mode and concurrency; NaN if missing. */
  double ratio(String mode, int inFlight) {
    Phase t = find("tributary", mode, inFlight);
    Phase k = find("kafka", mode, inFlight);
    if (t == null || k == null || k.rowsPerSecond() == 0) {
      return Double.NaN;
    }
    return t.rowsPerSecond() / k.rowsPerSecond();
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    int top = options.throughputConcurrency();
    double single = ratio("single-row", top);
    if (!Double.isNaN(single)) {
      checks.add(
          Checks.check(
              "single-row ingest vs raw producer, " + top + " in flight",
              fmt("%.3f×", single),
              fmt("≥ %.1f×", TARGET_RATIO),
              single >= TARGET_RATIO));
    }
    double batched = ratio("batched", options.batchConcurrency());
    if (!Double.isNaN(batched)) {
      checks.add(
          Checks.check(
              "batched ingest ("
                  + options.batchRows()
                  + " rows per INSERT) vs raw producer, "
                  + options.batchConcurrency()
                  + " in flight",
              fmt("%.3f×", batched),
              fmt("≥ %.1f×", TARGET_RATIO),
              batched >= TARGET_RATIO));
    }
    int low = options.latencyConcurrency();
    Phase t = find("tributary", "single-row", low);
    if (t != null) {
      checks.add(
          Checks.check(
              "single-row ack latency p50, " + low + " in flight",
              fmt("%.2f ms", t.millis(50)),
              fmt("≤ %.0f ms", TARGET_P50_MS),
              t.millis(50) <= TARGET_P50_MS));
      checks.add(
          Checks.check(
              "single-row ack latency p99, " + low + " in flight",
              fmt("%.2f ms", t.millis(99)),
              fmt("≤ %.0f ms", TARGET_P99_MS),
              t.millis(99) <= TARGET_P99_MS));
    }
    // Issue 17's goal: Tributary's acknowledgement costs at most 0.5 ms more than the producer's.
    Phase tTop = find("tributary", "single-row", top);
    Phase kTop = find("kafka", "single-row", top);
    if (tTop != null && kTop != null) {
      double over = tTop.millis(50) - kTop.millis(50);
      checks.add(
          Checks.check(
              "single-row ack p50 over the raw producer's, " + top + " in flight",
              fmt("%+.2f ms", over),
              fmt("≤ +%.1f ms", TARGET_P50_OVER_PRODUCER_MS),
              over <= TARGET_P50_OVER_PRODUCER_MS));
    }
    return checks;
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("## Ingest\n\n");
    b.append(
        "Durable INSERTs into a USER table `"
            + TributaryIngest.TABLE
            + " (id BIGINT PRIMARY KEY, conversation_id BIGINT NOT NULL, body TEXT)` with a "
            + options.bodyChars()
            + "-character body, over gRPC (`StatementService.Execute`), by "
            + options.users()
            + " writer users, beside a raw Kafka producer writing records of the same size, keyed"
            + " by the same users, with the same durability, to the same embedded broker in the"
            + " same run. Both sides are closed loops with a fixed number of writes in flight;"
            + " latency is from sending a write to its acknowledgement.\n\n");
    b.append(ratioSentence()).append("\n\n");
    b.append(Checks.markdown(checks()));
    Phase floor = find("kafka", "single-row", options.latencyConcurrency());
    if (floor != null) {
      b.append(
          fmt(
              "\nFor reference, the raw producer alone acknowledges in p50 %.2f ms and p99 %.2f ms"
                  + " at %d in flight on this machine: the broker's fsync per append is a floor"
                  + " under Tributary's latency too.\n",
              floor.millis(50), floor.millis(99), floor.inFlight()));
    }
    b.append("\n### Throughput and acknowledgement latency (ms)\n\n");
    b.append(
        "| mode | in flight | target | rows/s | acks/s | p50 | p90 | p99 | p99.9 | max"
            + " | errors | cores busy | CPU µs/row |\n");
    b.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Phase p : phases) {
      b.append(
          fmt(
              "| %s | %d | %s | %,.0f | %,.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %d | %.2f | %.0f"
                  + " |\n",
              p.mode() + (p.rowsPerWrite() > 1 ? " (" + p.rowsPerWrite() + " rows)" : ""),
              p.inFlight(),
              label(p.target()),
              p.rowsPerSecond(),
              p.writesPerSecond(),
              p.millis(50),
              p.millis(90),
              p.millis(99),
              p.millis(99.9),
              p.maxMillis(),
              p.errors(),
              p.coresBusy(),
              p.cpuMicrosPerRow()));
    }
    b.append(
        "\nCores busy and CPU per row are the whole process's: server, broker, raw producer and"
            + " clients share one JVM, so the clients' cost counts on both sides.\n");
    for (Phase p : phases) {
      if (p.firstError() != null) {
        b.append(
            fmt(
                "\nFirst error of %s, %s, %d in flight: `%s`\n",
                label(p.target()), p.mode(), p.inFlight(), p.firstError()));
      }
    }
    b.append("\n### Same size, same key, same durability\n\n");
    b.append(
        fmt(
            "- **Record size.** Read back from `_tributary.user-writes` after %d single-row and %d"
                + " multi-row INSERTs: a single-row INSERT appends %d record with a %d B value"
                + " (seen: %s) and a %d B key (the user id, no headers); a %d-row INSERT one"
                + " record of %d B (seen: %s). The raw producer writes values of exactly those"
                + " sizes under the same keys: one record per acknowledged INSERT.\n",
            sizes.singleRow().size() / Math.max(1, sizes.recordsPerInsert()),
            sizes.batched().size() / Math.max(1, sizes.recordsPerInsert()),
            sizes.recordsPerInsert(),
            sizes.singleRowValueBytes(),
            sizes.singleRow(),
            sizes.keyBytes(),
            options.batchRows(),
            sizes.batchedValueBytes(),
            sizes.batched()));
    b.append(durabilityText());
    b.append(
        fmt(
            "\n*Machine:* %s, %s CPUs, %s; JVM %s (%s); flags `%s`; commit %s (%s); %s; load"
                + " average %s at start, %s at end; the scenario took %.0f s.\n",
            machine.get("cpu_model"),
            machine.get("cpus"),
            machine.get("memory"),
            machine.get("jvm"),
            machine.get("gc"),
            machine.get("jvm_flags"),
            machine.get("git_commit"),
            machine.get("git_worktree"),
            machine.get("date"),
            machine.get("load_average_at_start"),
            machine.get("load_average_at_end"),
            elapsedSeconds));
    if (!jitWarmUps.isEmpty()) {
      b.append(
          "\nJIT warm-up before the first phase (single-row writes at the highest concurrency, as "
              + SteadyWarmUp.rule(options.jitWarmupSeconds())
              + "): ");
      List<String> parts = new ArrayList<>();
      for (String target : List.of("tributary", "kafka")) {
        SteadyWarmUp.Result w = jitWarmUps.get(target);
        if (w != null) {
          parts.add(
              fmt("%s %.0f s", label(target), w.seconds())
                  + (w.steady() ? "" : " (not steady at the limit)"));
        }
      }
      b.append(String.join(", ", parts)).append(".\n");
    }
    return b.toString();
  }

  private String ratioSentence() {
    List<String> parts = new ArrayList<>();
    for (int c : options.concurrency()) {
      Phase t = find("tributary", "single-row", c);
      Phase k = find("kafka", "single-row", c);
      if (t != null && k != null) {
        parts.add(
            fmt(
                "with %d single-row INSERT%s in flight Tributary acknowledges %,.0f rows/s, %.2f× the"
                    + " raw producer's %,.0f records/s (ack p50 %.2f ms vs %.2f ms, p99 %.2f ms vs"
                    + " %.2f ms)",
                c,
                c == 1 ? "" : "s",
                t.rowsPerSecond(),
                t.rowsPerSecond() / k.rowsPerSecond(),
                k.rowsPerSecond(),
                t.millis(50),
                k.millis(50),
                t.millis(99),
                k.millis(99)));
      }
    }
    Phase t = find("tributary", "batched", options.batchConcurrency());
    Phase k = find("kafka", "batched", options.batchConcurrency());
    if (t != null && k != null) {
      parts.add(
          fmt(
              "with %d-row INSERTs (%d in flight) %,.0f rows/s, %.2f× the raw producer's %,.0f"
                  + " records/s of the same size (%,.0f rows/s at %d rows per record)",
              options.batchRows(),
              options.batchConcurrency(),
              t.rowsPerSecond(),
              t.rowsPerSecond() / k.rowsPerSecond(),
              k.writesPerSecond(),
              k.rowsPerSecond(),
              options.batchRows()));
    }
    if (parts.isEmpty()) {
      return "**Ratio to the raw producer:** not measured (one side only).";
    }
    return "**Ratio to the raw producer:** " + String.join("; ", parts) + ".";
  }

  @SuppressWarnings("unchecked")
  private String durabilityText() {
    Map<String, Object> t = (Map<String, Object>) durability.get("tributary");
    Map<String, Object> k = (Map<String, Object>) durability.get("kafka");
    if (t == null || k == null) {
      return "";
    }
    return fmt(
        "- **Durability.** %s. Tributary: durable writes %s, so its command topic `%s` (%s"
            + " partitions) carries the topic settings %s, i.e. "
            + (Boolean.TRUE.equals(t.get("server_durable_writes"))
                ? "the broker fsyncs every append before acknowledging it (a producer batch is one"
                    + " fsync: a group commit)"
                : "the page-cache mode (`--durable=false`): the broker acknowledges an append"
                    + " once it is in the page cache, like PostgreSQL's"
                    + " `synchronous_commit=off`")
            + ", and the writer is %s. Raw producer: topic `%s` created with the same partition count (%s)"
            + " and the same topic settings %s (copied from `%s` and read back), one producer with"
            + " %s. \"Same durability\" therefore means: acknowledged only after the broker wrote"
            + (Boolean.TRUE.equals(t.get("server_durable_writes")) ? " and fsynced" : "")
            + " the record, with the same batching (linger) and retries without"
            + " duplicates (idempotence) on both sides. Tributary additionally waits until its"
            + " materializer has applied the command (the acknowledgement carries the real"
            + " outcome), which the raw producer does not do.\n",
        durability.get("broker"),
        t.get("server_durable_writes"),
        t.get("topic"),
        t.get("partitions"),
        t.get("topic_overrides"),
        t.get("producer"),
        k.get("topic"),
        k.get("partitions"),
        k.get("topic_overrides"),
        t.get("topic"),
        k.get("producer"));
  }

  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "ingest");
    m.put("machine", machine);
    m.put("options", options.toMap());
    m.put("checks", checks());
    m.put("latency_distributions", distributions());
    m.put("series", series());
    Map<String, Object> ratios = new LinkedHashMap<>();
    for (int c : options.concurrency()) {
      ratios.put("single-row/" + c, ratio("single-row", c));
    }
    if (options.batchRows() > 0) {
      ratios.put(
          "batched/" + options.batchConcurrency(), ratio("batched", options.batchConcurrency()));
    }
    m.put("ratio_to_raw_producer", ratios);
    List<Object> ps = new ArrayList<>();
    for (Phase p : phases) {
      ps.add(p.toMap());
    }
    m.put("phases", ps);
    m.put("record_sizes", sizes.toMap());
    m.put("durability", durability);
    Map<String, Object> warm = new LinkedHashMap<>();
    jitWarmUps.forEach((target, w) -> warm.put(target, w.toMap()));
    m.put("jit_warmup", warm);
    m.put("elapsed_seconds", elapsedSeconds);
    return Json.write(m);
  }

  private List<Object> distributions() {
    List<Object> list = new ArrayList<>();
    for (int c : options.concurrency()) {
      String chart = c == options.latencyConcurrency() ? "ingest-latency" : "ingest-latency-" + c;
      String title = fmt("Single-row INSERT acknowledgement latency, %d in flight", c);
      for (String target : List.of("tributary", "kafka")) {
        Phase p = find(target, "single-row", c);
        if (p != null) {
          list.add(distribution(chart, title, label(p.target()) + " single-row", p));
        }
      }
    }
    for (String target : List.of("tributary", "kafka")) {
      Phase p = find(target, "batched", options.batchConcurrency());
      if (p != null) {
        list.add(
            distribution(
                "ingest-latency-batched",
                fmt(
                    "%d-row INSERT acknowledgement latency, %d in flight",
                    options.batchRows(), options.batchConcurrency()),
                label(p.target()) + " " + options.batchRows() + "-row",
                p));
      }
    }
    return list;
  }

  private static Map<String, Object> distribution(
      String chart, String title, String series, Phase p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("series", series);
    m.put("percentiles", p.percentiles());
    return m;
  }

  private List<Object> series() {
    List<Object> list = new ArrayList<>();
    for (String target : List.of("tributary", "kafka")) {
      List<Object> rows = new ArrayList<>();
      List<Object> p50 = new ArrayList<>();
      List<Object> p99 = new ArrayList<>();
      for (int c : options.concurrency()) {
        Phase p = find(target, "single-row", c);
        if (p != null) {
          rows.add(List.of(c, p.rowsPerSecond()));
          p50.add(List.of(c, p.millis(50)));
          p99.add(List.of(c, p.millis(99)));
        }
      }
      if (rows.isEmpty()) {
        continue;
      }
      list.add(
          series(
              "ingest-throughput",
              "Single-row INSERTs: acknowledged rows/s by writes in flight",
              "rows/s",
              label(target),
              rows));
      list.add(
          series(
              "ingest-latency-by-concurrency",
              "Single-row INSERTs: acknowledgement latency by writes in flight",
              "ms",
              label(target) + " p50",
              p50));
      list.add(
          series(
              "ingest-latency-by-concurrency",
              "Single-row INSERTs: acknowledgement latency by writes in flight",
              "ms",
              label(target) + " p99",
              p99));
    }
    return list;
  }

  private static Map<String, Object> series(
      String chart, String title, String yLabel, String name, List<Object> points) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("chart", chart);
    m.put("title", title);
    m.put("x_label", "writes in flight");
    m.put("y_label", yLabel);
    m.put("series", name);
    m.put("points", points);
    return m;
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
