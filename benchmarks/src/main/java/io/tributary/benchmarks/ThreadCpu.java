package io.tributary.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** CPU time of this process and of named groups of its threads. */
final class ThreadCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ThreadCpu() {}

  /** CPU nanoseconds used so far by the live threads whose names start with {@code prefix}. */
  static long ofThreadsNamed(String prefix) {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        long cpu = THREADS.getThreadCpuTime(t.getId());
        if (cpu > 0) {
          sum += cpu;
        }
      }
    }
    return sum;
  }

  /**
   * CPU nanoseconds used so far per group of threads, a group being a thread name with its digits
   * replaced by {@code #} ({@code armeria-common-worker-epoll-3-1} → {@code
   * armeria-common-worker-epoll-#-#}).
   */
  static Map<String, Long> byGroup() {
    Map<String, Long> groups = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      long cpu = THREADS.getThreadCpuTime(t.getId());
      if (cpu > 0) {
        groups.merge(t.getName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
      }
    }
    return groups;
  }

  /** The groups that used the most CPU between two {@link #byGroup()} readings, most first. */
  static Map<String, Long> top(Map<String, Long> before, Map<String, Long> after, int limit) {
    Map<String, Long> delta = new HashMap<>();
    after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
    Map<String, Long> top = new LinkedHashMap<>();
    delta.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(limit)
        .forEach(e -> top.put(e.getKey(), e.getValue()));
    return top;
  }

  /**
   * CPU nanoseconds used so far by the whole machine (every process, from {@code /proc/stat}, at
   * the kernel's 100 Hz tick), or -1 where that is not available. Less this process's CPU, it shows
   * other work competing with the benchmark.
   */
  static long ofMachine() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal
      long ticks = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        ticks += Long.parseLong(f[i]);
      }
      return ticks * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU nanoseconds used so far by the whole process (every thread, both cores). */
  static long ofProcess() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
