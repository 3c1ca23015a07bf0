package io.tributary.query.exec.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.Catalog;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.QueryResult;
import io.tributary.query.exec.ResultColumn;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Conversions between the canonical values of {@link ColumnType} and JDBC: binding parameters by
 * the type Calcite inferred for each {@code ?}, and reading typed results back into canonical
 * values. TIMESTAMP and DATE values cross as Calcite's internal numbers (milliseconds, days), never
 * as {@code java.sql.Timestamp} or {@code java.sql.Date}, whose conversions depend on the JVM's
 * default time zone.
 */
final class JdbcValues {
  private JdbcValues() {}

  // ---------------------------------------------------------------- parameters

  static void bind(PreparedStatement statement, List<Object> values) throws SQLException {
    ParameterMetaData meta = statement.getParameterMetaData();
    int expected = meta.getParameterCount();
    if (expected != values.size()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot run query: it has %d parameter(s), but %d value(s) were given",
          expected,
          values.size());
    }
    for (int i = 0; i < values.size(); i++) {
      int index = i + 1;
      int type = meta.getParameterType(index);
      Object v = values.get(i);
      if (v == null) {
        statement.setNull(index, type);
        continue;
      }
      try {
        bindOne(statement, index, type, v);
      } catch (TributaryException
          | ClassCastException
          | IllegalArgumentException
          | ArithmeticException e) {
        String shown = v instanceof String str ? "'" + str + "'" : v.getClass().getSimpleName();
        if (shown.length() > 64) {
          shown = shown.substring(0, 61) + "...";
        }
        throw TributaryException.of(
            ErrorCode.TYPE_MISMATCH,
            "Cannot run query: parameter %d (%s) is not a valid %s",
            index,
            shown,
            meta.getParameterTypeName(index));
      }
    }
  }

  private static void bindOne(PreparedStatement statement, int index, int type, Object v)
      throws SQLException {
    switch (type) {
      case Types.TIMESTAMP:
      case Types.TIMESTAMP_WITH_TIMEZONE:
        {
          // Calcite's internal value (milliseconds): java.sql.Timestamp would be shifted by the
          // JVM's default time zone as Calcite and Avatica captured it.
          statement.setLong(index, (Long) ColumnType.TIMESTAMP.coerce(v, "?" + index));
          return;
        }
      case Types.DATE:
        {
          statement.setInt(index, (Integer) ColumnType.DATE.coerce(v, "?" + index));
          return;
        }
      case Types.BINARY:
      case Types.VARBINARY:
        if (v instanceof byte[] b) {
          statement.setBytes(index, b);
          return;
        }
        break;
      case Types.CHAR:
      case Types.VARCHAR:
        statement.setString(index, v instanceof String s ? s : textOf(v));
        return;
      case Types.INTEGER:
      case Types.SMALLINT:
      case Types.TINYINT:
        statement.setInt(index, (Integer) ColumnType.INT.coerce(v, "?" + index));
        return;
      case Types.BIGINT:
        statement.setLong(index, (Long) ColumnType.BIGINT.coerce(v, "?" + index));
        return;
      case Types.DOUBLE:
      case Types.FLOAT:
      case Types.REAL:
        statement.setDouble(index, (Double) ColumnType.DOUBLE.coerce(v, "?" + index));
        return;
      case Types.DECIMAL:
      case Types.NUMERIC:
        statement.setBigDecimal(index, decimalOf(v));
        return;
      case Types.BOOLEAN:
        statement.setBoolean(index, (Boolean) ColumnType.BOOLEAN.coerce(v, "?" + index));
        return;
      default:
        break;
    }
    if (v instanceof Instant i) {
      statement.setLong(index, i.toEpochMilli());
    } else if (v instanceof LocalDate d) {
      statement.setInt(index, (int) d.toEpochDay());
    } else if (v instanceof UUID u) {
      statement.setString(index, u.toString());
    } else {
      statement.setObject(index, v);
    }
  }

  private static String textOf(Object v) {
    if (v instanceof Instant i) {
      return ColumnType.TIMESTAMP.format(i.toEpochMilli());
    }
    if (v instanceof byte[] b) {
      return ColumnType.BYTES.format(b);
    }
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    return v.toString();
  }

  private static BigDecimal decimalOf(Object v) {
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (v instanceof Double || v instanceof Float) {
      return BigDecimal.valueOf(((Number) v).doubleValue());
    }
    if (v instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (v instanceof String s) {
      return new BigDecimal(s.trim());
    }
    throw new ClassCastException(v.getClass().getName());
  }

  // ---------------------------------------------------------------- results

  static QueryResult read(ResultSet rs, Catalog catalog) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    List<ResultColumn> columns = new ArrayList<>(n);
    ColumnType[] types = new ColumnType[n];
    for (int i = 0; i < n; i++) {
      types[i] = typeOf(meta, i + 1, catalog);
      columns.add(
          new ResultColumn(
              meta.getColumnLabel(i + 1),
              types[i],
              meta.isNullable(i + 1) != ResultSetMetaData.columnNoNulls));
    }
    List<Object[]> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] row = new Object[n];
      for (int i = 0; i < n; i++) {
        row[i] = valueOf(rs, i + 1, types[i]);
      }
      rows.add(row);
    }
    return new QueryResult(List.copyOf(columns), rows);
  }

  private static ColumnType typeOf(ResultSetMetaData meta, int i, Catalog catalog)
      throws SQLException {
    switch (meta.getColumnType(i)) {
      case Types.BOOLEAN:
        return ColumnType.BOOLEAN;
      case Types.TINYINT:
      case Types.SMALLINT:
      case Types.INTEGER:
        return ColumnType.INT;
      case Types.BIGINT:
        return ColumnType.BIGINT;
      case Types.FLOAT:
      case Types.REAL:
      case Types.DOUBLE:
        return ColumnType.DOUBLE;
      case Types.DECIMAL:
      case Types.NUMERIC:
        {
          int p = Math.max(1, Math.min(ColumnType.MAX_DECIMAL_PRECISION, meta.getPrecision(i)));
          int s = Math.max(0, Math.min(p, meta.getScale(i)));
          return ColumnType.decimal(p, s);
        }
      case Types.CHAR:
      case Types.VARCHAR:
        return originType(meta, i, catalog).orElse(ColumnType.TEXT);
      case Types.BINARY:
      case Types.VARBINARY:
        return ColumnType.BYTES;
      case Types.TIMESTAMP:
        return ColumnType.TIMESTAMP;
      case Types.DATE:
        return ColumnType.DATE;
      default:
        return ColumnType.TEXT;
    }
  }

  /** JSON or UUID when the result column is directly a column of that type of a table. */
  private static Optional<ColumnType> originType(ResultSetMetaData meta, int i, Catalog catalog)
      throws SQLException {
    String schema = meta.getSchemaName(i);
    String table = meta.getTableName(i);
    String column = meta.getColumnName(i);
    if (schema == null || table == null || column == null || schema.isEmpty()) {
      return Optional.empty();
    }
    Optional<TableDef> def =
        Catalog.SYSTEM_NAMESPACE.equals(schema)
            ? SystemTables.byName(table)
            : catalog.table(schema, table);
    return def.flatMap(
        t -> {
          int index = t.columnIndex(column);
          if (index < 0) {
            return Optional.empty();
          }
          ColumnType type = t.columns().get(index).type();
          return type.kind() == ColumnType.Kind.JSON || type.kind() == ColumnType.Kind.UUID
              ? Optional.of(type)
              : Optional.empty();
        });
  }

  private static Object valueOf(ResultSet rs, int i, ColumnType type) throws SQLException {
    switch (type.kind()) {
      case BOOLEAN:
        {
          boolean b = rs.getBoolean(i);
          return rs.wasNull() ? null : b;
        }
      case INT:
        {
          int v = rs.getInt(i);
          return rs.wasNull() ? null : v;
        }
      case BIGINT:
        {
          long v = rs.getLong(i);
          return rs.wasNull() ? null : v;
        }
      case DOUBLE:
        {
          double v = rs.getDouble(i);
          return rs.wasNull() ? null : v;
        }
      case DECIMAL:
        {
          BigDecimal v = rs.getBigDecimal(i);
          return v == null ? null : v.setScale(type.scale(), RoundingMode.HALF_UP);
        }
      case BYTES:
        return rs.getBytes(i);
      case TIMESTAMP:
        {
          // the internal value, not a java.sql.Timestamp shifted by a default time zone
          long millis = rs.getLong(i);
          return rs.wasNull() ? null : millis;
        }
      case DATE:
        {
          int days = rs.getInt(i);
          return rs.wasNull() ? null : days;
        }
      default:
        return rs.getString(i);
    }
  }
}
