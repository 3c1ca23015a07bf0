package io.tributary.benchmarks.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server JVM's memory at one moment, read from outside the process: its resident set ({@code
 * /proc/<pid>/status}), its live heap after a full collection ({@code jcmd <pid>
 * GC.class_histogram}, which collects first) and Native Memory Tracking's committed bytes per
 * category ({@code jcmd <pid> VM.native_memory summary}; the JVM must run with {@code
 * -XX:NativeMemoryTracking=summary}). NMT's "Java Heap" is the heap committed, "Thread" the thread
 * stacks, "Other" the direct buffers (and Netty's off-heap pools), "Total" everything NMT sees.
 *
 * @param nmtCommitted NMT's committed bytes per category, and {@code Total}
 */
record ServerMemory(
    long rssBytes, long liveHeapBytes, int threads, Map<String, Long> nmtCommitted) {

  /** The NMT categories the report names; the rest are in the JSON. */
  static final List<String> REPORTED = List.of("Total", "Java Heap", "Thread", "Other", "Class");

  private static final Pattern CATEGORY =
      Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
  private static final Pattern TOTAL =
      Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");

  static ServerMemory of(long pid) throws IOException, InterruptedException {
    long liveHeap = -1;
    for (String line : jcmd(pid, "GC.class_histogram")) {
      Matcher m = HISTOGRAM_TOTAL.matcher(line.trim());
      if (m.find()) {
        liveHeap = Long.parseLong(m.group(2));
      }
    }
    Map<String, Long> nmt = parseNmt(jcmd(pid, "VM.native_memory", "summary"));
    long rss = -1;
    int threads = -1;
    for (String line :
        Files.readAllLines(
            Path.of("/proc", String.valueOf(pid), "status"), StandardCharsets.UTF_8)) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      } else if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
      }
    }
    return new ServerMemory(rss, liveHeap, threads, nmt);
  }

  /** NMT's committed bytes per category of a {@code VM.native_memory summary} output. */
  static Map<String, Long> parseNmt(List<String> lines) {
    Map<String, Long> nmt = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher t = TOTAL.matcher(line.trim());
      if (t.find()) {
        nmt.put("Total", Long.parseLong(t.group(2)) * 1024);
        continue;
      }
      Matcher m = CATEGORY.matcher(line.trim());
      if (m.find()) {
        nmt.put(m.group(1).trim(), Long.parseLong(m.group(3)) * 1024);
      }
    }
    return nmt;
  }

  private static List<String> jcmd(long pid, String... command)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(String.valueOf(pid));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("Cannot run jcmd " + String.join(" ", command) + ": timeout");
    }
    return new String(out, StandardCharsets.UTF_8).lines().toList();
  }

  long nmt(String category) {
    return nmtCommitted.getOrDefault(category, -1L);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rss_bytes", rssBytes);
    m.put("live_heap_bytes", liveHeapBytes);
    m.put("threads", threads);
    m.put("nmt_committed_bytes", nmtCommitted);
    return m;
  }
}
