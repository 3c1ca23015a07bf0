package io.tributary.server.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.ColdTier;
import io.tributary.query.exec.FlushCommit;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.BoundExpression;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The cold tier as the server uses it: every failure that is not already a coded {@link
 * TributaryException} (an I/O error reading or writing a file, the catalog database, a failed
 * Iceberg commit) comes out as UNAVAILABLE with what failed and why ({@code Cannot read the cold
 * rows of ns.t: <cause>}), instead of reaching the client as an internal error without a message.
 * Nothing it wraps has changed anything when it fails: a flush's commit is atomic, a read changes
 * nothing.
 */
final class ColdErrors implements ColdTier {
  private final ColdTier cold;

  ColdErrors(ColdTier cold) {
    this.cold = cold;
  }

  static <T> T guard(String action, TableDef table, Supplier<T> call) {
    try {
      return call.get();
    } catch (TributaryException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(action, table, e);
    }
  }

  static TributaryException failure(String action, TableDef table, RuntimeException e) {
    String reason = e.getMessage() == null ? "" : ": " + e.getMessage();
    return new TributaryException(
        ErrorCode.UNAVAILABLE,
        String.format(
            "Cannot %s %s in cold storage: %s%s",
            action, table.qualifiedName(), e.getClass().getSimpleName(), reason),
        e);
  }

  @Override
  public void ensureTable(TableDef table) {
    guard(
        "create the cold table of",
        table,
        () -> {
          cold.ensureTable(table);
          return null;
        });
  }

  @Override
  public FlushCommit flush(
      TableDef table, String flushId, long upToSeq, Iterator<RowVersion> versions) {
    return guard("flush", table, () -> cold.flush(table, flushId, upToSeq, versions));
  }

  @Override
  public long flushedSeq(TableDef table) {
    return guard("read the flushed position of", table, () -> cold.flushedSeq(table));
  }

  @Override
  public ColdCursor scan(TableDef table, String owner, BoundExpression where) {
    ColdCursor cursor = guard("read the rows of", table, () -> cold.scan(table, owner, where));
    return new ColdCursor() {
      @Override
      public boolean hasNext() {
        return guard("read the rows of", table, cursor::hasNext);
      }

      @Override
      public RowVersion next() {
        return guard("read the rows of", table, cursor::next);
      }

      @Override
      public void close() {
        guard(
            "close a scan of",
            table,
            () -> {
              cursor.close();
              return null;
            });
      }
    };
  }

  @Override
  public List<RowVersion> lookup(TableDef table, String owner, List<Object[]> keys) {
    return guard("look up keys of", table, () -> cold.lookup(table, owner, keys));
  }

  @Override
  public long erase(TableDef table, String owner) {
    return guard("erase an owner's rows of", table, () -> cold.erase(table, owner));
  }

  @Override
  public void drop(TableDef table) {
    guard(
        "drop",
        table,
        () -> {
          cold.drop(table);
          return null;
        });
  }

  @Override
  public int dropOrphans(java.util.Set<Long> tableIds) {
    try {
      return cold.dropOrphans(tableIds);
    } catch (TributaryException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          "Cannot drop the cold tables of dropped tables: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()),
          e);
    }
  }

  @Override
  public void close() {
    cold.close();
  }
}
