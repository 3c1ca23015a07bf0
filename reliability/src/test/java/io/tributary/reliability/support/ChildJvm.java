package io.tributary.reliability.support;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test class path, talked to over its stdin and stdout: the parent writes one
 * command per line; the child answers with lines that start with {@code @@} (the rest of its
 * output, and its stderr, go to a log file under {@code target/reliability-logs/}). Optionally at a
 * lower scheduling priority ({@code nice -n <n>}), so that the CPU it burns is not taken from
 * processes of normal priority (the server, the measured client) whenever they want it.
 */
public final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final PrintWriter control;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Path logFile;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.control = new PrintWriter(process.getOutputStream(), true, UTF_8);
    Thread pump = new Thread(this::pump, name + "-output");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts {@code main} in a new JVM.
   *
   * @param name names the log file, {@code target/reliability-logs/<name>.log}
   * @param nice the child's niceness (0: the parent's priority; 19: the lowest), applied with
   *     {@code nice} where it exists
   * @param jvmArgs options of the child JVM ({@code -Xmx…})
   * @param main the class whose {@code main} runs
   * @param args its arguments
   */
  public static ChildJvm start(
      String name, int nice, List<String> jvmArgs, Class<?> main, List<String> args)
      throws IOException {
    Path logs = Path.of("target", "reliability-logs");
    Files.createDirectories(logs);
    Path logFile = logs.resolve(name + ".log");
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    Path niceBinary = Path.of("/usr/bin/nice");
    if (nice != 0 && Files.isExecutable(niceBinary)) {
      command.add(niceBinary.toString());
      command.add("-n");
      command.add(Integer.toString(nice));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ChildJvm(name, process, logFile);
  }

  private void pump() {
    try (BufferedReader out =
            new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
        OutputStream log = Files.newOutputStream(logFile)) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("@@")) {
          replies.add(line.substring(2));
        }
        log.write((line + "\n").getBytes(UTF_8));
        log.flush();
      }
    } catch (IOException e) {
      // The child was killed: its output ends here.
    }
  }

  /** Sends {@code command} and returns the child's next reply (without its {@code @@}). */
  public String ask(String command, Duration timeout) throws InterruptedException {
    replies.clear();
    control.println(command);
    String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (reply == null) {
      throw new IllegalStateException(
          "No reply from "
              + name
              + " to "
              + command
              + " within "
              + timeout
              + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")")
              + "; see "
              + logFile);
    }
    return reply;
  }

  /** Sends {@code command} without waiting for a reply. */
  public void send(String command) {
    control.println(command);
  }

  public Process process() {
    return process;
  }

  public Path logFile() {
    return logFile;
  }

  /** Kills the child with SIGKILL and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("Cannot kill " + name + ": it is still running after 60 s");
    }
  }

  /** Closes the child's stdin (it should exit), and kills it if it has not exited within 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    control.close();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill();
    }
  }
}
