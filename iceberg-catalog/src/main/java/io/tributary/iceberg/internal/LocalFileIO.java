package io.tributary.iceberg.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Iceberg's {@link FileIO} over the local disk, without Hadoop: the cold tier's files (metadata,
 * manifests, Parquet data) are plain files under the data directory. Locations are absolute paths
 * or {@code file:} URIs.
 *
 * <p>A file is written to a temporary sibling and moved into place when its stream closes, so a
 * reader (or a crash) never sees half a file at its final location. Thread-safe; each stream is
 * used by one thread.
 */
public final class LocalFileIO implements FileIO {
  /** For {@code io-impl}: Iceberg instantiates FileIOs by their no-argument constructor. */
  public LocalFileIO() {}

  @Override
  public void initialize(Map<String, String> properties) {}

  @Override
  public InputFile newInputFile(String location) {
    return new LocalInputFile(location, path(location), -1);
  }

  @Override
  public InputFile newInputFile(String location, long length) {
    return new LocalInputFile(location, path(location), length);
  }

  @Override
  public OutputFile newOutputFile(String location) {
    return new LocalOutputFile(location, path(location));
  }

  @Override
  public void deleteFile(String location) {
    try {
      Files.deleteIfExists(path(location));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + location, e);
    }
  }

  /** The local path of a location: an absolute path or a {@code file:} URI. */
  static Path path(String location) {
    if (location.startsWith("file:")) {
      return Paths.get(java.net.URI.create(location.replace(" ", "%20")));
    }
    return Paths.get(location);
  }

  private static final class LocalInputFile implements InputFile {
    private final String location;
    private final Path path;
    private long length;

    LocalInputFile(String location, Path path, long length) {
      this.location = location;
      this.path = path;
      this.length = length;
    }

    @Override
    public long getLength() {
      if (length < 0) {
        try {
          length = Files.size(path);
        } catch (NoSuchFileException e) {
          throw new NotFoundException(e, "Cannot read %s: the file does not exist", location);
        } catch (IOException e) {
          throw new RuntimeIOException(e, "Cannot read the length of %s", location);
        }
      }
      return length;
    }

    @Override
    public SeekableInputStream newStream() {
      try {
        return new LocalInputStream(new RandomAccessFile(path.toFile(), "r"));
      } catch (java.io.FileNotFoundException e) {
        throw new NotFoundException(e, "Cannot read %s: the file does not exist", location);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean exists() {
      return Files.exists(path);
    }
  }

  private static final class LocalInputStream extends SeekableInputStream {
    private final RandomAccessFile file;

    LocalInputStream(RandomAccessFile file) {
      this.file = file;
    }

    @Override
    public long getPos() throws IOException {
      return file.getFilePointer();
    }

    @Override
    public void seek(long newPos) throws IOException {
      file.seek(newPos);
    }

    @Override
    public int read() throws IOException {
      return file.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return file.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      long pos = file.getFilePointer();
      long target = Math.min(file.length(), pos + Math.max(0, n));
      file.seek(target);
      return target - pos;
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  private static final class LocalOutputFile implements OutputFile {
    private final String location;
    private final Path path;

    LocalOutputFile(String location, Path path) {
      this.location = location;
      this.path = path;
    }

    @Override
    public PositionOutputStream create() {
      if (Files.exists(path)) {
        throw new AlreadyExistsException("Cannot create %s: the file exists", location);
      }
      return open(false);
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
      return open(true);
    }

    private PositionOutputStream open(boolean overwrite) {
      try {
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, "." + path.getFileName(), ".tmp");
        return new LocalOutputStream(temp, path, overwrite, location);
      } catch (IOException e) {
        throw new RuntimeIOException(e, "Cannot create %s", location);
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public InputFile toInputFile() {
      return new LocalInputFile(location, path, -1);
    }
  }

  /** Makes a new directory entry durable (best effort: not every file system allows it). */
  private static void syncDirectory(Path dir) {
    try (java.nio.channels.FileChannel channel =
        java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the data itself was synced; the entry follows with the next sync of the directory
    }
  }

  private static final class LocalOutputStream extends PositionOutputStream {
    private final Path temp;
    private final Path target;
    private final boolean overwrite;
    private final String location;
    private final java.io.FileOutputStream file;
    private final java.io.OutputStream out;
    private long pos;
    private boolean closed;

    LocalOutputStream(Path temp, Path target, boolean overwrite, String location)
        throws IOException {
      this.temp = temp;
      this.target = target;
      this.overwrite = overwrite;
      this.location = location;
      this.file = new java.io.FileOutputStream(temp.toFile());
      this.out = new java.io.BufferedOutputStream(file, 64 * 1024);
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      pos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      pos += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (out) {
        // On disk before it is in place: a committed flush lets the log truncate behind it, so
        // its files must survive a crash of the machine, not only of the process.
        out.flush();
        file.getFD().sync();
      }
      try {
        if (overwrite) {
          Files.move(
              temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
          // Iceberg commits metadata files with create(): a concurrent writer must fail, not win.
          Files.createLink(target, temp);
          Files.delete(temp);
        }
        syncDirectory(target.toAbsolutePath().getParent());
      } catch (FileAlreadyExistsException e) {
        Files.deleteIfExists(temp);
        throw new AlreadyExistsException("Cannot create %s: the file exists", location);
      } catch (IOException | UnsupportedOperationException e) {
        Files.deleteIfExists(temp);
        if (e instanceof IOException io) {
          throw io;
        }
        throw new IOException("Cannot create " + location, e);
      }
    }
  }
}
