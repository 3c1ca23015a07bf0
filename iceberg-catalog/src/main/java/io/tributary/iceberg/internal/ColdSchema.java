package io.tributary.iceberg.internal;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * How a Tributary table looks as an Iceberg table: its schema (with field ids), partition spec and
 * sort order, and the conversion of canonical values ({@link ColumnType}) to and from Iceberg's.
 *
 * <p>Field ids: {@code _owner} is 1, {@code _seq} 2, and the table's columns 3, 4, ... in
 * declaration order. Ids are never reused, so files written before a schema change keep reading
 * correctly (Iceberg resolves columns by id, not by name or position). The owner column is named
 * {@code _owner} because the dialect refuses column names that start with an underscore, so it can
 * never clash with a column of the table (a SHARED table may well have a column {@code owner}).
 *
 * <p>Types: BOOLEAN boolean, INT int, BIGINT long, DOUBLE double, DECIMAL(p,s) decimal(p,s), TEXT,
 * JSON and UUID string (UUID in canonical text form, so external engines read it as text), BYTES
 * binary, TIMESTAMP timestamptz (microseconds; canonical values are milliseconds), DATE date.
 */
public final class ColdSchema {
  public static final String OWNER = "_owner";
  public static final String SEQ = TableDef.SEQ_COLUMN;
  public static final int OWNER_ID = 1;
  public static final int SEQ_ID = 2;
  public static final int FIRST_COLUMN_ID = 3;

  private ColdSchema() {}

  /** The Iceberg schema of a table. */
  public static Schema schema(TableDef table) {
    List<Types.NestedField> fields = new ArrayList<>();
    fields.add(Types.NestedField.optional(OWNER_ID, OWNER, Types.StringType.get()));
    fields.add(Types.NestedField.required(SEQ_ID, SEQ, Types.LongType.get()));
    List<ColumnDef> columns = table.columns();
    for (int i = 0; i < columns.size(); i++) {
      ColumnDef c = columns.get(i);
      boolean required = !c.nullable() || table.primaryKey().contains(c.name());
      Type type = type(c.type());
      fields.add(
          required
              ? Types.NestedField.required(FIRST_COLUMN_ID + i, c.name(), type)
              : Types.NestedField.optional(FIRST_COLUMN_ID + i, c.name(), type));
    }
    return new Schema(fields);
  }

  /**
   * The partition spec: {@code bucket(_owner, buckets)}. One user's rows land in one bucket, so a
   * user's read opens only that bucket's files (1/buckets of the table), and a flush writes at most
   * one file per bucket whatever the number of users in it.
   */
  public static PartitionSpec spec(Schema schema, int buckets) {
    return PartitionSpec.builderFor(schema).bucket(OWNER, buckets).build();
  }

  /**
   * Rows are sorted by owner inside each file, so Parquet's row-group statistics prune by owner.
   */
  public static SortOrder sortOrder(Schema schema) {
    return SortOrder.builderFor(schema).asc(OWNER).asc(SEQ).build();
  }

  /** The Iceberg type of a column type. */
  public static Type type(ColumnType type) {
    return switch (type.kind()) {
      case BOOLEAN -> Types.BooleanType.get();
      case INT -> Types.IntegerType.get();
      case BIGINT -> Types.LongType.get();
      case DOUBLE -> Types.DoubleType.get();
      case DECIMAL -> Types.DecimalType.of(type.precision(), type.scale());
      case TEXT, JSON, UUID -> Types.StringType.get();
      case BYTES -> Types.BinaryType.get();
      case TIMESTAMP -> Types.TimestampType.withZone();
      case DATE -> Types.DateType.get();
    };
  }

  /** Whether a non-null value has the canonical class of the type (DECIMAL: and its scale). */
  public static boolean isCanonical(ColumnType type, Object value) {
    return switch (type.kind()) {
      case BOOLEAN -> value instanceof Boolean;
      case INT, DATE -> value instanceof Integer;
      case BIGINT, TIMESTAMP -> value instanceof Long;
      case DOUBLE -> value instanceof Double;
      case DECIMAL ->
          value instanceof BigDecimal d
              && d.scale() == type.scale()
              && d.precision() <= type.precision();
      case TEXT, JSON, UUID -> value instanceof String;
      case BYTES -> value instanceof byte[];
    };
  }

  /** A canonical value as Iceberg's generic data model holds it (for the Parquet writer). */
  public static Object toGeneric(ColumnType type, Object value) {
    if (value == null) {
      return null;
    }
    return switch (type.kind()) {
      case BYTES -> ByteBuffer.wrap((byte[]) value);
      case TIMESTAMP ->
          OffsetDateTime.ofInstant(Instant.ofEpochMilli((Long) value), ZoneOffset.UTC);
      case DATE -> LocalDate.ofEpochDay((Integer) value);
      default -> value;
    };
  }

  /** A value of Iceberg's generic data model as a canonical value. */
  public static Object fromGeneric(ColumnType type, Object value) {
    if (value == null) {
      return null;
    }
    return switch (type.kind()) {
      case BYTES -> {
        ByteBuffer b = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        yield bytes;
      }
      case TIMESTAMP -> ((OffsetDateTime) value).toInstant().toEpochMilli();
      case DATE -> (int) ((LocalDate) value).toEpochDay();
      case TEXT, JSON, UUID -> value.toString();
      case DECIMAL -> ((BigDecimal) value).setScale(type.scale());
      default -> value;
    };
  }

  /**
   * A canonical value as an Iceberg expression literal of the column's type (TIMESTAMP in
   * microseconds, DATE in days).
   */
  public static Object toLiteral(ColumnType type, Object value) {
    return switch (type.kind()) {
      case TIMESTAMP -> Math.multiplyExact((Long) value, 1000L);
      case BYTES -> ByteBuffer.wrap((byte[]) value);
      default -> value;
    };
  }
}
