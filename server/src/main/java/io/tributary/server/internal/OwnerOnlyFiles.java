package io.tributary.server.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a data directory readable by its owner only: directories {@code 0700}, files without any
 * group or other permission (so {@code 0600}). The directory holds every command ever accepted
 * (rows, password hashes), the state stores, the token signing key and the generated root password.
 *
 * <p>Java cannot set the process umask, and the embedded broker, Kafka Streams and RocksDB create
 * their files with it ({@code 0644} under the usual {@code 022}; Kafka Streams even sets {@code
 * 0750} on its state directory). Three layers close that:
 *
 * <ol>
 *   <li>{@link #restrict} tightens a whole tree, at start (data directories of earlier releases,
 *       anything created with a looser umask) and once the server has started;
 *   <li>{@link #watch} tightens each entry created later as it appears (inotify on Linux), so new
 *       log segments, checkpoints and RocksDB files do not stay readable;
 *   <li>the {@code tributary} launcher sets {@code umask 077}, so files are owner-only from birth.
 * </ol>
 *
 * <p>Since the root is {@code 0700}, no other account can reach anything below it even in the
 * moment between a file's creation and its tightening. Symbolic links are neither followed nor
 * changed. On a file system without POSIX permissions nothing is done.
 */
public final class OwnerOnlyFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerOnlyFiles.class);
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path root;
  private final WatchService watcher;
  private final Map<WatchKey, Path> directories = new ConcurrentHashMap<>();
  private final AtomicBoolean watchLimitReported = new AtomicBoolean();
  private final Thread thread;

  private OwnerOnlyFiles(Path root, WatchService watcher) {
    this.root = root;
    this.watcher = watcher;
    this.thread = new Thread(this::run, "tributary-owner-only-files");
    thread.setDaemon(true);
  }

  /**
   * Makes {@code dir} and every directory below it {@code 0700} and removes group and other
   * permissions from every file below it.
   *
   * @return how many entries were changed
   * @throws UncheckedIOException when {@code dir} itself cannot be made owner-only (entries below
   *     it that cannot be changed are logged and skipped)
   */
  public static int restrict(Path dir) {
    if (!supportsPosix(dir)) {
      return 0;
    }
    Path real;
    AtomicInteger changed = new AtomicInteger();
    try {
      real = dir.toRealPath();
      if (restrictOne(real, Files.readAttributes(real, PosixFileAttributes.class))) {
        changed.incrementAndGet();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot make data directory " + dir + " readable by its owner only: " + e, e);
    }
    walk(real, real, changed, null);
    return changed.get();
  }

  /**
   * Starts tightening every entry created below {@code dir} from now on, on a daemon thread, until
   * closed. Entries already there are left to {@link #restrict}.
   *
   * @return the watcher; close it to stop
   * @throws UncheckedIOException when the file system offers no watch service
   */
  public static OwnerOnlyFiles watch(Path dir) {
    try {
      Path real = dir.toRealPath();
      OwnerOnlyFiles files = new OwnerOnlyFiles(real, real.getFileSystem().newWatchService());
      if (supportsPosix(real)) {
        walk(real, real, new AtomicInteger(), files);
        files.thread.start();
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot watch data directory " + dir + ": " + e, e);
    }
  }

  /** Stops watching; entries created afterwards keep the permissions they are created with. */
  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException e) {
      LOG.debug("Closing the watch service of {} failed", root, e);
    }
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        Path dir = directories.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            walk(root, root, new AtomicInteger(), this); // events were lost: look at everything
          } else if (dir != null && event.context() instanceof Path name) {
            walk(dir.resolve(name), root, new AtomicInteger(), this);
          }
        }
        if (!key.reset()) {
          directories.remove(key);
        }
      }
    } catch (ClosedWatchServiceException e) {
      // closed: done
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn(
          "Stopped keeping new files in {} owner-only after an unexpected error; the directory"
              + " itself stays owner-only",
          root,
          e);
    }
  }

  /**
   * Restricts {@code start} and everything below it; with {@code watching}, also registers every
   * directory before looking into it, so that nothing created meanwhile is missed.
   */
  private static void walk(Path start, Path root, AtomicInteger changed, OwnerOnlyFiles watching) {
    try {
      Files.walkFileTree(
          start,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              if (watching != null) {
                watching.register(dir);
              }
              restrictQuietly(dir, changed);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (!attrs.isSymbolicLink()) {
                restrictQuietly(file, changed);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              if (!(e instanceof NoSuchFileException)) {
                LOG.warn("Cannot look at {} to make it owner-only: {}", file, e.toString());
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException e) {
      // created and removed again before we looked (temporary files)
    } catch (IOException e) {
      LOG.warn("Cannot make the entries of {} owner-only: {}", root, e.toString());
    }
  }

  private void register(Path dir) {
    try {
      directories.put(dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE), dir);
    } catch (ClosedWatchServiceException | NoSuchFileException e) {
      // closing, or the directory is gone
    } catch (IOException e) {
      // Typically the inotify watch limit (fs.inotify.max_user_watches): the root stays 0700.
      if (watchLimitReported.compareAndSet(false, true)) {
        LOG.warn(
            "Cannot watch {} for new files to make owner-only ({}); files created there keep the"
                + " umask's permissions, inside the owner-only data directory",
            dir,
            e.toString());
      }
    }
  }

  private static void restrictQuietly(Path path, AtomicInteger changed) {
    try {
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attrs.isSymbolicLink() && restrictOne(path, attrs)) {
        changed.incrementAndGet();
      }
    } catch (NoSuchFileException e) {
      // gone already
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("Cannot make {} readable by its owner only: {}", path, e.toString());
    }
  }

  /** Sets the owner-only permissions of one entry; true if they changed. */
  private static boolean restrictOne(Path path, PosixFileAttributes attrs) throws IOException {
    Set<PosixFilePermission> current = attrs.permissions();
    Set<PosixFilePermission> wanted;
    if (attrs.isDirectory()) {
      wanted = DIRECTORY;
    } else {
      wanted = EnumSet.noneOf(PosixFilePermission.class);
      wanted.addAll(current);
      wanted.removeAll(NOT_OWNER);
    }
    if (current.equals(wanted)) {
      return false;
    }
    Files.setPosixFilePermissions(path, wanted);
    return true;
  }

  private static boolean supportsPosix(Path dir) {
    return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
