package io.tributary.log.internal;

import io.tributary.log.LogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An id kept in a file of the data directory, written once durably: to a temporary file, fsynced,
 * moved in place atomically and the directory fsynced, owner-only from its creation. A crash while
 * it is written leaves either no file or the whole id.
 */
final class DurableIdFile {
  private DurableIdFile() {}

  /** The id in {@code file}; a new one from {@code newId}, written durably, when it has none. */
  static String readOrCreate(Path file, Supplier<String> newId) {
    try {
      if (Files.isRegularFile(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!id.isEmpty()) {
          return id;
        }
      }
      String id = newId.get();
      writeDurably(file, id);
      return id;
    } catch (IOException e) {
      throw LogException.cannot(
          "start log", "cannot read or write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void writeDurably(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Set<StandardOpenOption> options =
        Set.of(
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    FileAttribute<?>[] ownerOnly =
        dir.getFileSystem().supportedFileAttributeViews().contains("posix")
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            }
            : new FileAttribute<?>[0];
    try (FileChannel ch = FileChannel.open(tmp, options, ownerOnly)) {
      ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for fsync; the file itself is synced.
    }
  }
}
