package io.tributary.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerOnlyFilesTest {
  @TempDir Path tmp;

  @Test
  void shouldRestrictEveryDirectoryAndFileOfATree() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.createDirectories(data.resolve("kafka/topic-0"));
    Files.writeString(data.resolve("kafka/topic-0/00000.log"), "rows");
    Files.writeString(data.resolve("token.key"), "key");
    Files.writeString(data.resolve("tool.sh"), "#!/bin/sh");
    chmod(data, "rwxr-xr-x");
    chmod(data.resolve("kafka"), "rwxr-xr-x");
    chmod(data.resolve("kafka/topic-0"), "rwxrwxrwx");
    chmod(data.resolve("kafka/topic-0/00000.log"), "rw-r--r--");
    chmod(data.resolve("token.key"), "rw-rw-rw-");
    chmod(data.resolve("tool.sh"), "rwxr-xr-x");

    int changed = OwnerOnlyFiles.restrict(data);

    assertThat(permissions(data))
        .containsExactly(
            Map.entry(".", "rwx------"),
            Map.entry("kafka", "rwx------"),
            Map.entry("kafka/topic-0", "rwx------"),
            Map.entry("kafka/topic-0/00000.log", "rw-------"),
            Map.entry("token.key", "rw-------"),
            Map.entry("tool.sh", "rwx------"));
    assertThat(changed).isEqualTo(6);
    assertThat(OwnerOnlyFiles.restrict(data)).isZero();
  }

  @Test
  void shouldNeitherFollowNorChangeSymbolicLinks() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path outside = Files.writeString(tmp.resolve("outside.txt"), "not ours");
    Path outsideDir = Files.createDirectories(tmp.resolve("outside-dir"));
    chmod(outside, "rw-r--r--");
    chmod(outsideDir, "rwxr-xr-x");
    Files.createSymbolicLink(data.resolve("link"), outside);
    Files.createSymbolicLink(data.resolve("dir-link"), outsideDir);

    OwnerOnlyFiles.restrict(data);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)))
        .isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outsideDir)))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void shouldRestrictTheTargetOfADataDirectoryThatIsALink() throws IOException {
    Path real = Files.createDirectories(tmp.resolve("real"));
    chmod(real, "rwxr-xr-x");
    Path link = Files.createSymbolicLink(tmp.resolve("data"), real);

    OwnerOnlyFiles.restrict(link);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real)))
        .isEqualTo("rwx------");
  }

  @Test
  void shouldFailWhenTheDataDirectoryIsMissing() {
    Path missing = tmp.resolve("missing");

    assertThatThrownBy(() -> OwnerOnlyFiles.restrict(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith(
            "Cannot make data directory " + missing + " readable by its owner only: ");
  }

  @Test
  void shouldRestrictEntriesCreatedWhileWatching() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.createDirectories(data.resolve("streams"));
    OwnerOnlyFiles.restrict(data);

    try (OwnerOnlyFiles watching = OwnerOnlyFiles.watch(data)) {
      // Created with the process umask (group and others may read), as Kafka and RocksDB do.
      Files.writeString(data.resolve("streams/000001.sst"), "rows");
      Files.createDirectories(data.resolve("kafka/topic-0"));
      Files.writeString(data.resolve("kafka/topic-0/00000.log"), "rows");
      Path tmpFile = Files.writeString(data.resolve("checkpoint.tmp"), "1");
      Files.move(tmpFile, data.resolve("checkpoint"));
      chmod(data.resolve("checkpoint"), "rw-r--r--");
      Files.move(data.resolve("checkpoint"), data.resolve("replication-offset-checkpoint"));

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(permissions(data))
                      .containsExactly(
                          Map.entry(".", "rwx------"),
                          Map.entry("kafka", "rwx------"),
                          Map.entry("kafka/topic-0", "rwx------"),
                          Map.entry("kafka/topic-0/00000.log", "rw-------"),
                          Map.entry("replication-offset-checkpoint", "rw-------"),
                          Map.entry("streams", "rwx------"),
                          Map.entry("streams/000001.sst", "rw-------")));
    }
  }

  private static void chmod(Path path, String permissions) throws IOException {
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
  }

  /** Relative path to permissions of every entry under {@code root} but symbolic links. */
  static Map<String, String> permissions(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        if (Files.isSymbolicLink(p)) {
          continue;
        }
        String name = root.equals(p) ? "." : root.relativize(p).toString();
        out.put(
            name,
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
      }
    }
    return out;
  }
}
