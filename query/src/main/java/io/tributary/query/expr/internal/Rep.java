package io.tributary.query.expr.internal;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.type.SqlTypeFamily;

/**
 * The Java representation of a value of a Calcite type inside compiled code. It matches the
 * canonical values of {@link io.tributary.query.catalog.ColumnType} (and Calcite's own internal
 * representation) so that row values are used without conversion: TIMESTAMP is a {@link Long} of
 * milliseconds, DATE an {@link Integer} of days, binary strings {@code byte[]}.
 */
enum Rep {
  BOOLEAN,
  /** TINYINT, SMALLINT and INTEGER: {@link Integer}. */
  INT,
  LONG,
  /** DOUBLE, FLOAT and REAL: {@link Double}. */
  DOUBLE,
  DECIMAL,
  STRING,
  BYTES,
  /** Milliseconds since the epoch: {@link Long}. */
  TIMESTAMP,
  /** Days since the epoch: {@link Integer}. */
  DATE,
  /** Milliseconds of the day: {@link Integer}. */
  TIME,
  /** Day-time intervals in milliseconds: {@link Long}. */
  INTERVAL_MILLIS,
  /** Year-month intervals in months: {@link Integer}. */
  INTERVAL_MONTHS,
  /** The type of an untyped NULL: always null. */
  NULL,
  /** A flag of a function such as TRIM or EXTRACT: an {@link Enum}. */
  SYMBOL;

  /** The representation of a type, or null when compiled code does not support the type. */
  static Rep of(RelDataType type) {
    switch (type.getSqlTypeName()) {
      case BOOLEAN:
        return BOOLEAN;
      case TINYINT:
      case SMALLINT:
      case INTEGER:
        return INT;
      case BIGINT:
        return LONG;
      case FLOAT:
      case REAL:
      case DOUBLE:
        return DOUBLE;
      case DECIMAL:
        return DECIMAL;
      case CHAR:
      case VARCHAR:
        return STRING;
      case BINARY:
      case VARBINARY:
        return BYTES;
      case TIMESTAMP:
        return TIMESTAMP;
      case DATE:
        return DATE;
      case TIME:
        return TIME;
      case NULL:
        return NULL;
      case SYMBOL:
        return SYMBOL;
      default:
        SqlTypeFamily family = type.getSqlTypeName().getFamily();
        if (family == SqlTypeFamily.INTERVAL_DAY_TIME) {
          return INTERVAL_MILLIS;
        }
        if (family == SqlTypeFamily.INTERVAL_YEAR_MONTH) {
          return INTERVAL_MONTHS;
        }
        return null;
    }
  }

  boolean isNumeric() {
    return this == INT || this == LONG || this == DOUBLE || this == DECIMAL;
  }

  boolean isIntegral() {
    return this == INT || this == LONG;
  }

  /** Values held as a {@link Number} whose {@code longValue()} orders them exactly. */
  boolean isLongLike() {
    return this == INT
        || this == LONG
        || this == TIMESTAMP
        || this == DATE
        || this == TIME
        || this == INTERVAL_MILLIS
        || this == INTERVAL_MONTHS;
  }
}
