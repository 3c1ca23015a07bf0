package io.tributary.server.e2e;

import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One server (embedded broker, materializer, API on an ephemeral localhost port) shared by every
 * end-to-end test of this JVM: a broker start costs seconds on two cores. Tests isolate themselves
 * by using their own namespaces and users.
 */
public final class SharedServer {
  public static final String ROOT_PASSWORD = "root-secret-password";
  private static TributaryServer server;
  private static Path dataDir;

  private SharedServer() {}

  public static synchronized TributaryServer get() {
    if (server == null) {
      try {
        dataDir = Files.createTempDirectory("tributary-e2e");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server = start(dataDir);
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

  public static String url() {
    return "http://127.0.0.1:" + get().port();
  }

  /** Starts a server of its own on a data directory (for restart tests). */
  public static TributaryServer start(Path dir) {
    return TributaryServer.start(
        ServerConfig.defaults().withDataDir(dir).withPort(0).withRootPassword(ROOT_PASSWORD));
  }

  public static void deleteRecursively(Path dir) {
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
