package io.tributary.materializer.internal;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowCodec;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Tables and rows shared by the materializer's tests. */
public final class TestTables {
  /** chat.messages (USER): id BIGINT PK, conversation_id BIGINT NOT NULL, role TEXT, content. */
  public static final TableDef MESSAGES =
      new TableDef(
          101,
          "chat",
          "messages",
          TableKind.USER,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("conversation_id", ColumnType.BIGINT, false, null),
              new ColumnDef("role", ColumnType.TEXT, true, null),
              new ColumnDef("content", ColumnType.TEXT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  /** chat.reactions (USER), composite key (message_id, emoji). */
  public static final TableDef REACTIONS =
      new TableDef(
          102,
          "chat",
          "reactions",
          TableKind.USER,
          List.of(
              new ColumnDef("message_id", ColumnType.BIGINT, false, null),
              new ColumnDef("emoji", ColumnType.TEXT, false, null),
              new ColumnDef("n", ColumnType.INT, true, null)),
          List.of("message_id", "emoji"),
          Map.of(),
          0);

  /** app.rooms (SHARED): id BIGINT PK, name TEXT NOT NULL, members INT. */
  public static final TableDef ROOMS =
      new TableDef(
          201,
          "app",
          "rooms",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("name", ColumnType.TEXT, false, null),
              new ColumnDef("members", ColumnType.INT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  /**
   * chat.group_messages (SHARED, PARTITION_KEY = conversation_id): conversation_id BIGINT, id
   * BIGINT, body TEXT, PRIMARY KEY (conversation_id, id).
   */
  public static final TableDef GROUP_MESSAGES =
      new TableDef(
          202,
          "chat",
          "group_messages",
          TableKind.SHARED,
          List.of(
              new ColumnDef("conversation_id", ColumnType.BIGINT, false, null),
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("body", ColumnType.TEXT, true, null)),
          List.of("conversation_id", "id"),
          Map.of("PARTITION_KEY", "conversation_id"),
          0);

  /** chat.typing (STREAM, TTL_SECONDS = 30): id BIGINT PK, conversation_id BIGINT, event TEXT. */
  public static final TableDef TYPING =
      new TableDef(
          301,
          "chat",
          "typing",
          TableKind.STREAM,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("conversation_id", ColumnType.BIGINT, true, null),
              new ColumnDef("event", ColumnType.TEXT, true, null)),
          List.of("id"),
          Map.of("TTL_SECONDS", "30"),
          0);

  private TestTables() {}

  public static CatalogState catalog() {
    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.table(MESSAGES));
    catalog.apply(CatalogRecord.table(REACTIONS));
    catalog.apply(CatalogRecord.table(ROOMS));
    catalog.apply(CatalogRecord.table(GROUP_MESSAGES));
    catalog.apply(CatalogRecord.table(TYPING));
    return catalog;
  }

  /** A WHERE clause bound as the analyzer binds it for a command; null stays null (every row). */
  public static BoundExpression where(TableDef table, String where) {
    return where == null ? null : Expressions.bindPredicate(table, where);
  }

  /** SET values bound as the analyzer binds them (an unknown column gets a TEXT target). */
  public static List<BoundExpression> values(
      TableDef table, List<String> columns, List<String> exprs) {
    List<BoundExpression> out = new ArrayList<>();
    for (int i = 0; i < exprs.size(); i++) {
      int index = table.columnIndex(columns.get(i));
      ColumnType type = index < 0 ? ColumnType.TEXT : table.columns().get(index).type();
      out.add(Expressions.bindValue(table, exprs.get(i), type, columns.get(i)));
    }
    return out;
  }

  public static byte[] message(long id, long conversation, String role, String content) {
    return RowCodec.encode(MESSAGES.types(), new Object[] {id, conversation, role, content});
  }

  public static byte[] room(long id, String name, Integer members) {
    return RowCodec.encode(ROOMS.types(), new Object[] {id, name, members});
  }

  public static byte[] groupMessage(long conversation, long id, String body) {
    return RowCodec.encode(GROUP_MESSAGES.types(), new Object[] {conversation, id, body});
  }

  public static byte[] reaction(long messageId, String emoji, Integer n) {
    return RowCodec.encode(REACTIONS.types(), new Object[] {messageId, emoji, n});
  }
}
