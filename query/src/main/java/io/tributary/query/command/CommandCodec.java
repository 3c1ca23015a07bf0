package io.tributary.query.command;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.expr.Bound;
import io.tributary.query.expr.BoundExpression;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.avatica.util.TimeUnit;
import org.apache.calcite.avatica.util.TimeUnitRange;
import org.apache.calcite.sql.fun.SqlTrimFunction;

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
 * <p>Command record types within version 2: {@code INSERT} (1), {@code PURGE} (4); {@code UPDATE}
 * (2), {@code DELETE} (3) and {@code DELETE_STEP} (5) hold their expressions as SQL text (read, and
 * written only for the further steps of a DELETE read as type 3); {@code UPDATE_BOUND} (6), {@code
 * DELETE_BOUND} (7) and {@code DELETE_STEP_BOUND} (8) hold {@link BoundExpression}s in place of the
 * SQL text (written). A JSON record holds SQL text. {@code EVICT} (10) and {@code RESTORE} (12) hold a
 * request id, table id, owner and a list of byte strings; {@code MARK_COLD} (11) a request id,
 * table id and owner. {@code EXPIRE} (9) holds a request id and a
 * cut-off time; the materializer writes it for itself.
 *
 * <p>A command of types 1 to 8 may end with a trailer, written when the command carries {@link
 * WriteCommand.Accepted}: the tag byte {@code 1}, the accepting node's clock (a long), a presence
 * byte for the delegation of an EXECUTE AS USER ({@code 0} none, {@code 1} one) and, when present,
 * its four strings (acting account's id and name, target account's id and name). A record without
 * a trailer (every record written before it existed) decodes with no {@code Accepted}.
 *
 * <p>An expression field is a byte array ({@code -1} for none) holding the expression's text (a
 * string, at most 200 characters; shown in errors only), the tree format (one byte, {@code 1}),
 * the tree's distinct types, and the root node. Small numbers in a tree are varints (7 bits per
 * byte, low bits first; signed ones zigzag-encoded). The types are a count and each type: its
 * {@link Bound.TypeName} code byte, a flags byte (1 nullable, 2 precision follows, 4 scale
 * follows, 8 charset and collation strings follow, 16 the dialect's default charset and
 * collation), then precision and scale as signed varints. A node is a tag byte and its fields:
 * {@code 1} column (index, type number), {@code 2} literal (type number, value), {@code 3} call
 * (operator code byte, type number, operand count, operands). A value is a tag byte and its bytes:
 * {@code 0} null, {@code 1} false, {@code 2} true, {@code 3} decimal (signed scale, then the
 * unscaled two's-complement bytes with a varint length), {@code 4} double (8 bytes, IEEE 754),
 * {@code 5} string (UTF-8 with a varint length; also DATE, TIME and TIMESTAMP text), {@code 6}
 * bytes, {@code 7} symbol (enum class code byte, constant name), {@code 8} search ranges
 * (null-handling byte, count, each range a bound-kind byte and value for each end). Operator,
 * type-name and symbol codes are positions in their enums, which are only ever appended to. A
 * record whose tree is malformed (unknown codes, lengths past the end, a tree nested deeper than
 * 4,096 levels) fails to decode with {@code Cannot decode WriteCommand: <reason>}; one whose tree
 * does not fit its table fails when it is applied, with {@code Cannot compile <what>: <reason>}.
 *
 * <p>Version 2 exists because every write passes through the codec three times (the command, then
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
  private static final byte UPDATE_BOUND = 6;
  private static final byte DELETE_BOUND = 7;
  private static final byte DELETE_STEP_BOUND = 8;
  private static final byte EXPIRE = 9;
  private static final byte EVICT = 10;
  private static final byte MARK_COLD = 11;
  private static final byte RESTORE = 12;
  private static final byte PREPARE_TX = 13;
  private static final byte DECIDE_TX = 14;
  private static final byte CHANGE = 16;

  /** Tag of the optional trailer after a command's fields: {@link WriteCommand.Accepted}. */
  private static final byte TRAILER_ACCEPTED = 1;

  private static final byte CHANGE_V2 = 17;

  /** The format of a bound tree inside an expression field. */
  private static final byte TREE_FORMAT = 1;

  private static final int MAX_TREE_DEPTH = 4096;
  private static final int TYPE_NULLABLE = 1;
  private static final int TYPE_PRECISION = 2;
  private static final int TYPE_SCALE = 4;
  private static final int TYPE_CHARSET = 8;
  private static final int TYPE_DEFAULT_CHARSET = 16;
  private static final int TYPE_FLAGS = 31;

  /** The character set and collation of the dialect's strings, written as a flag. */
  private static final String DEFAULT_CHARSET = "ISO-8859-1";

  private static final String DEFAULT_COLLATION = "IMPLICIT ISO-8859-1$en_US$primary";
  private static final byte NODE_COLUMN = 1;
  private static final byte NODE_LITERAL = 2;
  private static final byte NODE_CALL = 3;
  private static final byte VALUE_NULL = 0;
  private static final byte VALUE_FALSE = 1;
  private static final byte VALUE_TRUE = 2;
  private static final byte VALUE_DECIMAL = 3;
  private static final byte VALUE_DOUBLE = 4;
  private static final byte VALUE_STRING = 5;
  private static final byte VALUE_BYTES = 6;
  private static final byte VALUE_SYMBOL = 7;
  private static final byte VALUE_RANGES = 8;

  /** Enum classes of SYMBOL literals, by code (their position; only ever appended). */
  private static final List<Class<?>> SYMBOLS =
      List.of(TimeUnitRange.class, TimeUnit.class, SqlTrimFunction.Flag.class);

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
    } else if (command instanceof WriteCommand.UpdateRows c && c.boundSet() != null) {
      w.header(UPDATE_BOUND)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .expression(c.boundWhere())
          .stringList(c.setColumns())
          .expressionList(c.boundSet());
    } else if (command instanceof WriteCommand.DeleteRows c && c.where() == null) {
      w.header(DELETE_BOUND)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .expression(c.boundWhere());
    } else if (command instanceof WriteCommand.DeleteStep c && c.where() == null) {
      w.header(DELETE_STEP_BOUND)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .expression(c.boundWhere())
          .int64(c.maxSeq())
          .int64(c.deleted());
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
    } else if (command instanceof WriteCommand.ExpireRows c) {
      w.header(EXPIRE).string(c.requestId()).int64(c.cutoffMillis());
    } else if (command instanceof WriteCommand.EvictFlushed c) {
      w.header(EVICT)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .bytesList(c.entries());
    } else if (command instanceof WriteCommand.MarkCold c) {
      w.header(MARK_COLD).string(c.requestId()).int64(c.tableId()).string(c.owner());
    } else if (command instanceof WriteCommand.RestoreRows c) {
      w.header(RESTORE)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.owner())
          .bytesList(c.entries());
    } else if (command instanceof WriteCommand.PrepareTx c) {
      w.header(PREPARE_TX)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.txId())
          .bytes(partitions(c.participants()))
          .int64(c.deadlineMillis())
          .bytes(encode(c.piece()));
      return w.toBytes(); // the piece carries its own accepted trailer
    } else if (command instanceof WriteCommand.DecideTx c) {
      w.header(DECIDE_TX)
          .string(c.requestId())
          .int64(c.tableId())
          .string(c.txId())
          .int8((byte) ((c.commit() ? 1 : 0) | (c.resolve() ? 2 : 0)))
          .bytes(partitions(c.participants()));
    } else {
      throw new AssertionError(command);
    }
    WriteCommand.Accepted accepted = command.accepted();
    if (accepted != null) {
      w.int8(TRAILER_ACCEPTED).int64(accepted.atMillis());
      WriteCommand.Delegation d = accepted.delegation();
      if (d == null) {
        w.int8((byte) 0);
      } else {
        w.int8((byte) 1)
            .string(d.actorId())
            .string(d.actorName())
            .string(d.userId())
            .string(d.userName());
      }
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
      WriteCommand command =
          switch (type) {
            case INSERT ->
                new WriteCommand.InsertRows(r.string(), r.int64(), r.string(), r.bytesList());
            case UPDATE ->
                new WriteCommand.UpdateRows(
                    r.string(), r.int64(), r.string(), r.string(), r.stringList(), r.stringList());
            case DELETE ->
                new WriteCommand.DeleteRows(r.string(), r.int64(), r.string(), r.string());
            case PURGE -> new WriteCommand.PurgeTable(r.string(), r.int64(), r.string());
            case DELETE_STEP ->
                new WriteCommand.DeleteStep(
                    r.string(), r.int64(), r.string(), r.string(), r.int64(), r.int64());
            case UPDATE_BOUND ->
                WriteCommand.UpdateRows.bound(
                    r.string(),
                    r.int64(),
                    r.string(),
                    r.expression(),
                    r.stringList(),
                    r.expressionList());
            case DELETE_BOUND ->
                WriteCommand.DeleteRows.bound(r.string(), r.int64(), r.string(), r.expression());
            case DELETE_STEP_BOUND -> deleteStepBound(r);
            case EXPIRE -> new WriteCommand.ExpireRows(r.string(), r.int64());
            case EVICT ->
                new WriteCommand.EvictFlushed(r.string(), r.int64(), r.string(), r.bytesList());
            case MARK_COLD -> new WriteCommand.MarkCold(r.string(), r.int64(), r.string());
            case RESTORE ->
                new WriteCommand.RestoreRows(r.string(), r.int64(), r.string(), r.bytesList());
            case PREPARE_TX -> prepareTx(r);
            case DECIDE_TX -> decideTx(r);
            default -> throw r.malformed("unknown command type " + type);
          };
      return r.buf.hasRemaining() ? command.withAccepted(accepted(r)) : command;
    } catch (BufferUnderflowException e) {
      throw r.malformed("it ends early");
    } catch (IllegalArgumentException e) {
      throw r.malformed(e.getMessage());
    }
  }

  /**
   * Encodes a bound expression alone, as a command holds it (its text, then its tree). Two
   * expressions with equal encodings compile to the same evaluator over the same table, which makes
   * the encoding a cache key.
   */
  public static byte[] encode(BoundExpression expression) {
    return new Writer().expressionBody(expression).toBytes();
  }

  /** Decodes what {@link #encode(BoundExpression)} wrote. */
  public static BoundExpression decodeExpression(byte[] bytes) {
    Reader r = new Reader(bytes, "BoundExpression");
    try {
      BoundExpression e = r.expressionBody();
      if (r.buf.hasRemaining()) {
        throw r.malformed(r.buf.remaining() + " bytes follow the expression");
      }
      return e;
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

  private static WriteCommand.Accepted accepted(Reader r) {
    byte tag = r.int8();
    if (tag != TRAILER_ACCEPTED) {
      throw r.malformed("unknown trailer " + tag);
    }
    long at = r.int64();
    byte delegated = r.int8();
    WriteCommand.Delegation d =
        switch (delegated) {
          case 0 -> null;
          case 1 -> new WriteCommand.Delegation(r.string(), r.string(), r.string(), r.string());
          default -> throw r.malformed("unknown delegation flag " + delegated);
        };
    if (r.buf.hasRemaining()) {
      throw r.malformed(r.buf.remaining() + " bytes follow the command");
    }
    return new WriteCommand.Accepted(at, d);
  }

  private static byte[] partitions(List<Integer> partitions) {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * partitions.size());
    partitions.forEach(buf::putInt);
    return buf.array();
  }

  private static List<Integer> partitions(Reader r) {
    byte[] bytes = r.bytes();
    if (bytes == null || bytes.length == 0 || bytes.length % 4 != 0) {
      throw r.malformed("its participants are not a list of partitions");
    }
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
    List<Integer> out = new ArrayList<>();
    while (buf.hasRemaining()) {
      out.add(buf.getInt());
    }
    return out;
  }

  private static WriteCommand.PrepareTx prepareTx(Reader r) {
    String requestId = r.string();
    long tableId = r.int64();
    String txId = r.string();
    List<Integer> participants = partitions(r);
    long deadline = r.int64();
    byte[] pieceBytes = r.bytes();
    if (pieceBytes == null) {
      throw r.malformed("it has no piece");
    }
    WriteCommand piece = decodeCommand(pieceBytes);
    if (!(piece instanceof WriteCommand.InsertRows
        || piece instanceof WriteCommand.UpdateRows
        || piece instanceof WriteCommand.DeleteRows)) {
      throw r.malformed("its piece is not an INSERT, UPDATE or DELETE");
    }
    if (r.buf.hasRemaining()) {
      throw r.malformed(r.buf.remaining() + " bytes follow the command");
    }
    return new WriteCommand.PrepareTx(requestId, tableId, txId, participants, deadline, piece);
  }

  private static WriteCommand.DecideTx decideTx(Reader r) {
    String requestId = r.string();
    long tableId = r.int64();
    String txId = r.string();
    byte flags = r.int8();
    return new WriteCommand.DecideTx(
        requestId, tableId, txId, (flags & 1) != 0, partitions(r), (flags & 2) != 0);
  }

  private static WriteCommand.DeleteStep deleteStepBound(Reader r) {
    String requestId = r.string();
    long tableId = r.int64();
    String owner = r.string();
    BoundExpression where = r.expression();
    return new WriteCommand.DeleteStep(
        requestId, tableId, owner, null, r.int64(), r.int64(), where);
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

    Writer expression(BoundExpression e) {
      if (e == null) {
        return int32(-1);
      }
      int lengthAt = size;
      int32(0);
      expressionBody(e);
      int length = size - lengthAt - 4;
      for (int i = 0; i < 4; i++) {
        buf[lengthAt + i] = (byte) (length >>> (24 - 8 * i));
      }
      return this;
    }

    Writer expressionList(List<BoundExpression> list) {
      if (list == null) {
        return int32(-1);
      }
      int32(list.size());
      list.forEach(this::expression);
      return this;
    }

    Writer expressionBody(BoundExpression e) {
      string(e.text()).int8(TREE_FORMAT);
      Map<Bound.Type, Integer> types = new LinkedHashMap<>();
      collectTypes(e.tree(), types);
      varint(types.size());
      types.keySet().forEach(this::type);
      return node(e.tree(), types);
    }

    private static void collectTypes(Bound node, Map<Bound.Type, Integer> types) {
      types.putIfAbsent(node.type(), types.size());
      if (node instanceof Bound.Call call) {
        call.operands().forEach(o -> collectTypes(o, types));
      }
    }

    private Writer node(Bound node, Map<Bound.Type, Integer> types) {
      if (node instanceof Bound.Column c) {
        return int8(NODE_COLUMN).varint(c.index()).varint(types.get(c.type()));
      }
      if (node instanceof Bound.Literal l) {
        return int8(NODE_LITERAL).varint(types.get(l.type())).value(l.value());
      }
      Bound.Call call = (Bound.Call) node;
      int8(NODE_CALL).int8((byte) call.operator().ordinal()).varint(types.get(call.type()));
      varint(call.operands().size());
      call.operands().forEach(o -> node(o, types));
      return this;
    }

    private Writer type(Bound.Type t) {
      boolean chars = t.charset() != null || t.collation() != null;
      boolean defaultChars =
          DEFAULT_CHARSET.equals(t.charset()) && DEFAULT_COLLATION.equals(t.collation());
      int flags =
          (t.nullable() ? TYPE_NULLABLE : 0)
              | (t.precision() != Bound.Type.UNSPECIFIED ? TYPE_PRECISION : 0)
              | (t.scale() != Bound.Type.UNSPECIFIED ? TYPE_SCALE : 0)
              | (chars ? (defaultChars ? TYPE_DEFAULT_CHARSET : TYPE_CHARSET) : 0);
      int8((byte) t.name().ordinal()).int8((byte) flags);
      if (t.precision() != Bound.Type.UNSPECIFIED) {
        zigzag(t.precision());
      }
      if (t.scale() != Bound.Type.UNSPECIFIED) {
        zigzag(t.scale());
      }
      if (chars && !defaultChars) {
        string(t.charset()).string(t.collation());
      }
      return this;
    }

    private Writer value(Object v) {
      if (v == null) {
        return int8(VALUE_NULL);
      }
      if (v instanceof Boolean b) {
        return int8(b ? VALUE_TRUE : VALUE_FALSE);
      }
      if (v instanceof BigDecimal d) {
        return int8(VALUE_DECIMAL).zigzag(d.scale()).shortBytes(d.unscaledValue().toByteArray());
      }
      if (v instanceof Double d) {
        return int8(VALUE_DOUBLE).int64(Double.doubleToRawLongBits(d));
      }
      if (v instanceof String str) {
        return int8(VALUE_STRING).shortBytes(str.getBytes(StandardCharsets.UTF_8));
      }
      if (v instanceof byte[] b) {
        return int8(VALUE_BYTES).shortBytes(b);
      }
      if (v instanceof Enum<?> e && SYMBOLS.contains(e.getDeclaringClass())) {
        return int8(VALUE_SYMBOL)
            .int8((byte) SYMBOLS.indexOf(e.getDeclaringClass()))
            .shortBytes(e.name().getBytes(StandardCharsets.UTF_8));
      }
      if (v instanceof Bound.Ranges ranges) {
        int8(VALUE_RANGES).int8((byte) ranges.nullAs().ordinal()).varint(ranges.ranges().size());
        for (Bound.Range range : ranges.ranges()) {
          int8((byte) range.lowerKind().ordinal()).value(range.lower());
          int8((byte) range.upperKind().ordinal()).value(range.upper());
        }
        return this;
      }
      throw new IllegalArgumentException(
          "Cannot encode a bound literal of class " + v.getClass().getName());
    }

    /** An unsigned int in 7-bit groups, low group first. */
    Writer varint(int v) {
      while ((v & ~0x7F) != 0) {
        int8((byte) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      return int8((byte) v);
    }

    Writer zigzag(int v) {
      return varint((v << 1) ^ (v >> 31));
    }

    /** A byte array with a varint length. */
    Writer shortBytes(byte[] v) {
      varint(v.length);
      ensure(v.length);
      System.arraycopy(v, 0, buf, size, v.length);
      size += v.length;
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
    final ByteBuffer buf;
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

    BoundExpression expression() {
      int length = buf.getInt();
      if (length == -1) {
        return null;
      }
      if (length < 0 || length > buf.remaining()) {
        throw malformed("a length of " + length + " runs past its end");
      }
      int end = buf.position() + length;
      BoundExpression e = expressionBody();
      if (buf.position() != end) {
        throw malformed("an expression does not fill its " + length + " bytes");
      }
      return e;
    }

    List<BoundExpression> expressionList() {
      int count = count();
      if (count < 0) {
        return null;
      }
      List<BoundExpression> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        BoundExpression e = expression();
        if (e == null) {
          throw malformed("a list of expressions holds a null");
        }
        out.add(e);
      }
      return out;
    }

    BoundExpression expressionBody() {
      String text = string();
      if (text == null) {
        throw malformed("an expression has no text");
      }
      int format = buf.get();
      if (format != TREE_FORMAT) {
        throw malformed(
            "expression format "
                + format
                + " is unknown to this server (it knows "
                + TREE_FORMAT
                + ")");
      }
      int typeCount = varint();
      if (typeCount > buf.remaining() / 2) {
        throw malformed("a count of " + typeCount + " types runs past its end");
      }
      Bound.Type[] types = new Bound.Type[typeCount];
      for (int i = 0; i < typeCount; i++) {
        types[i] = type();
      }
      return new BoundExpression(node(types, 0), text);
    }

    private Bound node(Bound.Type[] types, int depth) {
      if (depth > MAX_TREE_DEPTH) {
        throw malformed("an expression nests deeper than " + MAX_TREE_DEPTH + " levels");
      }
      byte tag = buf.get();
      switch (tag) {
        case NODE_COLUMN:
          {
            int index = varint();
            return new Bound.Column(index, typeRef(types));
          }
        case NODE_LITERAL:
          {
            Bound.Type type = typeRef(types);
            return new Bound.Literal(value(), type);
          }
        case NODE_CALL:
          {
            Bound.Operator op = element(Bound.Operator.values(), buf.get(), "operator");
            Bound.Type type = typeRef(types);
            int count = varint();
            if (count > buf.remaining()) {
              throw malformed("a count of " + count + " operands runs past its end");
            }
            List<Bound> operands = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
              operands.add(node(types, depth + 1));
            }
            return new Bound.Call(op, operands, type);
          }
        default:
          throw malformed("unknown expression node " + tag);
      }
    }

    private Bound.Type typeRef(Bound.Type[] types) {
      int ref = varint();
      if (ref >= types.length) {
        throw malformed("type " + ref + " is not in the expression's " + types.length + " types");
      }
      return types[ref];
    }

    private Bound.Type type() {
      Bound.TypeName name = element(Bound.TypeName.values(), buf.get(), "type");
      int flags = buf.get() & 0xFF;
      if ((flags & ~TYPE_FLAGS) != 0
          || (flags & (TYPE_CHARSET | TYPE_DEFAULT_CHARSET))
              == (TYPE_CHARSET | TYPE_DEFAULT_CHARSET)) {
        throw malformed("type flags " + flags + " are not valid");
      }
      int precision = (flags & TYPE_PRECISION) != 0 ? zigzag() : Bound.Type.UNSPECIFIED;
      int scale = (flags & TYPE_SCALE) != 0 ? zigzag() : Bound.Type.UNSPECIFIED;
      String charset = null;
      String collation = null;
      if ((flags & TYPE_DEFAULT_CHARSET) != 0) {
        charset = DEFAULT_CHARSET;
        collation = DEFAULT_COLLATION;
      } else if ((flags & TYPE_CHARSET) != 0) {
        charset = string();
        collation = string();
      }
      return new Bound.Type(
          name, precision, scale, (flags & TYPE_NULLABLE) != 0, charset, collation);
    }

    private Object value() {
      byte tag = buf.get();
      switch (tag) {
        case VALUE_NULL:
          return null;
        case VALUE_FALSE:
          return Boolean.FALSE;
        case VALUE_TRUE:
          return Boolean.TRUE;
        case VALUE_DECIMAL:
          {
            int scale = zigzag();
            byte[] unscaled = shortBytes();
            if (unscaled.length == 0) {
              throw malformed("a decimal has no digits");
            }
            return new BigDecimal(new BigInteger(unscaled), scale);
          }
        case VALUE_DOUBLE:
          return Double.longBitsToDouble(buf.getLong());
        case VALUE_STRING:
          return new String(shortBytes(), StandardCharsets.UTF_8);
        case VALUE_BYTES:
          return shortBytes();
        case VALUE_SYMBOL:
          {
            Class<?> type = element(SYMBOLS.toArray(Class<?>[]::new), buf.get(), "symbol type");
            String name = new String(shortBytes(), StandardCharsets.UTF_8);
            for (Object constant : type.getEnumConstants()) {
              if (((Enum<?>) constant).name().equals(name)) {
                return constant;
              }
            }
            throw malformed("symbol " + name + " is unknown");
          }
        case VALUE_RANGES:
          {
            Bound.NullAs nullAs = element(Bound.NullAs.values(), buf.get(), "null handling");
            int count = varint();
            if (count > buf.remaining() / 4) {
              throw malformed("a count of " + count + " ranges runs past its end");
            }
            List<Bound.Range> ranges = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
              Bound.BoundKind lowerKind = element(Bound.BoundKind.values(), buf.get(), "bound");
              Object lower = value();
              Bound.BoundKind upperKind = element(Bound.BoundKind.values(), buf.get(), "bound");
              Object upper = value();
              ranges.add(new Bound.Range(lowerKind, lower, upperKind, upper));
            }
            return new Bound.Ranges(ranges, nullAs);
          }
        default:
          throw malformed("unknown value tag " + tag);
      }
    }

    /** Reads what {@link Writer#varint} wrote: at most five groups, never negative. */
    private int varint() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        byte b = buf.get();
        v |= (b & 0x7F) << shift;
        if (b >= 0) {
          if (v < 0 || (shift == 28 && (b & 0x70) != 0)) {
            throw malformed("a number is out of range");
          }
          return v;
        }
      }
      throw malformed("a number runs over five bytes");
    }

    private int zigzag() {
      int v = varintBits();
      return (v >>> 1) ^ -(v & 1);
    }

    /** A varint's 32 bits, which may read as negative (zigzag values). */
    private int varintBits() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        byte b = buf.get();
        v |= (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw malformed("a number runs over five bytes");
    }

    private byte[] shortBytes() {
      int length = varint();
      if (length > buf.remaining()) {
        throw malformed("a length of " + length + " runs past its end");
      }
      byte[] out = new byte[length];
      buf.get(out);
      return out;
    }

    private <T> T nonNull(T value, String what) {
      if (value == null) {
        throw malformed("a " + what + " value is null");
      }
      return value;
    }

    private <T> T element(T[] values, byte code, String what) {
      int i = code & 0xFF;
      if (i >= values.length) {
        throw malformed("unknown " + what + " code " + i);
      }
      return values[i];
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
