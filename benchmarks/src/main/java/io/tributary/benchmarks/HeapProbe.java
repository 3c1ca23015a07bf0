package io.tributary.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Heap per idle subscription, server side only. The server runs in this JVM; the subscribers run in
 * a child JVM ({@link IdleSubscribers}), so their objects are not in this heap. Heap is read after
 * full collections (the least of five {@code System.gc()} + used-heap readings): before the clients
 * connect, with their streams open, with their subscriptions added, and after they left. Per
 * subscription = (with subscriptions − with streams) / subscriptions.
 */
final class HeapProbe {
  private HeapProbe() {}

  /** The figures of one heap measurement. */
  record Result(
      int connections,
      int subscriptions,
      long baselineBytes,
      long withStreamsBytes,
      long withSubscriptionsBytes,
      long afterCloseBytes,
      double subscribeSeconds) {

    double bytesPerSubscription() {
      return (withSubscriptionsBytes - withStreamsBytes) / (double) subscriptions;
    }

    double bytesPerStream() {
      return (withStreamsBytes - baselineBytes) / (double) connections;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(
          "method",
          "server in this JVM, idle subscribers in a child JVM; heap used after System.gc()");
      m.put("connections", connections);
      m.put("subscriptions", subscriptions);
      m.put("heap_before_clients_bytes", baselineBytes);
      m.put("heap_with_streams_bytes", withStreamsBytes);
      m.put("heap_with_subscriptions_bytes", withSubscriptionsBytes);
      m.put("heap_after_clients_left_bytes", afterCloseBytes);
      m.put("bytes_per_idle_subscription", bytesPerSubscription());
      m.put("bytes_per_idle_stream", bytesPerStream());
      m.put("subscribe_seconds", subscribeSeconds);
      return m;
    }
  }

  static Result measure(TributaryTarget target, int port, Layout layout, int users) {
    String table = target.createTable();
    long baseline = usedAfterGc();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        List.of(
            java,
            "-Xmx1g",
            "-cp",
            System.getProperty("java.class.path"),
            IdleSubscribers.class.getName(),
            Integer.toString(port),
            Integer.toString(layout.connections()),
            Integer.toString(layout.subscriptions()),
            Integer.toString(layout.matching()),
            table,
            Integer.toString(users));
    Process child;
    try {
      child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start the idle-subscriber process: " + e, e);
    }
    try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter in =
            new PrintWriter(
                new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8), true)) {
      expect(out, "STREAMS");
      long withStreams = usedAfterGc();
      long t = System.nanoTime();
      in.println("SUBSCRIBE");
      expect(out, "SUBSCRIBED");
      double subscribeSeconds = (System.nanoTime() - t) / 1e9;
      long withSubscriptions = usedAfterGc();
      long open = target.openSubscriptions();
      if (open != layout.subscriptions()) {
        throw new IllegalStateException(
            "Cannot measure heap: the server holds "
                + open
                + " subscriptions, not the expected "
                + layout.subscriptions());
      }
      in.println("QUIT");
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
      target.awaitNoSubscriptions();
      long afterClose = usedAfterGc();
      return new Result(
          layout.connections(),
          layout.subscriptions(),
          baseline,
          withStreams,
          withSubscriptions,
          afterClose,
          subscribeSeconds);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot talk to the idle-subscriber process: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot measure heap: interrupted", e);
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }

  private static void expect(BufferedReader out, String prefix) throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return;
      }
    }
    throw new IllegalStateException(
        "Cannot measure heap: the idle-subscriber process ended before printing " + prefix);
  }

  /** Used heap after full collections: the least of five readings. */
  static long usedAfterGc() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Pause.millis(50);
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
