package io.tributary.query.expr.internal;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/** How tables of the catalog look to Calcite. */
public final class CalciteTypes {
  /** Shared by every compilation; Calcite's type factory interns types and is thread-safe. */
  public static final JavaTypeFactory TYPE_FACTORY =
      new JavaTypeFactoryImpl(TributaryTypeSystem.INSTANCE);

  private CalciteTypes() {}

  /** The Calcite type of a column type: JSON and UUID are VARCHAR, BYTES is VARBINARY. */
  public static RelDataType of(ColumnType type, RelDataTypeFactory f) {
    switch (type.kind()) {
      case BOOLEAN:
        return f.createSqlType(SqlTypeName.BOOLEAN);
      case INT:
        return f.createSqlType(SqlTypeName.INTEGER);
      case BIGINT:
        return f.createSqlType(SqlTypeName.BIGINT);
      case DOUBLE:
        return f.createSqlType(SqlTypeName.DOUBLE);
      case DECIMAL:
        return f.createSqlType(SqlTypeName.DECIMAL, type.precision(), type.scale());
      case TEXT:
      case JSON:
      case UUID:
        return f.createSqlType(SqlTypeName.VARCHAR);
      case BYTES:
        return f.createSqlType(SqlTypeName.VARBINARY);
      case TIMESTAMP:
        return f.createSqlType(SqlTypeName.TIMESTAMP, TributaryTypeSystem.TIMESTAMP_PRECISION);
      case DATE:
        return f.createSqlType(SqlTypeName.DATE);
      default:
        throw new AssertionError(type);
    }
  }

  /** Whether rows of the table carry a {@code _seq} after the columns (all but system tables). */
  public static boolean hasSeq(TableDef table) {
    return !SystemTables.isSystem(table);
  }

  /** The row type: the columns, then {@code _seq BIGINT NOT NULL} unless it is a system table. */
  public static RelDataType rowType(TableDef table, RelDataTypeFactory f) {
    RelDataTypeFactory.Builder b = f.builder();
    for (ColumnDef c : table.columns()) {
      b.add(c.name(), f.createTypeWithNullability(of(c.type(), f), c.nullable()));
    }
    if (hasSeq(table)) {
      b.add(TableDef.SEQ_COLUMN, f.createSqlType(SqlTypeName.BIGINT));
    }
    return b.build();
  }
}
