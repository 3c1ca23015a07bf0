package io.tributary.query.command;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes commands and changes as versioned records. Decoding accepts every version ever written.
 *
 * <ul>
 *   <li><b>Version 1</b> (read only): JSON, {@code {"v":1, "type":..., ...}}, row bytes in Base64.
 *       A version 1 record starts with {@code '{'}.
 *   <li><b>Version 2</b> (written): binary. One byte {@code 2}, one byte for the record type, then
 *       the record's fields in declaration order: a long as 8 bytes (big-endian), a string or byte
 *       array as a 4-byte length ({@code -1} for null) and its bytes (UTF-8 for strings), a list as
 *       a 4-byte count ({@code -1} for null) and its elements.
 * </ul>
 *
 * <p>Change records have two types within version 2: {@code CHANGE} (16; read only) holds kind,
 * table id, owner, {@code _seq}, old row and new row; {@code CHANGE_V2} (17; written) holds the old
 * row's {@code _seq} after the {@code _seq}. A change read from a {@code CHANGE} or a JSON record
 * has {@link RowChange#NO_SEQ} as its old {@code _seq}: those records never held it.
 *
 * Version 2 exists because every write passes through the codec three times (the command, then
 * the change it produces, both written and read back): JSON trees and Base64 rows cost more CPU
 * than the rest of a small write's path on the node.
 */
public final class CommandCodec {
  static final int VERSION = 2;
  private static final int JSON_VERSION = 1;
  private static final byte JSON_START = '{';

  private static final byte INSERT = 1;
  private static final byte UPDATE = 2;
  private static final byte DELETE = 3;
  private static final byte PURGE = 4;
  private static final byte DELETE_STEP = 5;
  private static final byte CHANGE = 16;
  private static final byte CHANGE_V2 = 17;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private CommandCodec() {}

  public static byte[] encode(WriteCommand command) {
    Writer w = new Writer();
    if (command instanceof WriteCommand.InsertRows c) {
      w.header(INSERT)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .bytesList(c.rows());
    } else if (command instanceof WriteCommand.UpdateRows c) {
      w.header(UPDATE)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .string(c.where())
          .stringList(c.setColumns())
          .stringList(c.setExpressions());
    } else if (command instanceof WriteCommand.DeleteRows c) {
      w.header(DELETE).string(c.requestId()).int64(c.tableId()).string(c.owner()).string(c.where());
    } else if (command instanceof WriteCommand.DeleteStep c) {
      w.header(DELETE_STEP)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .string(c.where())
          .int64(c.maxSeq())
          .int64(c.deleted());
    } else if (command instanceof WriteCommand.PurgeTable c) {
      w.header(PURGE).string(c.requestId()).int64(c.tableId()).string(c.owner());
    } else {
      throw new AssertionError(command);
    }
    return w.toBytes();
  }

  public static WriteCommand decodeCommand(byte[] bytes) {
    if (isJson(bytes)) {
      return readJson(bytes, WriteCommand.class);
    }
    Reader r = new Reader(bytes, "WriteCommand");
    try {
      byte type = r.header();
      return switch (type) {
        case INSERT ->
            new WriteCommand.InsertRows(r.string(), r.int64(), r.string(), r.bytesList());
        case UPDATE ->
            new WriteCommand.UpdateRows(
                r.string(), r.int64(), r.string(), r.string(), r.stringList(), r.stringList());
        case DELETE -> new WriteCommand.DeleteRows(r.string(), r.int64(), r.string(), r.string());
        case PURGE -> new WriteCommand.PurgeTable(r.string(), r.int64(), r.string());
        case DELETE_STEP ->
            new WriteCommand.DeleteStep(
                r.string(), r.int64(), r.string(), r.string(), r.int64(), r.int64());
        default -> throw r.malformed("unknown command type " + type);
      };
    } catch (BufferUnderflowException e) {
      throw r.malformed("it ends early");
    }
  }

  public static byte[] encode(RowChange change) {
    return new Writer()
        .header(CHANGE_V2)
        .int8((byte) change.kind().ordinal())
        .int64(change.tableId())
        .string(change.owner())
        .int64(change.seq())
        .int64(change.oldSeq())
        .bytes(change.oldRow())
        .bytes(change.newRow())
        .toBytes();
  }

  public static RowChange decodeChange(byte[] bytes) {
    if (isJson(bytes)) {
      RowChange c = readJson(bytes, RowChange.class);
      return new RowChange(
          c.kind(), c.tableId(), c.owner(), c.seq(), RowChange.NO_SEQ, c.oldRow(), c.newRow());
    }
    Reader r = new Reader(bytes, "RowChange");
    try {
      byte type = r.header();
      if (type != CHANGE && type != CHANGE_V2) {
        throw r.malformed("record type " + type + " is not a change");
      }
      int kind = r.int8();
      RowChange.Kind[] kinds = RowChange.Kind.values();
      if (kind < 0 || kind >= kinds.length) {
        throw r.malformed("unknown change kind " + kind);
      }
      long tableId = r.int64();
      String owner = r.string();
      long seq = r.int64();
      long oldSeq = type == CHANGE_V2 ? r.int64() : RowChange.NO_SEQ;
      return new RowChange(kinds[kind], tableId, owner, seq, oldSeq, r.bytes(), r.bytes());
    } catch (BufferUnderflowException e) {
      throw r.malformed("it ends early");
    }
  }

  private static boolean isJson(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == JSON_START;
  }

  /** Appends fields to a growing array; see the class comment for the layout. */
  private static final class Writer {
    private byte[] buf = new byte[128];
    private int size;

    Writer header(byte type) {
      return int8((byte) VERSION).int8(type);
    }

    Writer int8(byte v) {
      ensure(1);
      buf[size++] = v;
      return this;
    }

    Writer int32(int v) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (v >>> shift);
      }
      return this;
    }

    Writer int64(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (v >>> shift);
      }
      return this;
    }

    Writer bytes(byte[] v) {
      if (v == null) {
        return int32(-1);
      }
      int32(v.length);
      ensure(v.length);
      System.arraycopy(v, 0, buf, size, v.length);
      size += v.length;
      return this;
    }

    Writer string(String v) {
      return bytes(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
    }

    Writer bytesList(List<byte[]> list) {
      if (list == null) {
        return int32(-1);
      }
      int32(list.size());
      list.forEach(this::bytes);
      return this;
    }

    Writer stringList(List<String> list) {
      if (list == null) {
        return int32(-1);
      }
      int32(list.size());
      list.forEach(this::string);
      return this;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf, size);
    }
  }

  /** Reads fields written by {@link Writer}; a length past the end fails as malformed. */
  private static final class Reader {
    private final ByteBuffer buf;
    private final String type;

    Reader(byte[] bytes, String type) {
      this.buf = ByteBuffer.wrap(bytes);
      this.type = type;
    }

    byte header() {
      int version = buf.get();
      if (version != VERSION) {
        throw TributaryException.of(
            ErrorCode.INTERNAL,
            "Cannot decode %s: version %d is unknown to this server (it knows 1 to %d)",
            type,
            version,
            VERSION);
      }
      return buf.get();
    }

    byte int8() {
      return buf.get();
    }

    long int64() {
      return buf.getLong();
    }

    byte[] bytes() {
      int length = buf.getInt();
      if (length == -1) {
        return null;
      }
      if (length < 0 || length > buf.remaining()) {
        throw malformed("a length of " + length + " runs past its end");
      }
      byte[] out = new byte[length];
      buf.get(out);
      return out;
    }

    String string() {
      byte[] b = bytes();
      return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    List<byte[]> bytesList() {
      int count = count();
      if (count < 0) {
        return null;
      }
      List<byte[]> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        out.add(bytes());
      }
      return out;
    }

    List<String> stringList() {
      int count = count();
      if (count < 0) {
        return null;
      }
      List<String> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        out.add(string());
      }
      return out;
    }

    /** A list's element count: each element takes at least 4 bytes, so more cannot be right. */
    private int count() {
      int count = buf.getInt();
      if (count < -1 || count > buf.remaining() / 4) {
        throw malformed("a count of " + count + " runs past its end");
      }
      return count;
    }

    TributaryException malformed(String reason) {
      return TributaryException.of(ErrorCode.INTERNAL, "Cannot decode %s: %s", type, reason);
    }
  }

  private static <T> T readJson(byte[] bytes, Class<T> type) {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      int version = node.path("v").asInt(0);
      if (version != JSON_VERSION) {
        throw TributaryException.of(
            ErrorCode.INTERNAL,
            "Cannot decode %s: JSON version %d is unknown to this server (it knows %d)",
            type.getSimpleName(),
            version,
            JSON_VERSION);
      }
      ((ObjectNode) node).remove("v");
      return MAPPER.treeToValue(node, type);
    } catch (IOException e) {
      throw new TributaryException(
          ErrorCode.INTERNAL, "Cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
