package io.tributary.iceberg;

import io.tributary.iceberg.internal.LocalFileIO;
import java.util.Map;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;

/**
 * A {@link FileIO} for Java clients of the Iceberg REST endpoint that read the cold tier's files
 * from the local disk without Hadoop's file system (which needs the whole Hadoop client on the
 * classpath): set the catalog property {@code io-impl} to this class's name. It reads absolute
 * paths and {@code file:} URIs, and refuses to write or delete, so an external reader can never
 * change Tributary's tables. Engines with their own local file support (Spark, Trino, PyIceberg,
 * DuckDB) do not need it. Thread-safe.
 */
public final class ReadOnlyLocalFileIO implements FileIO {
  private final LocalFileIO files = new LocalFileIO();

  /** For {@code io-impl}: Iceberg instantiates FileIOs by their no-argument constructor. */
  public ReadOnlyLocalFileIO() {}

  @Override
  public void initialize(Map<String, String> properties) {}

  @Override
  public InputFile newInputFile(String location) {
    return files.newInputFile(location);
  }

  @Override
  public InputFile newInputFile(String location, long length) {
    return files.newInputFile(location, length);
  }

  @Override
  public OutputFile newOutputFile(String location) {
    throw new UnsupportedOperationException(
        "Cannot write " + location + ": Tributary's cold tier is read-only to other engines");
  }

  @Override
  public void deleteFile(String location) {
    throw new UnsupportedOperationException(
        "Cannot delete " + location + ": Tributary's cold tier is read-only to other engines");
  }
}
