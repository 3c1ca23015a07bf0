package io.tributary.iceberg.internal;

import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.RowVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link FlushCrashTest}: flushes 100 rows into the cold tier at {@code
 * args[0]} and halts the JVM the moment the flush returns (no shutdown hook, no close).
 */
public final class HaltAfterFlush {
  private HaltAfterFlush() {}

  public static void main(String[] args) {
    IcebergColdStore store = IcebergColdStore.open(Path.of(args[0]), 16);
    List<RowVersion> rows = new ArrayList<>();
    for (long id = 1; id <= 100; id++) {
      Object[] row = new Object[12];
      row[0] = id;
      row[5] = "row " + id;
      row[11] = id;
      rows.add(RowVersion.of("u" + (id % 10), row));
    }
    store.flush(ColdFixtures.everyType(7, TableKind.USER), "f1", 100, rows.iterator());
    Runtime.getRuntime().halt(42);
  }
}
