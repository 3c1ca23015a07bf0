package io.tributary.query.expr.internal;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Calcite's type system adjusted to the dialect: DECIMAL up to precision 38 (as {@link
 * io.tributary.query.catalog.ColumnType}), TIMESTAMP of millisecond precision by default, CASE and
 * UNION of strings of different lengths typed VARCHAR (not blank-padded CHAR), SUM of integers
 * typed BIGINT and AVG of integers typed DOUBLE. Used by both the expression compiler and the query
 * engine so that an expression means the same in a WHERE clause and in a SELECT.
 */
public final class TributaryTypeSystem extends RelDataTypeSystemImpl {
  public static final TributaryTypeSystem INSTANCE = new TributaryTypeSystem();

  /** Milliseconds: the precision of the canonical TIMESTAMP value. */
  public static final int TIMESTAMP_PRECISION = 3;

  public TributaryTypeSystem() {}

  @Override
  public int getMaxPrecision(SqlTypeName typeName) {
    if (typeName == SqlTypeName.DECIMAL) {
      return 38;
    }
    return super.getMaxPrecision(typeName);
  }

  @Override
  public int getMaxScale(SqlTypeName typeName) {
    if (typeName == SqlTypeName.DECIMAL) {
      return 38;
    }
    return super.getMaxScale(typeName);
  }

  @Override
  public int getDefaultPrecision(SqlTypeName typeName) {
    if (typeName == SqlTypeName.TIMESTAMP) {
      return TIMESTAMP_PRECISION;
    }
    return super.getDefaultPrecision(typeName);
  }

  @Override
  public boolean shouldConvertRaggedUnionTypesToVarying() {
    return true;
  }

  @Override
  public RelDataType deriveSumType(RelDataTypeFactory typeFactory, RelDataType argumentType) {
    switch (argumentType.getSqlTypeName()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
        return typeFactory.createTypeWithNullability(
            typeFactory.createSqlType(SqlTypeName.BIGINT), argumentType.isNullable());
      default:
        return super.deriveSumType(typeFactory, argumentType);
    }
  }

  @Override
  public RelDataType deriveAvgAggType(RelDataTypeFactory typeFactory, RelDataType argumentType) {
    switch (argumentType.getSqlTypeName()) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return typeFactory.createTypeWithNullability(
            typeFactory.createSqlType(SqlTypeName.DOUBLE), argumentType.isNullable());
      default:
        return super.deriveAvgAggType(typeFactory, argumentType);
    }
  }
}
