package io.tributary.query.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.expr.Bound;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Commands with bound expressions: encoding, older records, malformed records. */
class BoundCommandCodecTest {
  static final TableDef TABLE =
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

  static final BoundExpression WHERE =
      Expressions.bindPredicate(
          TABLE, "`id` BETWEEN 2 AND 4 AND `role` IN ('a', 'b') OR `content` LIKE 'h%'");
  static final BoundExpression SET_CONTENT =
      Expressions.bindValue(
          TABLE,
          "CASE WHEN `role` IS NULL THEN UPPER(`content`) ELSE 'x' END",
          ColumnType.TEXT,
          "content");
  static final BoundExpression SET_CONVERSATION =
      Expressions.bindValue(
          TABLE, "`conversation_id` * 10 + 1", ColumnType.BIGINT, "conversation_id");

  static final WriteCommand.UpdateRows UPDATE =
      WriteCommand.UpdateRows.bound(
          "r1",
          101,
          "u1",
          WHERE,
          List.of("content", "conversation_id"),
          List.of(SET_CONTENT, SET_CONVERSATION));

  @Example
  void shouldRoundTripCommandsWithBoundExpressions() {
    List<WriteCommand> commands =
        List.of(
            UPDATE,
            WriteCommand.UpdateRows.bound(
                "r2",
                101,
                null,
                null,
                List.of("role"),
                List.of(Expressions.bindValue(TABLE, "NULL", ColumnType.TEXT, "role"))),
            WriteCommand.DeleteRows.bound("r3", 101, "u1", WHERE),
            WriteCommand.DeleteRows.bound("r4", 101, "u1", null),
            new WriteCommand.DeleteStep("r5", 101, "u1", null, 77, 3, WHERE),
            new WriteCommand.DeleteStep("r6", 101, "u1", null, 77, 3, null));
    for (WriteCommand command : commands) {
      byte[] bytes = CommandCodec.encode(command);
      assertThat(bytes[0]).isEqualTo((byte) 2);
      assertThat(bytes[1]).isBetween((byte) 6, (byte) 8);
      assertThat(CommandCodec.decodeCommand(bytes)).isEqualTo(command);
    }
  }

  @Example
  void shouldBindColumnsByIndexWithTypedLiterals() {
    Bound.Call and = (Bound.Call) WHERE.tree();
    assertThat(and.operator()).isEqualTo(Bound.Operator.OR);
    assertThat(WHERE.text())
        .isEqualTo("`id` BETWEEN 2 AND 4 AND `role` IN ('a', 'b') OR `content` LIKE 'h%'");
    Bound.Call like = (Bound.Call) and.operands().get(1);
    assertThat(like.operator()).isEqualTo(Bound.Operator.LIKE);
    assertThat(like.operands().get(0)).isInstanceOf(Bound.Column.class);
    assertThat(((Bound.Column) like.operands().get(0)).index()).isEqualTo(3);
    assertThat(((Bound.Literal) like.operands().get(1)).value()).isEqualTo("h%");
  }

  /** Records written before bound expressions, by the codec of that time (commit 10a6921). */
  @Example
  void shouldStillDecodeCommandsWithSqlText() {
    // version 2, type 2 (UPDATE): `id` >= 3, SET conversation_id = `conversation_id` / (`id` - 3)
    WriteCommand update =
        CommandCodec.decodeCommand(
            Base64.getDecoder()
                .decode(
                    "AgIAAAAIbGVnYWN5LTgAAAAAAAAAZQAAAAJ1MQAAAAlgaWRgID49IDMAAAABAAAAD2NvbnZlcnNhdGlvbl9p"
                        + "ZAAAAAEAAAAeYGNvbnZlcnNhdGlvbl9pZGAgLyAoYGlkYCAtIDMp"));
    assertThat(update)
        .isEqualTo(
            new WriteCommand.UpdateRows(
                "legacy-8",
                101,
                "u1",
                "`id` >= 3",
                List.of("conversation_id"),
                List.of("`conversation_id` / (`id` - 3)")));
    // version 1 (JSON): a DELETE
    WriteCommand delete =
        CommandCodec.decodeCommand(
            Base64.getDecoder()
                .decode(
                    "eyJ0eXBlIjoiZGVsZXRlIiwicmVxdWVzdElkIjoibGVnYWN5LTEiLCJ0YWJsZUlkIjoxMDEsIm93bmVy"
                        + "IjoidTEiLCJ3aGVyZSI6ImByb2xlYCA9ICd1c2VyJyIsInYiOjF9"));
    assertThat(delete)
        .isEqualTo(new WriteCommand.DeleteRows("legacy-1", 101, "u1", "`role` = 'user'"));
    // version 2, type 5 (DELETE_STEP)
    WriteCommand step =
        CommandCodec.decodeCommand(
            Base64.getDecoder()
                .decode(
                    "AgUAAAAIbGVnYWN5LTkAAAAAAAAAZQAAAAJ1MQAAABxgaWRgID4gMSBBTkQgYHJvbGVgIDw+ICdib3Qnf/"
                        + "////////8AAAAAAAAAAw=="));
    assertThat(step)
        .isEqualTo(
            new WriteCommand.DeleteStep(
                "legacy-9", 101, "u1", "`id` > 1 AND `role` <> 'bot'", Long.MAX_VALUE, 3));
    // A step continuing an older DELETE keeps its SQL text, so it is written as type 5 again.
    assertThat(CommandCodec.encode(step)[1]).isEqualTo((byte) 5);
  }

