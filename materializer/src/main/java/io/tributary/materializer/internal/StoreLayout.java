package io.tributary.materializer.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.SystemTables;
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
 * <p>Values: {@code [8-byte _seq][RowCodec row over all columns]}. Bits 62 and 61 of the {@code
 * _seq} field are flags of the cold tier ({@link #COLD}, {@link #TOMBSTONE}); {@link #seqOf} masks
 * them.
 *
 * <p>Watermarks (DESIGN.md section 4): the key that is exactly a range's prefix ({@link
 * #rangePrefix}, no primary key bytes) holds the range's high-water mark, the {@code _seq} of the
 * last change applied to that range, as an 8-byte value. It is written in the same {@code putAll}
 * batch as the rows it accounts for. The primary key encoding is never empty (one presence byte per
 * column), so no row key equals a prefix, and since the store's comparator is bytewise, a prefix
 * scan of a range returns its watermark first (the shortest key with that prefix). Every reader of
 * a range must skip it ({@link #isWatermark}).
 *
 * <p>STREAM events (values of STREAM tables written since TTL_SECONDS is honoured): {@code [8-byte
 * _seq with its top bit set][8-byte expiry, epoch ms][row]}. A {@code _seq} never has its top bit
 * set ({@code offset << 16}), so the bit tells the two layouts apart and values written before
 * (which never expire) stay readable. {@link #seqOf}, {@link #rowOf} and {@link #decode} read both.
 *
 * <p>Reserved key spaces, apart from every table's rows (table ids of tables are positive):
 *
 * <ul>
 *   <li>{@link #EXPIRY_PREFIX} {@code [8-byte expiry][row key]} → empty: the expiry index of STREAM
 *       events, in expiry order, written with the event; the expiry step ({@code ExpireRows}) walks
 *       it from the start and removes the events whose expiry has passed, and their entries.
 *   <li>{@link #AUDIT_PREFIX} {@code [8-byte _seq]} (a command of user-writes) or {@code [8-byte
 *       _seq][1]} (of stream-events) → a row of {@code system.audit} ({@link RowCodec} over its
 *       columns), written in the same batch as the rows of the delegated write it records.
 *   <li>{@link #TX_PREFIX} {@code [txId UTF-8]} → a transaction of a statement that spans
 *       partitions, prepared in this partition (or refused here, in its home partition): see {@link
 *       #txValue}.
 *   <li>{@link #INTENT_PREFIX} {@code [2-byte txId length][txId][4-byte ordinal]} → one row version
 *       a prepared piece will write on commit: {@code [kind][4-byte row key length][row key][new
 *       row, empty for a delete]}.
 *   <li>{@link #RESERVED_PREFIX} {@code [row key]} → the txId that reserved the key until its
 *       decision; every other command that would change the key is refused.
 * </ul>
 */
final class StoreLayout {
  static final int SEQ_BYTES = Long.BYTES;
  static final int MAX_OWNER_BYTES = 0xFFFF;

  /** Marks a value with an expiry (the top bit of its {@code _seq} field). */
  private static final long EXPIRES = Long.MIN_VALUE;

  /**
   * Marks a version of a key that has (or may have) a version in the cold tier (bit 62 of the
   * {@code _seq} field): a flush writes only marked versions, an UPDATE keeps the mark, and a
   * DELETE of a marked row leaves a {@link #TOMBSTONE} that hides the cold version.
   */
  private static final long COLD = 1L << 62;

  /**
   * Marks a tombstone (bit 61; always with {@link #COLD}): the key was deleted at the value's
   * {@code _seq}, and its older cold version must stay hidden until a flush removes it from the
   * cold tier. A tombstone's value is its {@code _seq} field alone; no reader returns it as a row.
   */
  private static final long TOMBSTONE = 1L << 61;

  private static final long FLAGS = EXPIRES | COLD | TOMBSTONE;

  /** The prefix of the expiry index of STREAM events: the reserved table id -100. */
  static final byte[] EXPIRY_PREFIX = tablePrefix(-100);

  /** The prefix of the audit of delegated writes: the id of {@code system.audit}. */
  static final byte[] AUDIT_PREFIX = tablePrefix(SystemTables.AUDIT.id());

  /** Transactions of statements that span partitions: the reserved table id -101. */
  static final byte[] TX_PREFIX = tablePrefix(-101);

  /** The planned row versions of prepared pieces: the reserved table id -102. */
  static final byte[] INTENT_PREFIX = tablePrefix(-102);

  /** The keys reserved by prepared pieces: the reserved table id -103. */
  static final byte[] RESERVED_PREFIX = tablePrefix(-103);

  private StoreLayout() {}

  static byte[] txKey(String txId) {
    return key(TX_PREFIX, txId.getBytes(StandardCharsets.UTF_8));
  }

  static String txIdOf(byte[] txKey) {
    return new String(
        txKey, TX_PREFIX.length, txKey.length - TX_PREFIX.length, StandardCharsets.UTF_8);
  }

  /**
   * A transaction's record: {@code [flags: 1 home, 2 prepared][8-byte deadline][4-byte count]
   * [partitions, 4 bytes each][the PrepareTx's piece, encoded]}.
   */
  static byte[] txValue(
      boolean home, boolean prepared, long deadline, List<Integer> participants, byte[] piece) {
    ByteBuffer buf = ByteBuffer.allocate(1 + 8 + 4 + 4 * participants.size() + piece.length);
    buf.put((byte) ((home ? 1 : 0) | (prepared ? 2 : 0))).putLong(deadline);
    buf.putInt(participants.size());
    participants.forEach(buf::putInt);
    return buf.put(piece).array();
  }

  /** A decoded {@link #txValue}. */
  record Tx(
      boolean home, boolean prepared, long deadline, List<Integer> participants, byte[] piece) {
    static Tx of(byte[] value) {
      ByteBuffer buf = ByteBuffer.wrap(value);
      byte flags = buf.get();
      long deadline = buf.getLong();
      int count = buf.getInt();
      List<Integer> participants = new java.util.ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        participants.add(buf.getInt());
      }
      byte[] piece = new byte[buf.remaining()];
      buf.get(piece);
      return new Tx((flags & 1) != 0, (flags & 2) != 0, deadline, participants, piece);
    }
  }

  /** The prefix of one transaction's intent entries. */
  static byte[] intentPrefix(String txId) {
    byte[] id = txId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(INTENT_PREFIX.length + 2 + id.length)
        .put(INTENT_PREFIX)
        .putShort((short) id.length)
        .put(id)
        .array();
  }

  static byte[] intentKey(byte[] intentPrefix, int ordinal) {
    return ByteBuffer.allocate(intentPrefix.length + 4).put(intentPrefix).putInt(ordinal).array();
  }

  static byte[] intentValue(byte kind, byte[] rowKey, byte[] newRow) {
    byte[] row = newRow == null ? new byte[0] : newRow;
    return ByteBuffer.allocate(1 + 4 + rowKey.length + row.length)
        .put(kind)
        .putInt(rowKey.length)
        .put(rowKey)
        .put(row)
        .array();
  }

  static byte[] reservedKey(byte[] rowKey) {
    return key(RESERVED_PREFIX, rowKey);
  }

  /** Marks a reservation value that carries the offset of the Prepare that made it. */
  private static final byte RESERVED_AT = 1;

  /**
   * The value of a reservation: the Prepare's offset in its partition and its transaction id. (A
   * value of a transaction id alone, written before the offset was kept, starts with a printable
   * character.)
   */
  static byte[] reservedValue(String txId, long prepareOffset) {
    byte[] id = txId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + Long.BYTES + id.length)
        .put(RESERVED_AT)
        .putLong(prepareOffset)
        .put(id)
        .array();
  }

  /** The offset of the Prepare that made a reservation, or -1 when its value does not say. */
  static long reservedAt(byte[] reservedValue) {
    return reservedValue.length >= 1 + Long.BYTES && reservedValue[0] == RESERVED_AT
        ? ByteBuffer.wrap(reservedValue, 1, Long.BYTES).getLong()
        : -1;
  }

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

  /** The value of a STREAM event that expires at {@code expiresAt} (epoch ms). */
  static byte[] expiringValue(long seq, long expiresAt, byte[] row) {
    return ByteBuffer.allocate(2 * SEQ_BYTES + row.length)
        .putLong(seq | EXPIRES)
        .putLong(expiresAt)
        .put(row)
        .array();
  }

  static long seqOf(byte[] value) {
    return ByteBuffer.wrap(value).getLong() & ~FLAGS;
  }

  /** A row value marked {@link #COLD}. */
  static byte[] coldValue(long seq, byte[] row) {
    return value(seq | COLD, row);
  }

  /** The value of a tombstone deleted at {@code seq} (marked {@link #COLD}). */
  static byte[] tombstoneValue(long seq) {
    return ByteBuffer.allocate(SEQ_BYTES).putLong(seq | COLD | TOMBSTONE).array();
  }

  /** Whether a stored row value is a tombstone (never true for a watermark's key). */
  static boolean isTombstone(byte[] value) {
    return value.length >= SEQ_BYTES && (ByteBuffer.wrap(value).getLong() & TOMBSTONE) != 0;
  }

  /** Whether a stored row value is marked {@link #COLD}. */
  static boolean isCold(byte[] value) {
    return value.length >= SEQ_BYTES && (ByteBuffer.wrap(value).getLong() & COLD) != 0;
  }

  /** The same value marked {@link #COLD}. */
  static byte[] markedCold(byte[] value) {
    byte[] copy = value.clone();
    ByteBuffer buf = ByteBuffer.wrap(copy);
    buf.putLong(0, buf.getLong(0) | COLD);
    return copy;
  }

  /**
   * When the value's event expires (epoch ms); {@link Long#MAX_VALUE} for a value that never does.
   */
  static long expiresAt(byte[] value) {
    ByteBuffer buf = ByteBuffer.wrap(value);
    return (buf.getLong() & EXPIRES) != 0 ? buf.getLong() : Long.MAX_VALUE;
  }

  /** Whether a stored value has expired at {@code now} (epoch ms). */
  static boolean expired(byte[] value, long now) {
    return value[0] < 0 && expiresAt(value) <= now;
  }

  /** The row of a stored value, without its {@code _seq} (and expiry). */
  static byte[] rowOf(byte[] value) {
    int start = value[0] < 0 ? 2 * SEQ_BYTES : SEQ_BYTES;
    return Arrays.copyOfRange(value, start, value.length);
  }

  /** The key of an expiry index entry of the row at {@code rowKey}. */
  static byte[] expiryKey(long expiresAt, byte[] rowKey) {
    return ByteBuffer.allocate(EXPIRY_PREFIX.length + SEQ_BYTES + rowKey.length)
        .put(EXPIRY_PREFIX)
        .putLong(expiresAt)
        .put(rowKey)
        .array();
  }

  /** The expiry of an expiry index key. */
  static long expiryOfIndexKey(byte[] key) {
    return ByteBuffer.wrap(key, EXPIRY_PREFIX.length, SEQ_BYTES).getLong();
  }

  /** The row key an expiry index key points to. */
  static byte[] rowKeyOfIndexKey(byte[] key) {
    return Arrays.copyOfRange(key, EXPIRY_PREFIX.length + SEQ_BYTES, key.length);
  }

  /** The table id of a row key. */
  static long tableIdOf(byte[] rowKey) {
    return ByteBuffer.wrap(rowKey).getLong();
  }

  /** The owner of a row key of a USER or STREAM table. */
  static String ownerOf(byte[] rowKey) {
    int length = ByteBuffer.wrap(rowKey, Long.BYTES, 2).getShort() & 0xFFFF;
    return new String(rowKey, Long.BYTES + 2, length, StandardCharsets.UTF_8);
  }

  /**
   * The key of the audit row of the command (of user-writes) whose first change has {@code seq}.
   */
  static byte[] auditKey(long seq) {
    return auditKey(seq, false);
  }

  /**
   * The key of the audit row of the command whose first change has {@code seq}: a command of {@code
   * stream-events} ({@code stream}) has its own {@code _seq} domain, so its key has one more byte
   * and never equals the key of a command of {@code user-writes} at the same offset.
   */
  static byte[] auditKey(long seq, boolean stream) {
    ByteBuffer key = ByteBuffer.allocate(AUDIT_PREFIX.length + SEQ_BYTES + (stream ? 1 : 0));
    key.put(AUDIT_PREFIX).putLong(seq);
    if (stream) {
      key.put((byte) 1);
    }
    return key.array();
  }

  /** Decodes a stored value into canonical values in column order followed by {@code _seq}. */
  static Object[] decode(List<ColumnType> types, byte[] value) {
    Object[] row = RowCodec.decode(types, rowOf(value), types.size() + 1);
    row[types.size()] = seqOf(value);
    return row;
  }
}
