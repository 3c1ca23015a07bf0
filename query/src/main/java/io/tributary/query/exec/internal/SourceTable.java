package io.tributary.query.exec.internal;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.RowSource;
import io.tributary.query.expr.internal.CalciteTypes;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.calcite.DataContext;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.ScannableTable;
import org.apache.calcite.schema.impl.AbstractTable;

/**
 * A catalog table as Calcite sees it during one query: its rows come from {@link RowSource#scan}
 * when Calcite scans the table. Canonical values are Calcite's internal representation already
 * (TIMESTAMP milliseconds, DATE days) except BYTES, which Calcite holds as {@link ByteString}.
 */
final class SourceTable extends AbstractTable implements ScannableTable {
  private final TableDef table;
  private final Supplier<RowSource> source;
  private final int[] bytesColumns;

  /**
   * @param source the row source of the query being run when Calcite scans the table
   */
  SourceTable(TableDef table, Supplier<RowSource> source) {
    this.table = table;
    this.source = source;
    List<ColumnDef> columns = table.columns();
    this.bytesColumns =
        java.util.stream.IntStream.range(0, columns.size())
            .filter(i -> columns.get(i).type().kind() == ColumnType.Kind.BYTES)
            .toArray();
  }

  TableDef table() {
    return table;
  }

  @Override
  public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return CalciteTypes.rowType(table, typeFactory);
  }

  @Override
  public Enumerable<Object[]> scan(DataContext root) {
    RowSource rows0 = source.get();
    if (rows0 == null) {
      throw new IllegalStateException(
          "Cannot scan " + table.qualifiedName() + ": no query is running");
    }
    Iterable<Object[]> rows = rows0.scan(table);
    if (bytesColumns.length == 0) {
      return Linq4j.asEnumerable(rows);
    }
    return new AbstractEnumerable<>() {
      @Override
      public Enumerator<Object[]> enumerator() {
        Iterator<Object[]> it = rows.iterator();
        return Linq4j.iterableEnumerator(
            () ->
                new Iterator<>() {
                  @Override
                  public boolean hasNext() {
                    return it.hasNext();
                  }

                  @Override
                  public Object[] next() {
                    return toInternal(it.next());
                  }
                });
      }
    };
  }

  private Object[] toInternal(Object[] row) {
    Object[] copy = row.clone();
    for (int i : bytesColumns) {
      if (copy[i] instanceof byte[] b) {
        copy[i] = new ByteString(b);
      }
    }
    return copy;
  }
}
