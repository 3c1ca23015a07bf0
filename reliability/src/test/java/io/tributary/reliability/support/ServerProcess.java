package io.tributary.reliability.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * A Tributary server in a child JVM ({@link ServerMain}, through {@link ChildJvm}) on the test
 * class path, with a bounded heap: started, killed with SIGKILL ({@link Process#destroyForcibly()}
 * on Linux), restarted on the same data directory, asked for its heap after a full GC, and measured
 * for its RSS. Its output goes to {@code target/reliability-logs/<name>-<run>.log}.
 */
public final class ServerProcess implements AutoCloseable {
  public static final String ROOT_PASSWORD = "reliability-root-password";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String name;
  private final Path dataDir;
  private final String maxHeap;
  private final List<String> extraJvmArgs;
  private ChildJvm child;
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
    if (child != null && child.process().isAlive()) {
      throw new IllegalStateException("Cannot start " + name + ": it is running");
    }
    runs++;
    Path portFile = dataDir.resolveSibling(dataDir.getFileName() + ".port");
    Files.deleteIfExists(portFile);
    List<String> jvm = new ArrayList<>();
    jvm.add("-Xmx" + maxHeap);
    jvm.add("-XX:+UseParallelGC");
    jvm.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    jvm.addAll(extraJvmArgs);
    // -Dreliability.serverJvmArgs="<options>": e.g. a flight recording of the server
    // (-XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile,dumponexit=true).
    String jvmArgs = System.getProperty("reliability.serverJvmArgs", "").trim();
    if (!jvmArgs.isEmpty()) {
      jvm.addAll(List.of(jvmArgs.split("\\s+")));
    }
    // -Dreliability.serverLogConfig=<log4j2 file>: more detail from the server, e.g. Kafka at INFO.
    String logConfig = System.getProperty("reliability.serverLogConfig");
    if (logConfig != null && !logConfig.isBlank()) {
      jvm.add("-Dlog4j2.configurationFile=" + Path.of(logConfig).toAbsolutePath());
    }
    long begin = System.nanoTime();
    ChildJvm started =
        ChildJvm.start(
            name + "-" + runs,
            0,
            jvm,
            ServerMain.class,
            List.of(dataDir.toString(), portFile.toString(), ROOT_PASSWORD));
    child = started;
    Process process = started.process();
    await("the port file of " + name)
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    name
                        + " exited with "
                        + process.exitValue()
                        + " before it was ready; see "
                        + started.logFile());
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
    return child.process().pid();
  }

  public boolean isAlive() {
    return child != null && child.process().isAlive();
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
    child.kill();
  }

  /** Runs a full GC in the child and returns the heap used after it, in bytes. */
  public long heapAfterGc() throws InterruptedException {
    String reply = child.ask("HEAP", Duration.ofSeconds(60));
    if (!reply.startsWith("HEAP ")) {
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
    child.send("STOP");
    if (!child.process().waitFor(60, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /**
   * Stops the child if it still runs: cleanly, so that a flight recording asked for with {@code
   * -Dreliability.serverJvmArgs} is written also when a test failed; killed after 60 s.
   */
  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
