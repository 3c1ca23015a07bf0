package io.tributary.benchmarks.startup;

import io.tributary.benchmarks.BenchmarkMain;
import io.tributary.benchmarks.Machine;
import io.tributary.benchmarks.Progress;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The startup benchmark: the README's first command, {@code ./tributary start}, to ready, cold
 * (fresh data directory: broker format, internal topics, root user) and warm (restart on an
 * existing data directory).
 *
 * <p>The launcher script builds with Maven first when sources changed, then execs {@code java
 * --add-opens=java.base/java.nio=ALL-UNNAMED -cp cli/target/…jar:cli/target/lib/*
 * io.tributary.cli.Main start}. This measures that same java command as a child process (with
 * {@code --port <free port> --data-dir <temp dir>}), from spawning it until {@code GET /health}
 * answers 200, then stops it with SIGTERM. When the launcher has nothing to build it is also timed
 * once on a warm data directory. There is no baseline system: the ratio is to the issue's 8 s
 * target. Writes {@code startup.md} and {@code startup.json}.
 *
 * <p>A main program, not a test: nothing here asserts on time. See {@code benchmarks/README.md}.
 */
public final class StartupBenchmark {
  static final double TARGET_SECONDS = 8;
  static final String MAIN_CLASS = "io.tributary.cli.Main";

  /** The launcher's own JVM option (see the {@code tributary} script). */
  static final String ADD_OPENS = "--add-opens=java.base/java.nio=ALL-UNNAMED";

  private static final Progress PROGRESS = new Progress("[%5.1f s] %s");

  private StartupBenchmark() {}

  public static void main(String[] args) throws IOException {
    StartupOptions options = BenchmarkMain.optionsOrExit(args, StartupOptions::parse);
    int status = 0;
    try {
      StartupReport report = run(options);
      BenchmarkMain.printAndWrite(report.markdown(), report::json, options.resultsDir(), "startup");
    } catch (RuntimeException e) {
      System.err.println("The startup benchmark failed: " + e.getMessage());
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  /** Runs the cold and warm starts (and the launcher once, if asked) and returns the report. */
  static StartupReport run(StartupOptions options) throws IOException {
    long begin = System.nanoTime();
    Map<String, Object> machine = BenchmarkMain.describeMachine(PROGRESS);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ClassPath classPath = classPath(options.repoDir());
    progress("server class path: %s", classPath.description());
    Duration timeout = Duration.ofMillis((long) (options.timeoutSeconds() * 1000));
    Path dir = Files.createTempDirectory("tributary-startup");
    List<ServerProcess.Start> starts = new ArrayList<>();
    String launcherNote;
    try {
      Path firstDataDir = null;
      for (int i = 1; i <= options.coldRuns(); i++) {
        Path data = dir.resolve("data-" + i);
        if (firstDataDir == null) {
          firstDataDir = data;
        }
        starts.add(start("cold", i, java, classPath, data, dir, timeout));
      }
      for (int i = 1; i <= options.warmRuns(); i++) {
        starts.add(start("warm", i, java, classPath, firstDataDir, dir, timeout));
      }
      launcherNote = launcher(options, firstDataDir, dir, timeout, starts);
    } finally {
      BenchmarkMain.deleteRecursively(dir);
    }
    machine.put("load_average_at_end", Machine.loadAverage());
    return new StartupReport(
        machine,
        options,
        starts,
        command(java, classPath, "<free port>", "<temp dir>"),
        classPath.description(),
        launcherNote,
        (System.nanoTime() - begin) / 1e9);
  }

  /** The java command the launcher execs, on {@code port} and {@code dataDir}. */
  private static List<String> command(
      String java, ClassPath classPath, String port, String dataDir) {
    return List.of(
        java,
        ADD_OPENS,
        "-cp",
        classPath.value(),
        MAIN_CLASS,
        "start",
        "--port",
        port,
        "--data-dir",
        dataDir);
  }

  private static ServerProcess.Start start(
      String kind,
      int run,
      String java,
      ClassPath classPath,
      Path dataDir,
      Path dir,
      Duration timeout) {
    int port = ServerProcess.freePort();
    List<String> command = command(java, classPath, Integer.toString(port), dataDir.toString());
    progress("%s start %d: port %d, data dir %s", kind, run, port, dataDir.getFileName());
    ServerProcess.Start s =
        ServerProcess.measure(
            kind,
            run,
            command,
            Map.of(),
            dir,
            dir.resolve(kind + "-" + run + ".log"),
            port,
            timeout);
    report(s);
    return s;
  }

  /** Times {@code ./tributary start} once when asked and it has nothing to build; says why not. */
  private static String launcher(
      StartupOptions options,
      Path dataDir,
      Path dir,
      Duration timeout,
      List<ServerProcess.Start> starts) {
    if (options.launcher().equals("no")) {
      return "not timed (--launcher=no)";
    }
    Path script = options.repoDir().resolve("tributary");
    Optional<String> why = launcherWouldBuild(options.repoDir());
    if (!Files.isExecutable(script)) {
      why = Optional.of(script + " is missing or not executable");
    }
    if (why.isPresent()) {
      if (options.launcher().equals("yes")) {
        throw new IllegalStateException("Cannot time the launcher: " + why.get());
      }
      return "not timed: " + why.get() + " (a benchmark never runs the build)";
    }
    int port = ServerProcess.freePort();
    progress("launcher (nothing to build): ./tributary start, port %d, warm data dir", port);
    ServerProcess.Start s =
        ServerProcess.measure(
            "launcher",
            1,
            List.of(
                script.toString(),
                "start",
                "--port",
                Integer.toString(port),
                "--data-dir",
                dataDir.toString()),
            Map.of("JAVA_HOME", System.getProperty("java.home")),
            dir,
            dir.resolve("launcher.log"),
            port,
            timeout);
    report(s);
    starts.add(s);
    return "timed once on a warm data directory, with nothing to build";
  }

  /**
   * Why {@code ./tributary} would build before starting (its {@code needs_build}: the server jar,
   * its copied dependencies or the build stamp missing, or a {@code pom.xml} or a file under a
   * {@code src/} directory newer than the stamp), or empty when it would not.
   */
  static Optional<String> launcherWouldBuild(Path repo) {
    Path target = repo.resolve("cli").resolve("target");
    Path stamp = target.resolve(".tributary-build-stamp");
    if (!Files.isRegularFile(target.resolve("tributary-cli-0.1.0-SNAPSHOT.jar"))
        || !Files.isDirectory(target.resolve("lib"))
        || !Files.isRegularFile(stamp)) {
      return Optional.of("it would build first (cli jar, cli/target/lib or build stamp missing)");
    }
    try {
      FileTime built = Files.getLastModifiedTime(stamp);
      Path[] newer = new Path[1];
      Files.walkFileTree(
          repo,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
              String name = d.getFileName() == null ? "" : d.getFileName().toString();
              if (!d.equals(repo)
                  && (name.equals(".git")
                      || name.equals("target")
                      || name.equals("node_modules"))) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
              String rel = repo.relativize(f).toString().replace(File.separatorChar, '/');
              boolean watched =
                  f.getFileName().toString().equals("pom.xml")
                      || rel.contains("/src/")
                      || rel.startsWith("src/");
              if (watched && attrs.lastModifiedTime().compareTo(built) > 0) {
                newer[0] = f;
                return FileVisitResult.TERMINATE;
              }
              return FileVisitResult.CONTINUE;
            }
          });
      if (newer[0] != null) {
        return Optional.of(
            "it would build first ("
                + repo.relativize(newer[0])
                + " is newer than the last build)");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot tell whether it would build: " + e.getMessage());
    }
  }

  /** The class path the launcher uses, or this JVM's when the cli module was not packaged. */
  record ClassPath(String value, String description) {}

  static ClassPath classPath(Path repo) {
    Path target = repo.resolve("cli").resolve("target");
    Path jar = target.resolve("tributary-cli-0.1.0-SNAPSHOT.jar");
    Path lib = target.resolve("lib");
    if (Files.isRegularFile(jar) && Files.isDirectory(lib)) {
      return new ClassPath(
          jar + File.pathSeparator + lib + File.separator + "*",
          "the launcher's (cli/target jar and cli/target/lib/*)");
    }
    return new ClassPath(
        System.getProperty("java.class.path"),
        "this JVM's (cli/target not packaged; same classes plus the benchmark's)");
  }

  private static void report(ServerProcess.Start s) {
    progress(
        "  ready (GET /health 200) after %.2f s; ready line after %.2f s (server: %d ms);"
            + " stopped in %.2f s, exit %d%s",
        s.readySeconds(),
        s.readyLineSeconds(),
        s.serverMillis(),
        s.stopSeconds(),
        s.exitCode(),
        s.killed() ? " (KILLED: did not stop in time)" : "");
  }

  static void progress(String format, Object... args) {
    PROGRESS.print(format, args);
  }

  /** Median of a non-empty list. */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static Map<String, Object> summary(List<ServerProcess.Start> starts, String kind) {
    List<Double> ready = new ArrayList<>();
    List<Double> line = new ArrayList<>();
    List<Double> server = new ArrayList<>();
    List<Double> stop = new ArrayList<>();
    for (ServerProcess.Start s : starts) {
      if (s.kind().equals(kind)) {
        ready.add(s.readySeconds());
        if (!Double.isNaN(s.readyLineSeconds())) {
          line.add(s.readyLineSeconds());
        }
        if (s.serverMillis() >= 0) {
          server.add(s.serverMillis() / 1000.0);
        }
        stop.add(s.stopSeconds());
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runs", ready.size());
    if (ready.isEmpty()) {
      return m;
    }
    m.put("ready_min_s", ready.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
    m.put("ready_median_s", median(ready));
    m.put("ready_max_s", ready.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    m.put("ready_log_line_median_s", line.isEmpty() ? Double.NaN : median(line));
    m.put("server_reported_median_s", server.isEmpty() ? Double.NaN : median(server));
    m.put("stop_median_s", median(stop));
    return m;
  }
}
