package io.tributary.reliability.support;

import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One real server per test JVM for the fuzz and isolation tests: the embedded broker, the
 * materializer and the gRPC API on an ephemeral localhost port, over a fresh temp data directory. A
 * broker start costs seconds on two cores, so the test classes share it and isolate themselves by
 * their own namespaces and users. The server is closed and its directory deleted when the JVM
 * exits.
 */
public final class InProcessServer {
  public static final String ROOT_PASSWORD = "reliability-root-password";
  private static TributaryServer server;
  private static Path dataDir;

  private InProcessServer() {}

  /** The server, started on first use. */
  public static synchronized TributaryServer get() {
    if (server == null) {
      try {
        dataDir = Files.createTempDirectory("tributary-reliability");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server =
          TributaryServer.start(
              ServerConfig.defaults()
                  .withDataDir(dataDir)
                  .withPort(0)
                  .withRootPassword(ROOT_PASSWORD));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    deleteRecursively(dataDir);
                  }));
    }
    return server;
  }

  /** The gRPC URL of the server, {@code http://127.0.0.1:port}. */
  public static String url() {
    return "http://127.0.0.1:" + get().port();
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
