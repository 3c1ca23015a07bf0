package io.tributary.iceberg.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.RowPredicate;
import java.io.IOException;
import java.util.NoSuchElementException;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.CloseableIterator;

/**
 * A cold scan through Iceberg's generic reader, for a table that gained columns after files were
 * written ({@link IcebergColdStore#SPARSE_COLUMNS}): Iceberg's Arrow reader (1.11) cannot read a
 * file that lacks a projected column, the generic reader reads NULL for it. Slower than {@link
 * ArrowColdCursor}, with the same rows: each row of the owner (when given) that the predicate
 * accepts, values followed by {@code _seq}.
 */
final class GenericColdCursor implements ColdCursor {
  private final TableDef table;
  private final String owner;
  private final RowPredicate predicate;
  private final CloseableIterable<Record> records;
  private final CloseableIterator<Record> iterator;
  private RowVersion next;
  private boolean closed;

  GenericColdCursor(
      TableDef table, Table t, Expression filter, String owner, RowPredicate predicate) {
    this.table = table;
    this.owner = owner;
    this.predicate = predicate;
    this.records = IcebergGenerics.read(t).where(filter).build();
    this.iterator = records.iterator();
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    try {
      while (next == null) {
        if (!iterator.hasNext()) {
          close();
          return false;
        }
        RowVersion v = IcebergColdStore.fromRecord(table, iterator.next());
        if (owner != null && !owner.equals(v.owner())) {
          continue;
        }
        if (predicate == null || predicate.test(v.row())) {
          next = v;
        }
      }
      return true;
    } catch (TributaryException e) {
      close();
      throw e;
    } catch (RuntimeException e) {
      close();
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot read the cold rows of %s: %s",
          table.qualifiedName(),
          e.getMessage());
    }
  }

  @Override
  public RowVersion next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    RowVersion v = next;
    next = null;
    return v;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      iterator.close();
      records.close();
    } catch (IOException e) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot close the cold scan of %s: %s",
          table.qualifiedName(),
          e.getMessage());
    }
  }
}
