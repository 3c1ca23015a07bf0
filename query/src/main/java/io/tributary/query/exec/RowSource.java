package io.tributary.query.exec;

import io.tributary.query.catalog.TableDef;

/**
 * Where a query reads rows from: the hot tier (the materializer's stores), later merged with the
 * cold tier. An instance is bound to one principal by its creator, which decides which rows of a
 * table that principal sees (its own rows of a USER table, the rows of a SHARED table it may read)
 * and throws {@code TributaryException(PERMISSION_DENIED)} for a table it may not read.
 */
public interface RowSource {
  /**
   * The visible rows of a table. Each row holds canonical values ({@link
   * io.tributary.query.catalog.ColumnType}) in column order; for tables other than system tables,
   * one more element at the end holds the row's {@code _seq} as a {@link Long}.
   */
  Iterable<Object[]> scan(TableDef table);
}
