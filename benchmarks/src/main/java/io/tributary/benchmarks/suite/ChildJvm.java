package io.tributary.benchmarks.suite;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario's main class in a child JVM with the suite's classpath, copying its output
 * (stdout and stderr together) to a log file and, prefixed with the scenario's name, to the suite's
 * own output. A child that outlives its time limit is killed with everything it started (the
 * fan-out's heap probe, the JMH forks).
 */
final class ChildJvm {
  /** How a child ended. */
  record Result(int exitCode, boolean timedOut, double seconds, List<String> tail) {}

  static final int TAIL_LINES = 40;

  private ChildJvm() {}

  static Result run(
      String name,
      String mainClass,
      List<String> jvmFlags,
      List<String> args,
      Path log,
      double limitSeconds)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Files.createDirectories(log.getParent());
    long begin = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close(); // no input: a child that waits for some sees end of stream
    Deque<String> tail = new ArrayDeque<>();
    Thread copier = new Thread(() -> copy(name, p, log, tail), "suite-output-" + name);
    copier.setDaemon(true);
    copier.start();
    boolean finished = p.waitFor(Math.round(limitSeconds * 1000), TimeUnit.MILLISECONDS);
    if (!finished) {
      kill(p);
    }
    copier.join(10_000); // the pipe closes when the child and its children are gone
    double seconds = (System.nanoTime() - begin) / 1e9;
    List<String> lines;
    synchronized (tail) {
      lines = new ArrayList<>(tail);
    }
    return new Result(finished ? p.exitValue() : -1, !finished, seconds, lines);
  }

  /** Kills the child and every process it started, children first seen, then waits for it. */
  private static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> descendants = p.descendants().toList();
    p.destroyForcibly();
    for (ProcessHandle h : descendants) {
      h.destroyForcibly();
    }
    p.waitFor(30, TimeUnit.SECONDS);
  }

  private static void copy(String name, Process p, Path log, Deque<String> tail) {
    try (BufferedReader in =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        System.out.println("  [" + name + "] " + line);
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      System.out.println("  [" + name + "] (output no longer readable: " + e.getMessage() + ")");
    }
  }

  static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
