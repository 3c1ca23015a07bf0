package io.tributary.source.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1 (Begin, Commit,
 * Relation, Insert, Update, Delete; the rest are recognized and ignored). Column values arrive in
 * text form. Stateless; the caller keeps the relations.
 */
final class PgOutput {
  private PgOutput() {}

  sealed interface Message {}

  record Begin(long finalLsn, long commitMicros, int xid) implements Message {}

  /** The end of a transaction; {@code endLsn} is what is acknowledged once it is durable. */
  record Commit(long commitLsn, long endLsn, long commitMicros) implements Message {}

  record Column(String name, int typeOid, int typeMod, boolean key) {}

  record Relation(int id, String schema, String table, char replicaIdentity, List<Column> columns)
      implements Message {}

  /** A row's columns in text form; {@code null} is SQL NULL; {@link #UNCHANGED} a TOAST value. */
  record Tuple(List<String> values) {}

  /** The value of a TOASTed column that the change did not touch: not sent by PostgreSQL. */
  static final String UNCHANGED = new String("\u0000unchanged-toast");

  record Insert(int relation, Tuple row) implements Message {}

  /**
   * {@code old} is the old row (REPLICA IDENTITY FULL) or its key, or null when the key is
   * unchanged.
   */
  record Update(int relation, Tuple old, boolean oldIsKeyOnly, Tuple row) implements Message {}

  record Delete(int relation, Tuple old, boolean oldIsKeyOnly) implements Message {}

  record Truncate(List<Integer> relations) implements Message {}

  /** A message of no interest here (Origin, Type, logical decoding messages). */
  record Other(char tag) implements Message {}

  static Message decode(ByteBuffer b) {
    char tag = (char) b.get();
    switch (tag) {
      case 'B':
        return new Begin(b.getLong(), b.getLong(), b.getInt());
      case 'C':
        {
          b.get(); // flags
          long commitLsn = b.getLong();
          long endLsn = b.getLong();
          return new Commit(commitLsn, endLsn, b.getLong());
        }
      case 'R':
        {
          int id = b.getInt();
          String schema = string(b);
          String table = string(b);
          char identity = (char) b.get();
          int n = b.getShort();
          List<Column> columns = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            boolean key = (b.get() & 1) != 0;
            String name = string(b);
            columns.add(new Column(name, b.getInt(), b.getInt(), key));
          }
          return new Relation(id, schema, table, identity, columns);
        }
      case 'I':
        {
          int rel = b.getInt();
          b.get(); // 'N'
          return new Insert(rel, tuple(b));
        }
      case 'U':
        {
          int rel = b.getInt();
          char kind = (char) b.get();
          Tuple old = null;
          boolean keyOnly = false;
          if (kind == 'K' || kind == 'O') {
            keyOnly = kind == 'K';
            old = tuple(b);
            b.get(); // 'N'
          }
          return new Update(rel, old, keyOnly, tuple(b));
        }
      case 'D':
        {
          int rel = b.getInt();
          char kind = (char) b.get();
          return new Delete(rel, tuple(b), kind == 'K');
        }
      case 'T':
        {
          int n = b.getInt();
          b.get(); // options
          List<Integer> rels = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            rels.add(b.getInt());
          }
          return new Truncate(rels);
        }
      default:
        return new Other(tag);
    }
  }

  private static Tuple tuple(ByteBuffer b) {
    int n = b.getShort();
    List<String> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      char kind = (char) b.get();
      switch (kind) {
        case 'n':
          values.add(null);
          break;
        case 'u':
          values.add(UNCHANGED);
          break;
        case 't':
        case 'b':
          {
            int len = b.getInt();
            byte[] bytes = new byte[len];
            b.get(bytes);
            values.add(new String(bytes, StandardCharsets.UTF_8));
            break;
          }
        default:
          throw new IllegalStateException("Cannot decode pgoutput tuple: column kind " + kind);
      }
    }
    return new Tuple(values);
  }

  private static String string(ByteBuffer b) {
    int start = b.position();
    int end = start;
    while (b.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    b.get(bytes);
    b.get(); // the terminating zero
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
