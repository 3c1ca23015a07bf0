package io.tributary.materializer.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandLimits;
import io.tributary.query.command.RowCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Keys and values of the row stores (DESIGN.md section 4).
 *
 * <p>Keys: USER (and STREAM) tables {@code [8-byte table id][2-byte owner length][owner
 * UTF-8][primary key]}, SHARED tables {@code [8-byte table id][primary key]}, the primary key
 * encoded by {@link RowCodec} over the key columns' types. So one owner's rows of one table, and a
 * SHARED table's rows, are one contiguous prefix range. The owner's length comes before the owner
 * so that no owner's prefix is a prefix of another owner's ("ab" vs "abc").
 *
 * <p>Values: {@code [8-byte _seq][RowCodec row over all columns]}.
 *
 * <p>Watermarks (DESIGN.md section 4): the key that is exactly a range's prefix ({@link
 * #rangePrefix}, no primary key bytes) holds the range's high-water mark, the {@code _seq} of the
 * last change applied to that range, as an 8-byte value. It is written in the same {@code putAll}
 * batch as the rows it accounts for. The primary key encoding is never empty (one presence byte per
 * column), so no row key equals a prefix, and since the store's comparator is bytewise, a prefix
 * scan of a range returns its watermark first (the shortest key with that prefix). Every reader of
 * a range must skip it ({@link #isWatermark}).
 */
final class StoreLayout {
  static final int SEQ_BYTES = Long.BYTES;
  static final int MAX_OWNER_BYTES = 0xFFFF;

  private StoreLayout() {}

  /** {@code _seq} of the {@code ordinal}-th change made by the command at {@code offset}. */
  static long seq(long offset, int ordinal) {
    return (offset << CommandLimits.ORDINAL_BITS) | ordinal;
  }

  static byte[] tablePrefix(long tableId) {
    return ByteBuffer.allocate(Long.BYTES).putLong(tableId).array();
  }

  static byte[] ownerPrefix(long tableId, String owner) {
    byte[] ownerBytes = owner.getBytes(StandardCharsets.UTF_8);
    if (ownerBytes.length > MAX_OWNER_BYTES) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot use user id of %d bytes: at most %d bytes are allowed",
          ownerBytes.length,
          MAX_OWNER_BYTES);
    }
    return ByteBuffer.allocate(Long.BYTES + 2 + ownerBytes.length)
        .putLong(tableId)
        .putShort((short) ownerBytes.length)
        .put(ownerBytes)
        .array();
  }

  /** Whether rows of this table are stored per owner. */
  static boolean ownedRows(TableDef table) {
    return table.kind() != TableKind.SHARED;
  }

  /** The prefix of one owner's rows (USER, STREAM) or of all rows (SHARED) of a table. */
  static byte[] rangePrefix(TableDef table, String owner) {
    if (!ownedRows(table)) {
      return tablePrefix(table.id());
    }
    if (owner == null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot access %s: a %s table's rows belong to a user, and no user was named",
          table.qualifiedName(),
          table.kind());
    }
    return ownerPrefix(table.id(), owner);
  }

  static byte[] key(byte[] prefix, byte[] primaryKey) {
    byte[] key = Arrays.copyOf(prefix, prefix.length + primaryKey.length);
    System.arraycopy(primaryKey, 0, key, prefix.length, primaryKey.length);
    return key;
  }

  /**
   * Whether {@code key}, found by a prefix scan of a range with {@code prefix}, is its watermark.
   */
  static boolean isWatermark(byte[] key, byte[] prefix) {
    return key.length == prefix.length;
  }

  /**
   * Whether {@code key}, found anywhere in a store, is a watermark: {@code [table id][owner length]
   * [owner]} in a store of owned rows, {@code [table id]} in the SHARED store.
   */
  static boolean isWatermark(byte[] key, boolean ownedRows) {
    if (!ownedRows) {
      return key.length == Long.BYTES;
    }
    if (key.length < Long.BYTES + 2) {
      return false;
    }
    int ownerLength = ByteBuffer.wrap(key, Long.BYTES, 2).getShort() & 0xFFFF;
    return key.length == Long.BYTES + 2 + ownerLength;
  }

  /** The value of a watermark entry: the {@code _seq} of the range's last change. */
  static byte[] watermarkValue(long seq) {
    return ByteBuffer.allocate(SEQ_BYTES).putLong(seq).array();
  }

  static byte[] value(long seq, byte[] row) {
    return ByteBuffer.allocate(SEQ_BYTES + row.length).putLong(seq).put(row).array();
  }

  static long seqOf(byte[] value) {
    return ByteBuffer.wrap(value).getLong();
  }

  /** The row of a stored value, without its {@code _seq}. */
  static byte[] rowOf(byte[] value) {
    return Arrays.copyOfRange(value, SEQ_BYTES, value.length);
  }

  /** Decodes a stored value into canonical values in column order followed by {@code _seq}. */
  static Object[] decode(List<ColumnType> types, byte[] value) {
    Object[] row = RowCodec.decode(types, rowOf(value), types.size() + 1);
    row[types.size()] = seqOf(value);
    return row;
  }
}
