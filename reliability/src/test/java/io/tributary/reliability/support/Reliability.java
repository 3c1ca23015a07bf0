package io.tributary.reliability.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings every reliability test shares: the seed ({@code -Dreliability.seed=}, printed), the
 * size ({@code -Dreliability.full=true} for the full-size runs, bounded forms otherwise), and the
 * figures each test writes to {@code target/reliability/<test>.json}.
 */
public final class Reliability {
  private static final Logger LOG = LoggerFactory.getLogger(Reliability.class);

  private Reliability() {}

  /** Whether the full-size run was asked for. */
  public static boolean full() {
    return Boolean.getBoolean("reliability.full");
  }

  /** {@code bounded} in the bounded (CI) form, {@code fullSize} in the full-size run. */
  public static int size(int bounded, int fullSize) {
    return full() ? fullSize : bounded;
  }

  /** The seed of {@code test}: {@code -Dreliability.seed} or a random one, printed either way. */
  public static long seed(String test) {
    String given = System.getProperty("reliability.seed");
    long seed =
        given == null || given.isBlank()
            ? ThreadLocalRandom.current().nextLong()
            : Long.parseLong(given);
    LOG.info(
        "{}: seed {} (rerun with -Dreliability.seed={}), {} size",
        test,
        seed,
        seed,
        full() ? "full" : "bounded");
    return seed;
  }

  /** Writes {@code figures} as a JSON object to {@code target/reliability/<test>.json}. */
  public static Path writeFigures(String test, Map<String, ?> figures) {
    try {
      Path dir = Path.of("target", "reliability");
      Files.createDirectories(dir);
      Path file = dir.resolve(test + ".json");
      Files.writeString(file, toJson(figures) + "\n", StandardCharsets.UTF_8);
      LOG.info("{} figures: {}", test, toJson(figures));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String toJson(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Map<?, ?> map) {
      StringBuilder out = new StringBuilder("{");
      Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
      while (entries.hasNext()) {
        Map.Entry<?, ?> e = entries.next();
        out.append(toJson(e.getKey().toString())).append(": ").append(toJson(e.getValue()));
        if (entries.hasNext()) {
          out.append(", ");
        }
      }
      return out.append('}').toString();
    }
    if (value instanceof List<?> list) {
      StringBuilder out = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        out.append(i == 0 ? "" : ", ").append(toJson(list.get(i)));
      }
      return out.append(']').toString();
    }
    return '"' + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** The value at quantile {@code q} (0..1) of {@code sorted}, nearest rank. */
  public static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("Cannot take a quantile of no samples");
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /**
   * The CPU time a process has used so far, user and system, in seconds ({@code /proc/<pid>/stat};
   * 0 where there is no {@code /proc}).
   */
  public static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th
      // field of the line, stime the 15th, in clock ticks (100 per second on Linux).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** The machine, for the figures: processors, total memory, JVM. */
  public static Map<String, Object> machine() {
    long memKb = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memKb = Long.parseLong(line.substring(9).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      // not Linux: leave 0
    }
    return Map.of(
        "nproc",
        Runtime.getRuntime().availableProcessors(),
        "memTotalMiB",
        memKb / 1024,
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
  }
}
