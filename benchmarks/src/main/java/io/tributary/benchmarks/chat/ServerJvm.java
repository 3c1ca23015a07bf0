package io.tributary.benchmarks.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server's own JVM ({@link ChatServerMain}: Tributary, or the PostgreSQL stack's relay; this
 * JVM's java and class path): started, waited for until it prints its port, measured (CPU time),
 * asked for its JIT compile time, and stopped by closing its input (killed if it does not stop
 * within 30 s, and by a shutdown hook if this JVM exits first). Its output goes to a log file.
 * Public for the benchmarks outside {@code chat} that run their server out of process.
 */
public final class ServerJvm implements AutoCloseable {
  /** The flags a benchmark gives its server JVM unless told otherwise. */
  public static final String DEFAULT_FLAGS = "-Xmx4g --add-opens=java.base/java.nio=ALL-UNNAMED";

  private final Process process;
  private final int port;
  private final Thread hook;
  private final BlockingQueue<Long> compileTimes;

  private ServerJvm(Process process, int port, BlockingQueue<Long> compileTimes) {
    this.process = process;
    this.port = port;
    this.compileTimes = compileTimes;
    this.hook = new Thread(process::destroyForcibly, "chat-server-jvm-kill");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts {@link ChatServerMain} with {@code args}; returns once it has printed its port. */
  public static ServerJvm start(List<String> jvmFlags, List<String> args, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChatServerMain.class.getName());
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    BlockingQueue<Long> compileTimes = new LinkedBlockingQueue<>();
    Thread copier =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (!ready.isDone() && line.startsWith(ChatServerMain.READY)) {
                    ready.complete(
                        Integer.parseInt(line.substring(ChatServerMain.READY.length()).trim()));
                  } else if (line.startsWith(ChatServerMain.COMPILE_MS)) {
                    compileTimes.add(
                        Long.parseLong(line.substring(ChatServerMain.COMPILE_MS.length()).trim()));
                    continue; // asked for by the benchmark every few seconds: not worth a log line
                  }
                  out.write(line);
                  out.write('\n');
                }
              } catch (IOException | RuntimeException e) {
                ready.completeExceptionally(e);
              }
              ready.completeExceptionally(
                  new IllegalStateException("Cannot start the server JVM: it exited; see " + log));
            },
            "chat-server-jvm-output");
    copier.setDaemon(true);
    copier.start();
    try {
      return new ServerJvm(p, ready.get(3, TimeUnit.MINUTES), compileTimes);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "Cannot start the server JVM: " + e + "; the end of " + log + ":\n" + tail(log), e);
    }
  }

  /** The last lines of a log (its directory may be gone by the time anyone reads it). */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * The server JVM's total JIT compile time so far, in milliseconds; -1 when it does not tell or
   * does not answer within 10 s.
   */
  public synchronized long compileMillis() {
    try {
      compileTimes.clear();
      Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      in.write(ChatServerMain.COMPILE_TIME + "\n");
      in.flush();
      Long millis = compileTimes.poll(10, TimeUnit.SECONDS);
      return millis == null ? -1 : millis;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The CPU time the server process has used so far. */
  public Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // already gone
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }
}
