package io.tributary.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Deque;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What the benchmarks' main programs share: reading options, writing reports, cleaning up. */
public final class BenchmarkMain {
  private BenchmarkMain() {}

  /**
   * The options parsed from {@code args}; if they cannot be read, prints why to standard error and
   * exits with status 2.
   */
  public static <O> O optionsOrExit(String[] args, Function<String[], O> parse) {
    try {
      return parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      throw e; // not reached
    }
  }

  /** A scenario's report as written: Markdown, and its JSON made when it is written. */
  public record Written(String markdown, Supplier<String> json) {}

  /** One run of a scenario with its options. */
  public interface Scenario<O> {
    Written run(O options) throws Exception;
  }

  /**
   * A scenario's main program: reads the options ({@link #optionsOrExit}), runs the scenario,
   * {@link #printAndWrite prints and writes} its report as {@code <resultsDir>/<name>.md} and
   * {@code .json} and exits 0; if it fails, prints why and exits 1. It exits rather than returns:
   * an embedded broker leaves non-daemon threads behind for a while.
   */
  public static <O> void runAndExit(
      String[] args,
      Function<String[], O> parse,
      Function<O, Path> resultsDir,
      String name,
      Scenario<O> scenario) {
    O options = optionsOrExit(args, parse);
    int status = 0;
    try {
      Written report = scenario.run(options);
      printAndWrite(report.markdown(), report.json(), resultsDir.apply(options), name);
    } catch (Exception e) {
      System.err.println("The " + name + " benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  /**
   * {@link Machine#describe()}, with its load average reported first: other work on the machine
   * distorts every figure.
   */
  public static Map<String, Object> describeMachine(Progress progress) {
    Map<String, Object> machine = Machine.describe();
    progress.print(
        "load average %s on %s CPUs (other work on the machine distorts every figure)",
        machine.get("load_average_at_start"), machine.get("cpus"));
    return machine;
  }

  /**
   * Prints the Markdown report after a blank line and, unless {@code dir} is null, writes it and
   * the JSON to {@code <dir>/<name>.md} and {@code .json} and says so.
   */
  public static void printAndWrite(String markdown, Supplier<String> json, Path dir, String name)
      throws IOException {
    System.out.println();
    System.out.println(markdown);
    if (dir != null) {
      Files.createDirectories(dir);
      Path md = dir.resolve(name + ".md");
      Path js = dir.resolve(name + ".json");
      Files.writeString(md, markdown, StandardCharsets.UTF_8);
      Files.writeString(js, json.get(), StandardCharsets.UTF_8);
      System.out.println("Wrote " + md + " and " + js);
    }
  }

  /** Closes everything in {@code opened}, last opened first; reports failures and goes on. */
  public static void closeAll(Deque<AutoCloseable> opened, Progress progress) {
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        progress.print("Error while closing: %s", e);
      }
    }
  }

  /** Deletes a directory and everything below it, as far as it can. */
  public static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
