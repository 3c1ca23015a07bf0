package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.Checks;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Options;
import io.tributary.benchmarks.chat.MemoryBenchmark.Phase;
import io.tributary.benchmarks.chat.MemoryBenchmark.Storm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The memory scenario's figures and report ({@code memory.md}, {@code memory.json}).
 *
 * @param subscriptions phase 2, or null when not run
 */
record MemoryResult(
    MemoryOptions options, Map<String, Object> machine, Phase connections, Phase subscriptions) {

  /** The server's growth over a phase's second half, per unit of it, in bytes, per measure. */
  static Map<String, Double> per(Phase p, int units) {
    ServerMemory a = p.middle();
    ServerMemory b = p.after();
    double n = Math.max(1, units);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("RSS", (b.rssBytes() - a.rssBytes()) / n);
    m.put("live heap", (b.liveHeapBytes() - a.liveHeapBytes()) / n);
    m.put("total", (total(b) - total(a)) / n);
    for (String c : ServerMemory.REPORTED) {
      m.put("NMT " + c, (b.nmt(c) - a.nmt(c)) / n);
    }
    m.put("threads", (b.threads() - a.threads()) / n);
    return m;
  }

  static Map<String, Double> perConnection(Phase p) {
    return per(p, p.measuredConnections());
  }

  static Map<String, Double> perSubscription(Phase p) {
    return per(p, p.measuredSubscriptions());
  }

  /**
   * The memory the server uses, without the heap it has committed but not filled: the live heap
   * plus everything else NMT sees (its total less the committed heap). RSS also counts the heap's
   * growth, which a collector commits in steps whatever the load.
   */
  static long total(ServerMemory m) {
    return m.liveHeapBytes() + m.nmt("Total") - m.nmt("Java Heap");
  }

  /**
   * The {@link #total} memory of one idle connection without its subscriptions (phase 2's per
   * subscription subtracted).
   */
  double totalPerBareConnection() {
    double perConnection = perConnection(connections).get("total");
    if (subscriptions == null) {
      return perConnection;
    }
    double perSubscription = perSubscription(subscriptions).get("total");
    double subsPerConnection =
        connections.measuredSubscriptions() / (double) connections.measuredConnections();
    return perConnection - subsPerConnection * perSubscription;
  }

  List<Map<String, Object>> checks() {
    List<Map<String, Object>> checks = new ArrayList<>();
    if (subscriptions != null) {
      double heap = perSubscription(subscriptions).get("live heap");
      checks.add(
          Checks.check(
              "live heap per idle subscription",
              String.format(
                  Locale.ROOT,
                  "%.0f B (%,d subscriptions over %,d connections)",
                  heap,
                  subscriptions.subscriptions(),
                  subscriptions.connections()),
              "≤ 300 B",
              heap <= MemoryOptions.MAX_HEAP_PER_IDLE_SUBSCRIPTION));
    } else {
      checks.add(
          Checks.check("live heap per idle subscription", "phase 2 not run", "≤ 300 B", false));
    }
    double withSubs = perConnection(connections).get("total");
    double rss = perConnection(connections).get("RSS");
    double bare = totalPerBareConnection();
    checks.add(
        Checks.check(
            "total memory per connection (live heap + native memory)",
            String.format(
                Locale.ROOT,
                "%.1f KB without its subscriptions%s; %.1f KB with its %.1f subscriptions (RSS"
                    + " %.1f KB; %,d connections)",
                bare / 1024,
                subscriptions == null ? " (phase 2 not run: not subtracted)" : "",
                withSubs / 1024,
                connections.subscriptions() / (double) connections.connections(),
                rss / 1024,
                connections.connections()),
            "≤ 20 KB",
            bare <= MemoryOptions.MAX_MEMORY_PER_CONNECTION));
    Storm s = connections.storm();
    if (s != null) {
      checks.add(
          Checks.check(
              "reconnect storm: every subscription caught up, 0 gaps, 0 duplicates",
              String.format(
                  Locale.ROOT,
                  "%s; %d gaps, %d duplicates, %d to other rooms; %d/%d deliveries",
                  s.caughtUp()
                      ? String.format(
                          Locale.ROOT,
                          "caught up %.2f s after the storm began (%.2f s after the last resume)",
                          s.caughtUpSeconds(),
                          s.afterLastResumeSeconds())
                      : "not caught up within the timeout",
                  s.gaps(),
                  s.duplicates(),
                  s.foreign(),
                  s.deliveries(),
                  s.expected()),
              "all caught up, 0 gaps, 0 duplicates",
              s.exact()));
    }
    return checks;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", "memory");
    m.put("machine", machine);
    m.put("options", options.toMap());
    List<Map<String, Object>> phases = new ArrayList<>();
    for (Phase p : phases()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("phase", p.name());
      e.put("connections", p.connections());
      e.put("subscriptions", p.subscriptions());
      e.put("setup_seconds", Math.round(p.setupSeconds() * 10) / 10.0);
      e.put("measured_connections", p.measuredConnections());
      e.put("measured_subscriptions", p.measuredSubscriptions());
      e.put("before", p.before().toMap());
      e.put("after_first_half", p.middle().toMap());
      e.put("after", p.after().toMap());
      e.put("per_connection_bytes", perConnection(p));
      e.put("per_subscription_bytes", perSubscription(p));
      if (p.storm() != null) {
        e.put("storm", stormMap(p.storm()));
      }
      e.put("errors", p.errors());
      phases.add(e);
    }
    m.put("phases", phases);
    m.put("checks", checks());
    m.put("latency_distributions", List.of()); // the suite contract: no latency chart here
    m.put("series", List.of());
    return m;
  }

  private List<Phase> phases() {
    List<Phase> out = new ArrayList<>();
    out.add(connections);
    if (subscriptions != null) {
      out.add(subscriptions);
    }
    return out;
  }

  private static Map<String, Object> stormMap(Storm s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dropped_and_resumed", s.dropped());
    m.put("resumed_ok", s.resumed());
    m.put("rows_written", s.written());
    m.put("failed_writes", s.failedWrites());
    m.put("expected_deliveries", s.expected());
    m.put("deliveries", s.deliveries());
    m.put("gaps", s.gaps());
    m.put("duplicates", s.duplicates());
    m.put("to_other_rooms", s.foreign());
    m.put("caught_up", s.caughtUp());
    m.put("caught_up_after_storm_began_s", Math.round(s.caughtUpSeconds() * 1000) / 1000.0);
    if (!Double.isNaN(s.afterLastResumeSeconds())) {
      m.put(
          "caught_up_after_last_resume_s", Math.round(s.afterLastResumeSeconds() * 1000) / 1000.0);
    }
    if (s.firstFailure() != null) {
      m.put("first_failure", s.firstFailure());
    }
    return m;
  }

  String markdown() {
    MemoryOptions o = options;
    StringBuilder md = new StringBuilder("## Memory at scale and a reconnect storm\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%s The server runs in its own JVM"
                + " (%s -XX:NativeMemoryTracking=summary, %s mode, per-user subscription limit and"
                + " subscribe rate lifted: every connection is one user), every client in the"
                + " benchmark's JVM. Each phase measures the server before and after opening its"
                + " connections (all idle): RSS (`/proc/<pid>/status`), live heap (`jcmd"
                + " GC.class_histogram`, after a full collection) and NMT's committed bytes (`jcmd"
                + " VM.native_memory summary`: Java Heap = committed heap, Thread = stacks, Other"
                + " = direct buffers), and divides the growth. *total* is the live heap plus NMT's"
                + " total less the committed heap (RSS also counts heap the collector committed in"
                + " advance).%s\n\n",
            Machine.header(machine),
            String.join(" ", o.serverJvmFlags()),
            o.durability(),
            o.quick() ? " **Quick run: tiny sizes, not figures.**" : ""));
    for (Phase p : phases()) {
      md.append(
          String.format(
              Locale.ROOT,
              "### %s: %,d connections, %,d subscriptions (set up in %.1f s)\n\n",
              p.name().equals("connections") ? "Many connections" : "Many subscriptions",
              p.connections(),
              p.subscriptions(),
              p.setupSeconds()));
      md.append(
          String.format(
              Locale.ROOT,
              "Per connection and per subscription: the growth from the first half (%,d"
                  + " connections) to all, divided by the second half's %,d connections and %,d"
                  + " subscriptions.\n\n",
              p.connections() - p.measuredConnections(),
              p.measuredConnections(),
              p.measuredSubscriptions()));
      md.append("| measure | before | first half | all | per connection | per subscription |\n");
      md.append("|---|---:|---:|---:|---:|---:|\n");
      Map<String, Double> perC = perConnection(p);
      Map<String, Double> perS = perSubscription(p);
      ServerMemory b = p.before();
      ServerMemory m = p.middle();
      ServerMemory a = p.after();
      row(md, "RSS", b.rssBytes(), m.rssBytes(), a.rssBytes(), perC, perS);
      row(md, "live heap", b.liveHeapBytes(), m.liveHeapBytes(), a.liveHeapBytes(), perC, perS);
      row(md, "total", total(b), total(m), total(a), perC, perS);
      for (String c : ServerMemory.REPORTED) {
        row(md, "NMT " + c, b.nmt(c), m.nmt(c), a.nmt(c), perC, perS);
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| threads | %d | %d | %d | %.3f | %.4f |\n\n",
              b.threads(),
              m.threads(),
              a.threads(),
              perC.get("threads"),
              perS.get("threads")));
      Storm s = p.storm();
      if (s != null) {
        md.append(
            String.format(
                Locale.ROOT,
                "Reconnect storm: %d rows written at %d/s over %s s while %d connections (%.0f%%)"
                    + " dropped, each at a random moment, and resumed at once on a new connection"
                    + " with the same token, each subscription `OPTIONS (from_seq = <last _seq"
                    + " received>)`; %d resumed. %s; %d of %d deliveries, **%d gaps, %d"
                    + " duplicates**, %d to other rooms, %d failed writes.%s\n\n",
                s.written(),
                o.stormRate(),
                Options.text(o.stormSeconds()),
                s.dropped(),
                o.stormShare() * 100,
                s.resumed(),
                s.caughtUp()
                    ? String.format(
                        Locale.ROOT,
                        "Every subscription caught up **%.2f s** after the storm began (%.2f s"
                            + " after the last resume)",
                        s.caughtUpSeconds(),
                        s.afterLastResumeSeconds())
                    : "**Not caught up** within the timeout",
                s.deliveries(),
                s.expected(),
                s.gaps(),
                s.duplicates(),
                s.foreign(),
                s.failedWrites(),
                s.firstFailure() == null ? "" : " First failure: " + s.firstFailure()));
      }
      if (!p.errors().isEmpty()) {
        md.append("Stream errors: ")
            .append(p.errors().size())
            .append(", first: ")
            .append(p.errors().get(0))
            .append("\n\n");
      }
    }
    md.append(Checks.markdown("Checks (issue 17's goals)", checks()));
    return md.toString();
  }

  private static void row(
      StringBuilder md,
      String name,
      long before,
      long middle,
      long after,
      Map<String, Double> perC,
      Map<String, Double> perS) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | %.1f MB | %.1f MB | %.1f MB | %.1f KB | %.0f B |\n",
            name,
            before / 1048576.0,
            middle / 1048576.0,
            after / 1048576.0,
            perC.get(name) / 1024,
            perS.get(name)));
  }
}