  @Example
  void shouldRefuseEveryTruncatedCommand() {
    byte[] bytes = CommandCodec.encode(UPDATE);
    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> CommandCodec.decodeCommand(cut))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot decode WriteCommand: ");
    }
  }

  @Example
  void shouldNameWhatIsWrongInAMalformedTree() {
    Bound.Type bool =
        new Bound.Type(
            Bound.TypeName.BOOLEAN,
            Bound.Type.UNSPECIFIED,
            Bound.Type.UNSPECIFIED,
            false,
            null,
            null);
    // text "NOT TRUE", format 1, one type (BOOLEAN, no flags), then the call node
    byte[] tree =
        CommandCodec.encode(
            new BoundExpression(
                new Bound.Call(Bound.Operator.NOT, List.of(new Bound.Literal(true, bool)), bool),
                "NOT TRUE"));
    int format = 4 + "NOT TRUE".length();
    assertThat(Arrays.copyOfRange(tree, format, tree.length))
        .containsExactly(1, 1, 0, 0, 3, Bound.Operator.NOT.ordinal(), 0, 1, 2, 0, 2);
    assertMalformed(tree, format, 9, "expression format 9 is unknown to this server (it knows 1)");
    assertMalformed(tree, format + 1, 100, "a count of 100 types runs past its end");
    assertMalformed(tree, format + 2, 99, "unknown type code 99");
    assertMalformed(tree, format + 3, 64, "type flags 64 are not valid");
    assertMalformed(tree, format + 4, 42, "unknown expression node 42");
    assertMalformed(tree, format + 5, 200, "unknown operator code 200");
    assertMalformed(tree, format + 6, 5, "type 5 is not in the expression's 1 types");
    assertMalformed(tree, format + 7, 100, "a count of 100 operands runs past its end");
    assertMalformed(tree, format + 10, 77, "unknown value tag 77");
    byte[] longer = Arrays.copyOf(tree, tree.length + 1);
    assertThatThrownBy(() -> CommandCodec.decodeExpression(longer))
        .hasMessage("Cannot decode BoundExpression: 1 bytes follow the expression");
  }

  private static void assertMalformed(byte[] tree, int at, int value, String reason) {
    byte[] damaged = tree.clone();
    damaged[at] = (byte) value;
    assertThatThrownBy(() -> CommandCodec.decodeExpression(damaged))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot decode BoundExpression: " + reason);
  }

  @Example
  void shouldRefuseATreeThatDoesNotFitTheTable() {
    Bound.Type bigint = new Bound.Type(Bound.TypeName.BIGINT, 19, 0, false, null, null);
    BoundExpression missing =
        new BoundExpression(
            new Bound.Call(
                Bound.Operator.EQUALS,
                List.of(
                    new Bound.Column(9, bigint),
                    new Bound.Literal(java.math.BigDecimal.ONE, bigint)),
                new Bound.Type(
                    Bound.TypeName.BOOLEAN,
                    Integer.MIN_VALUE,
                    Integer.MIN_VALUE,
                    false,
                    null,
                    null)),
            "x = 1");
    assertThatThrownBy(() -> Expressions.predicate(TABLE, missing))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot compile WHERE clause: column #9 does not exist in chat.messages");
    BoundExpression arity =
        new BoundExpression(
            new Bound.Call(Bound.Operator.NOT, List.of(), missing.tree().type()), "NOT");
    assertThatThrownBy(() -> Expressions.predicate(TABLE, arity))
        .hasMessage("Cannot compile WHERE clause: operator NOT cannot take 0 operands");
  }

  /** Whatever the damage, decoding and then compiling fails with a coded error or succeeds. */
  @Property(tries = 5000)
  void shouldNeverCrashOnADamagedCommand(
      @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte value) {
    byte[] bytes = CommandCodec.encode(UPDATE);
    bytes[position % bytes.length] = value;
    WriteCommand decoded;
    try {
      decoded = CommandCodec.decodeCommand(bytes);
    } catch (TributaryException e) {
      assertThat(e.getMessage()).startsWith("Cannot decode WriteCommand: ");
      assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
      return;
    }
    if (!(decoded instanceof WriteCommand.UpdateRows update) || update.boundSet() == null) {
      return; // the damage hit the type byte: another command, decoded or refused above
    }
    try {
      if (update.boundWhere() != null) {
        Expressions.predicate(TABLE, update.boundWhere()).test(new Object[] {1L, 2L, "a", "b", 5L});
      }
      for (BoundExpression e : update.boundSet()) {
        Expressions.expression(TABLE, e, ColumnType.TEXT, "content")
            .evaluate(new Object[] {1L, 2L, null, "b", 5L});
      }
    } catch (TributaryException e) {
      assertThat(e.getMessage()).startsWith("Cannot ");
    }
  }
}
