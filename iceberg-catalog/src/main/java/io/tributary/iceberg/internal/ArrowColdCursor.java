package io.tributary.iceberg.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.RowPredicate;
import java.io.IOException;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.arrow.vectorized.ColumnVector;
import org.apache.iceberg.arrow.vectorized.ColumnarBatch;
import org.apache.iceberg.arrow.vectorized.VectorizedTableScanIterable;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.types.Types;

/**
 * Reads a planned Iceberg scan as Arrow batches and hands out the rows that pass the owner check
 * and the predicate, converted to canonical values. Iceberg's Arrow reader prunes files and row
 * groups by the scan's filter but returns every row of what it reads, so both are applied here.
 */
final class ArrowColdCursor implements ColdCursor {
  private final TableDef table;
  private final VectorizedTableScanIterable batches;
  private final CloseableIterator<ColumnarBatch> iterator;
  private final String owner;
  private final RowPredicate predicate;
  private final int ownerPos;
  private final int seqPos;
  private final int[] columnPos;
  private ColumnarBatch batch;
  private int rowInBatch;
  private RowVersion next;
  private boolean closed;

  ArrowColdCursor(
      TableDef table, TableScan scan, int batchRows, String owner, RowPredicate predicate) {
    this.table = table;
    this.owner = owner;
    this.predicate = predicate;
    List<Types.NestedField> fields = scan.schema().columns();
    this.ownerPos = position(fields, ColdSchema.OWNER_ID);
    this.seqPos = position(fields, ColdSchema.SEQ_ID);
    this.columnPos = new int[table.columns().size()];
    for (int i = 0; i < columnPos.length; i++) {
      columnPos[i] = position(fields, ColdSchema.FIRST_COLUMN_ID + i);
    }
    this.batches = new VectorizedTableScanIterable(scan, batchRows, false);
    this.iterator = batches.iterator();
  }

  private ArrowColdCursor() {
    this.table = null;
    this.batches = null;
    this.iterator = null;
    this.owner = null;
    this.predicate = null;
    this.ownerPos = -1;
    this.seqPos = -1;
    this.columnPos = new int[0];
    this.closed = true;
  }

  /** A cursor over no rows (a table that has no cold table or no snapshot yet). */
  static ColdCursor empty() {
    return new ArrowColdCursor();
  }

  private static int position(List<Types.NestedField> fields, int id) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).fieldId() == id) {
        return i;
      }
    }
    throw new IllegalStateException("Cannot find field id " + id + " in the cold table");
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    try {
      while (next == null) {
        if (batch == null || rowInBatch >= batch.numRows()) {
          if (batch != null) {
            batch.close();
            batch = null;
          }
          if (!iterator.hasNext()) {
            close();
            return false;
          }
          batch = iterator.next();
          rowInBatch = 0;
          continue;
        }
        int r = rowInBatch++;
        ColumnVector ownerVector = batch.column(ownerPos);
        String rowOwner = ownerVector.isNullAt(r) ? null : ownerVector.getString(r);
        if (owner != null && !owner.equals(rowOwner)) {
          continue;
        }
        Object[] row = new Object[columnPos.length + 1];
        for (int i = 0; i < columnPos.length; i++) {
          row[i] = value(batch.column(columnPos[i]), r, table.columns().get(i).type());
        }
        row[columnPos.length] = batch.column(seqPos).getLong(r);
        if (predicate == null || predicate.test(row)) {
          next = RowVersion.of(rowOwner, row);
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

  private static Object value(ColumnVector v, int row, ColumnType type) {
    if (v.isNullAt(row)) {
      return null;
    }
    return switch (type.kind()) {
      case BOOLEAN -> v.getBoolean(row);
      case INT, DATE -> v.getInt(row);
      case BIGINT -> v.getLong(row);
      case DOUBLE -> v.getDouble(row);
      case DECIMAL -> v.getDecimal(row, type.precision(), type.scale());
      case TEXT, JSON, UUID -> v.getString(row);
      case BYTES -> v.getBinary(row);
      case TIMESTAMP -> Math.floorDiv(v.getLong(row), 1000L);
    };
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
      if (batch != null) {
        batch.close();
        batch = null;
      }
      iterator.close();
      batches.close();
    } catch (IOException e) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot close the cold scan of %s: %s",
          table.qualifiedName(),
          e.getMessage());
    }
  }
}
