package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.TributaryClient;
import io.tributary.server.TributaryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything a server keeps in its data directory (the broker's log segments and checkpoints, the
 * Kafka Streams state and RocksDB files, the token key) is readable by its owner only, although
 * this JVM's umask lets group and others read new files; a data directory of an earlier release,
 * written with looser permissions, is tightened when the server starts on it.
 */
class DataDirPermissionsEndToEndTest {
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  @TempDir Path parent;

  @Test
  void shouldKeepEveryEntryOfTheDataDirectoryOwnerOnly() throws IOException {
    Path dataDir = parent.resolve("data");
    try (TributaryServer server = SharedServer.start(dataDir)) {
      writeAndRead(server, 1);

      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)))
          .isEqualTo("rwx------");
      awaitOwnerOnly(dataDir);
    }

    // As an earlier release left it: directories 0755, files 0644.
    loosen(dataDir);
    assertThat(readableByOthers(dataDir)).isNotEmpty();

    try (TributaryServer server = SharedServer.start(dataDir)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)))
          .isEqualTo("rwx------");
      awaitOwnerOnly(dataDir);
      writeAndRead(server, 2);
      awaitOwnerOnly(dataDir);
    }
  }

  /** Inserts one more row of {@code perm.notes} and reads them all back. */
  private static void writeAndRead(TributaryServer server, int rowId) {
    try (TributaryClient root = TributaryClient.connect("http://127.0.0.1:" + server.port())) {
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE IF NOT EXISTS perm;"
              + "CREATE TABLE IF NOT EXISTS perm.notes (id INT PRIMARY KEY, body TEXT)");
      root.update("INSERT INTO perm.notes VALUES ($1, 'secret')", rowId);
      assertThat(root.query("SELECT id FROM perm.notes ORDER BY id").rows())
          .extracting(r -> r.getInteger("id"))
          .hasSize(rowId)
          .endsWith(rowId);
    }
  }

  private static void awaitOwnerOnly(Path dataDir) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(readableByOthers(dataDir)).isEmpty());
  }

  /** Entries (but symbolic links) whose permissions give group or others anything. */
  private static List<String> readableByOthers(Path dataDir) {
    List<String> loose = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.forEach(
          p -> {
            try {
              if (Files.isSymbolicLink(p)) {
                return;
              }
              Set<PosixFilePermission> perms =
                  Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
              if (perms.stream().anyMatch(NOT_OWNER::contains)) {
                loose.add(dataDir.relativize(p) + " " + PosixFilePermissions.toString(perms));
              }
            } catch (NoSuchFileException e) {
              // removed while we walked (a temporary file)
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return loose;
  }

  private static void loosen(Path dataDir) throws IOException {
    try (Stream<Path> paths = Files.walk(dataDir)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        if (!Files.isSymbolicLink(p)) {
          Files.setPosixFilePermissions(
              p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
  }
}
