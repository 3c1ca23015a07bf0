package io.tributary.query.command;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.TopicPayload;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One record of a user topic, as the materializer routes it from an applied change of a source
 * table: the change's kind, table, owner and {@code _seq}, and the row per the source's payload
 * mode. Versioned binary; readers accept every version ever written.
 *
 * @param owner the id of the owner of the changed row (USER and STREAM tables), or null
 * @param row the payload row encoded by {@link RowCodec}: the primary key values (over the table's
 *     primary key types) for {@link TopicPayload#KEY}, the row after the change (before it, for a
 *     delete) for {@link TopicPayload#FULL}, the row after the change (null for a delete) for
 *     {@link TopicPayload#DIFF}
 * @param oldRow the row before the change for {@link TopicPayload#DIFF} (null for an insert), else
 *     null
 */
public record TopicRecord(
    RowChange.Kind kind,
    long tableId,
    String owner,
    long seq,
    TopicPayload payload,
    byte[] row,
    byte[] oldRow) {
  private static final byte VERSION = 1;

  public byte[] encode() {
    byte[] o = owner == null ? null : owner.getBytes(StandardCharsets.UTF_8);
    int size = 1 + 1 + 8 + 4 + (o == null ? 0 : o.length) + 8 + 1 + 8;
    size += row == null ? 0 : row.length;
    size += oldRow == null ? 0 : oldRow.length;
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(VERSION).put((byte) kind.ordinal()).putLong(tableId);
    putBytes(buf, o);
    buf.putLong(seq).put((byte) payload.ordinal());
    putBytes(buf, row);
    putBytes(buf, oldRow);
    return buf.array();
  }

  private static void putBytes(ByteBuffer buf, byte[] b) {
    buf.putInt(b == null ? -1 : b.length);
    if (b != null) {
      buf.put(b);
    }
  }

  private static byte[] getBytes(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    buf.get(b);
    return b;
  }

  /**
   * @throws TributaryException INTERNAL when the bytes are not a topic record
   */
  public static TopicRecord decode(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      byte version = buf.get();
      if (version != VERSION) {
        throw TributaryException.of(
            ErrorCode.INTERNAL, "Cannot decode topic record: unknown version %d", version);
      }
      RowChange.Kind kind = RowChange.Kind.values()[buf.get()];
      long tableId = buf.getLong();
      byte[] o = getBytes(buf);
      long seq = buf.getLong();
      TopicPayload payload = TopicPayload.values()[buf.get()];
      byte[] row = getBytes(buf);
      byte[] oldRow = getBytes(buf);
      return new TopicRecord(
          kind,
          tableId,
          o == null ? null : new String(o, StandardCharsets.UTF_8),
          seq,
          payload,
          row,
          oldRow);
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw TributaryException.of(ErrorCode.INTERNAL, "Cannot decode topic record: malformed");
    }
  }
}
