package io.tributary.materializer.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two ids that let a node restarting after a crash take its predecessor's place at once, kept
 * durably in the state directory (issue 13, RELIABILITY.md "Recovery time"):
 *
 * <ul>
 *   <li>the static member id ({@code group.instance.id}, file {@code instance.id}): the group
 *       coordinator replaces the dead member under it without waiting for its session;
 *   <li>Kafka Streams' process id (its own file {@code
 *       <application.id>/kafka-streams-process-metadata}, written here in Streams' format before
 *       Streams first starts): exactly-once v2 names each stream thread's {@code transactional.id}
 *       after it, and only a producer with the killed run's transactional id fences and aborts the
 *       transaction that run left open. Under another id the new run waits for that transaction's
 *       timeout with its offsets unstable.
 * </ul>
 *
 * <p>Kafka Streams 4.4 writes its process file with no fsync when it finds none (or cannot parse
 * it) and then picks a random id: a power loss after the first start could leave it empty and give
 * the next start another id. Here both files are written to a temporary file, fsynced, moved in
 * place atomically and the directory fsynced, before Kafka Streams runs; a lost or damaged process
 * file is rewritten with the id derived from the static member id, which is the id the first start
 * wrote for every state directory made since.
 */
final class DurableIds {
  /** Kafka Streams' name for its process file ({@code StateDirectory.PROCESS_FILE_NAME}). */
  static final String PROCESS_FILE = "kafka-streams-process-metadata";

  private static final Pattern PROCESS_ID =
      Pattern.compile(
          "\"processId\"\\s*:\\s*\"([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})\"");

  private DurableIds() {}

  /** The static member id kept in {@code stateDir/fileName}, created (durably) on first use. */
  static String instanceId(Path stateDir, String fileName, String applicationId) {
    Path file = stateDir.resolve(fileName);
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!id.isEmpty()) {
          return id;
        }
      }
      String id = applicationId + "-" + UUID.randomUUID();
      writeDurably(file, id);
      return id;
    } catch (IOException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot start the materializer: cannot read or write " + file + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Makes sure Kafka Streams finds its process id in {@code stateDir}, on disk: the id already
   * there when its file is readable, else the one derived from {@code instanceId}.
   *
   * @return the process id Kafka Streams will use
   */
  static UUID processId(Path stateDir, String applicationId, String instanceId) {
    Path file = stateDir.resolve(applicationId).resolve(PROCESS_FILE);
    try {
      Optional<UUID> existing = readProcessId(file);
      UUID id = existing.orElseGet(() -> derivedProcessId(instanceId));
      String content = processFileContent(id);
      if (existing.isPresent() && content.equals(Files.readString(file, StandardCharsets.UTF_8))) {
        // Written by this class, or by Kafka Streams (same format) perhaps without an fsync.
        fsync(file, false);
        fsync(file.getParent(), true);
      } else {
        writeDurably(file, content);
      }
      return id;
    } catch (IOException | RuntimeException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot start the materializer: cannot read or write " + file + ": " + e.getMessage(),
          e);
    }
  }

  /** The process id a state directory's first start writes: a function of its static member id. */
  static UUID derivedProcessId(String instanceId) {
    return UUID.nameUUIDFromBytes(
        ("tributary process id of " + instanceId).getBytes(StandardCharsets.UTF_8));
  }

  /** The id in a process file as Kafka Streams would read it; empty when missing or unreadable. */
  static Optional<UUID> readProcessId(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Matcher m = PROCESS_ID.matcher(Files.readString(file, StandardCharsets.UTF_8));
    return m.find() ? Optional.of(UUID.fromString(m.group(1))) : Optional.empty();
  }

  /** What Kafka Streams' Jackson mapper writes for its {@code StateDirectoryProcessFile}. */
  static String processFileContent(UUID id) {
    return "{\"processId\":\"" + id + "\"}";
  }

  private static void writeDurably(Path file, String content) throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Set<StandardOpenOption> options =
        Set.of(
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    // Owner-only from its creation, like everything in the data directory.
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
    fsync(dir, true);
  }

  private static void fsync(Path path, boolean directory) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for fsync; the file itself is synced.
      if (!directory) {
        throw e;
      }
    }
  }
}
