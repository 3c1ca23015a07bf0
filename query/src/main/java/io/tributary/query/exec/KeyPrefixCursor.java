package io.tributary.query.exec;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.command.RowCodec;
import java.util.List;
import java.util.NoSuchElementException;

/** The rows of a cursor whose leading primary key columns hold given values, read one ahead. */
public final class KeyPrefixCursor implements HotCursor {
  private final HotCursor cursor;
  private final int[] keyColumns;
  private final List<Object> keyPrefix;
  private Object[] next;

  /**
   * The rows of {@code cursor} that hold {@code keyPrefix} (canonical values of the leading primary
   * key columns); closing it closes {@code cursor}.
   */
  public static HotCursor of(HotCursor cursor, TableDef table, List<Object> keyPrefix) {
    return new KeyPrefixCursor(cursor, table, keyPrefix);
  }

  KeyPrefixCursor(HotCursor cursor, TableDef table, List<Object> keyPrefix) {
    this.cursor = cursor;
    this.keyColumns = table.primaryKeyIndexes();
    this.keyPrefix = List.copyOf(keyPrefix);
    if (keyPrefix.size() > keyColumns.length) {
      cursor.close();
      throw new IllegalArgumentException(
          "Cannot read "
              + table.qualifiedName()
              + ": a key prefix of "
              + keyPrefix.size()
              + " values for a primary key of "
              + keyColumns.length);
    }
  }

  @Override
  public boolean hasNext() {
    while (next == null && cursor.hasNext()) {
      Object[] row = cursor.next();
      if (holdsPrefix(row)) {
        next = row;
      }
    }
    return next != null;
  }

  private boolean holdsPrefix(Object[] row) {
    for (int i = 0; i < keyPrefix.size(); i++) {
      if (!RowCodec.sameValue(row[keyColumns[i]], keyPrefix.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Object[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException("Cannot read past the end of the range");
    }
    Object[] row = next;
    next = null;
    return row;
  }

  @Override
  public long highWater() {
    return cursor.highWater();
  }

  @Override
  public void close() {
    next = null;
    cursor.close();
  }
}
