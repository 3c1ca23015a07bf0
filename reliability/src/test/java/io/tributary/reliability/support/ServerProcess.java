package io.tributary.reliability.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Tributary server in a child JVM ({@link ServerMain}) on the test class path, with a bounded
 * heap: started, killed with SIGKILL ({@link Process#destroyForcibly()} on Linux), restarted on the
 * same data directory, asked for its heap after a full GC, and measured for its RSS. Its output
 * goes to {@code target/reliability-logs/<name>-<run>.log}.
 */
public final class ServerProcess implements AutoCloseable {
  public static final String ROOT_PASSWORD = "reliability-root-password";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final Path dataDir;
  private final String maxHeap;
  private final List<String> extraJvmArgs;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private Process process;
  private PrintWriter control;
  private int port;
  private String bootstrapServers;
  private int runs;

  /**
   * @param name names the log files
   * @param dataDir the server's data directory, kept across restarts
   * @param maxHeap the child's {@code -Xmx}, e.g. {@code 768m}
   */
  public ServerProcess(String name, Path dataDir, String maxHeap, String... extraJvmArgs) {
    this.name = name;
    this.dataDir = dataDir;
    this.maxHeap = maxHeap;
    this.extraJvmArgs = List.of(extraJvmArgs);
  }

  /**
   * Starts the child and waits until {@code GET /health} answers 200.
   *
   * @return the time from the process start to the first 200 of {@code /health}
   */
  public Duration start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("Cannot start " + name + ": it is running");
    }
    runs++;
    Path portFile = dataDir.resolveSibling(dataDir.getFileName() + ".port");
    Files.deleteIfExists(portFile);
    Path logs = Path.of("target", "reliability-logs");
    Files.createDirectories(logs);
    Path logFile = logs.resolve(name + "-" + runs + ".log");
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-XX:+UseParallelGC");
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.addAll(extraJvmArgs);
    // -Dreliability.serverLogConfig=<log4j2 file>: more detail from the server, e.g. Kafka at INFO.
    String logConfig = System.getProperty("reliability.serverLogConfig");
    if (logConfig != null && !logConfig.isBlank()) {
      command.add("-Dlog4j2.configurationFile=" + Path.of(logConfig).toAbsolutePath());
    }
    command.add("-cp");
    command.add(classPath);
    command.add(ServerMain.class.getName());
    command.add(dataDir.toString());
    command.add(portFile.toString());
    command.add(ROOT_PASSWORD);
    long begin = System.nanoTime();
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    process = child;
    control = new PrintWriter(child.getOutputStream(), true, UTF_8);
    replies.clear();
    Thread pump = new Thread(() -> pump(child, logFile), name + "-output-" + runs);
    pump.setDaemon(true);
    pump.start();

    await("the port file of " + name)
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!child.isAlive()) {
                throw new IllegalStateException(
                    name
                        + " exited with "
                        + child.exitValue()
                        + " before it was ready; see "
                        + logFile);
              }
              return Files.exists(portFile);
            });
    List<String> lines = Files.readAllLines(portFile, UTF_8);
    port = Integer.parseInt(lines.get(0).trim());
    bootstrapServers = lines.get(1).trim();
    await("/health of " + name)
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> health() == 200);
    return Duration.ofNanos(System.nanoTime() - begin);
  }

  private void pump(Process child, Path logFile) {
    try (BufferedReader out =
            new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8));
        OutputStream log = Files.newOutputStream(logFile)) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("@@")) {
          replies.add(line.substring(2));
        }
        log.write((line + "\n").getBytes(UTF_8));
      }
    } catch (IOException e) {
      // The child was killed: its output ends here.
    }
  }

  /** The API's port of the current run. */
  public int port() {
    return port;
  }

  /** The {@code bootstrap.servers} of the child's embedded broker, for an admin client. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The status of {@code GET /health}, or -1 when the port does not answer. */
  public int health() {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url() + "/health"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Kills the child with SIGKILL and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Cannot kill " + name + ": it is still running after 60 s");
    }
  }

  /** Runs a full GC in the child and returns the heap used after it, in bytes. */
  public long heapAfterGc() throws InterruptedException {
    control.println("HEAP");
    String reply = replies.poll(60, TimeUnit.SECONDS);
    if (reply == null || !reply.startsWith("HEAP ")) {
      throw new IllegalStateException("No heap figure from " + name + ": " + reply);
    }
    return Long.parseLong(reply.substring(5).trim());
  }

  /** The child's resident set size in bytes ({@code VmRSS} of {@code /proc/<pid>/status}). */
  public long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("No VmRSS for " + pid());
  }

  /** Stops the child cleanly (the server closes), killing it if it has not exited within 60 s. */
  public void stop() throws InterruptedException {
    if (!isAlive()) {
      return;
    }
    control.println("STOP");
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      kill();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (isAlive()) {
      kill();
    }
  }
}
