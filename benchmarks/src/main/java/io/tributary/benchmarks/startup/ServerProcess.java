package io.tributary.benchmarks.startup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One start of a server as a child process, timed from spawning it until {@code GET /health}
 * answers 200 (an external probe), then a clean stop (SIGTERM, which runs the server's shutdown
 * hook). A child that does not start or stop in time is killed; so is every child still alive when
 * this JVM exits.
 */
final class ServerProcess {
  /** Between two health probes: the resolution of the measurement. */
  private static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private static final Pattern READY = Pattern.compile("Tributary ready on (\\S+) in (\\d+) ms");

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "startup-child-killer"));
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .build();

  private ServerProcess() {}

  /**
   * The figures of one start.
   *
   * @param kind {@code cold}, {@code warm} or {@code launcher}
   * @param run 1-based run number within its kind
   * @param readySeconds from spawning the process to the first 200 of {@code GET /health}
   * @param readyLineSeconds from spawning to the "Tributary ready" log line arriving, or NaN
   * @param serverMillis the server's own figure in that line (from the start of {@code
   *     TributaryServer.start}, so without JVM start-up and class loading before it), or -1
   * @param stopSeconds from SIGTERM to the process's exit
   * @param exitCode the exit status (143 after SIGTERM and a clean shutdown hook)
   * @param killed whether the process had to be killed because it did not stop in time
   */
  record Start(
      String kind,
      int run,
      double readySeconds,
      double readyLineSeconds,
      long serverMillis,
      double stopSeconds,
      int exitCode,
      boolean killed) {

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("run", run);
      m.put("ready_s", readySeconds);
      m.put("ready_log_line_s", readyLineSeconds);
      m.put("server_reported_ms", serverMillis);
      m.put("stop_s", stopSeconds);
      m.put("exit_code", exitCode);
      m.put("killed", killed);
      return m;
    }
  }

  /** A port that was free a moment ago (bound to port 0 and released), on 127.0.0.1. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port", e);
    }
  }

  /**
   * Starts {@code command}, waits until the server on {@code port} answers {@code GET /health} with
   * 200, stops it and returns the figures. The child's output goes to {@code logFile}.
   *
   * @throws IllegalStateException if it exits, or does not answer, within {@code timeout}
   */
  static Start measure(
      String kind,
      int run,
      List<String> command,
      Map<String, String> environment,
      Path workDir,
      Path logFile,
      int port,
      Duration timeout) {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    // The settings come from the command line only, whatever this shell has exported.
    builder.environment().keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
    builder.environment().putAll(environment);
    URI health = URI.create("http://127.0.0.1:" + port + "/health");
    long begin = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + command.get(0), e);
    }
    LIVE.add(process);
    Output output = new Output(process.getInputStream(), logFile);
    output.start();
    try {
      long deadline = begin + timeout.toNanos();
      long ready = -1;
      while (ready < 0) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "Cannot start the server ("
                  + kind
                  + " run "
                  + run
                  + "): it exited with status "
                  + process.exitValue()
                  + "; its last lines:\n"
                  + output.tail());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Cannot start the server ("
                  + kind
                  + " run "
                  + run
                  + "): "
                  + health
                  + " did not answer 200 within "
                  + timeout.toSeconds()
                  + " s; its last lines:\n"
                  + output.tail());
        }
        if (healthy(health)) {
          ready = System.nanoTime();
        } else {
          long next = System.nanoTime() + PROBE_INTERVAL_NANOS;
          while (System.nanoTime() < next) {
            LockSupport.parkNanos(next - System.nanoTime());
          }
        }
      }
      long stopping = System.nanoTime();
      process.destroy(); // SIGTERM: the server's shutdown hook closes it
      boolean killed = false;
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        killed = true;
      }
      long stopped = System.nanoTime();
      output.join(TimeUnit.SECONDS.toMillis(10));
      long line = output.readyAt;
      return new Start(
          kind,
          run,
          (ready - begin) / 1e9,
          line < 0 ? Double.NaN : (line - begin) / 1e9,
          output.serverMillis,
          (stopped - stopping) / 1e9,
          process.exitValue(),
          killed);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot measure the start: interrupted", e);
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      LIVE.remove(process);
    }
  }

  private static boolean healthy(URI uri) {
    try {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot probe " + uri + ": interrupted", e);
    }
  }

  /** Copies the child's output to a file, keeps its tail and notes when the ready line arrives. */
  private static final class Output extends Thread {
    private final InputStream in;
    private final Path file;
    private final Deque<String> tail = new ArrayDeque<>();
    volatile long readyAt = -1;
    volatile long serverMillis = -1;

    Output(InputStream in, Path file) {
      super("startup-child-output");
      setDaemon(true);
      this.in = in;
      this.file = file;
    }

    @Override
    public void run() {
      try (BufferedReader r =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
          Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = r.readLine()) != null) {
          if (readyAt < 0) {
            Matcher m = READY.matcher(line);
            if (m.find()) {
              readyAt = System.nanoTime();
              serverMillis = Long.parseLong(m.group(2));
            }
          }
          w.write(line);
          w.write('\n');
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > 30) {
              tail.removeFirst();
            }
          }
        }
      } catch (IOException e) {
        // the child's output closed abruptly (killed): keep what we have
      }
    }

    String tail() {
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }
  }
}
