package io.tributary.query.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

  @Test
  void shouldRoundTripEveryCommandType() {
    List<WriteCommand> commands =
        List.of(
            new WriteCommand.InsertRows("r1", 7, "u1", List.of(new byte[] {1, 2}, new byte[0])),
            new WriteCommand.InsertRows("r2", 7, null, List.of()),
            new WriteCommand.UpdateRows(
                "r3", 8, "u2", "id = 1", List.of("body", "n"), List.of("'é'", "n + 1")),
            new WriteCommand.UpdateRows("r4", 8, null, null, List.of("n"), List.of("0")),
            new WriteCommand.DeleteRows("r5", 9, "u3", "room = 'a'"),
            new WriteCommand.DeleteRows("r6", 9, null, null),
            new WriteCommand.PurgeTable("purge-9-0", 9, null),
            new WriteCommand.PurgeTable("purge-9-u", 9, "u3"),
            new WriteCommand.DeleteStep("r7", 9, "u3", "room = 'a'", (42L << 16) - 1, 65_535),
            new WriteCommand.DeleteStep("r8", 9, null, null, Long.MAX_VALUE, 0),
            new WriteCommand.DecideTx("tx/decide", 9, "tx", true, List.of(0, 3), false),
            new WriteCommand.DecideTx("tx/3/resolve", 9, "tx", false, List.of(0, 3), true));
    for (WriteCommand command : commands) {
      WriteCommand decoded = CommandCodec.decodeCommand(CommandCodec.encode(command));
      assertThat(describe(decoded)).isEqualTo(describe(command));
    }
  }

  @Test
  void shouldRoundTripAPreparedPieceWithItsAcceptedTime() {
    WriteCommand.InsertRows piece =
        new WriteCommand.InsertRows(
            "tx",
            9,
            null,
            List.of(new byte[] {1, 2}),
            new WriteCommand.Accepted(1_800_000_000_000L, null));
    WriteCommand.PrepareTx prepare =
        new WriteCommand.PrepareTx("tx/2", 9, "tx", List.of(2, 5), 1_800_000_030_000L, piece);
    WriteCommand.PrepareTx decoded =
        (WriteCommand.PrepareTx) CommandCodec.decodeCommand(CommandCodec.encode(prepare));
    assertThat(decoded.requestId()).isEqualTo("tx/2");
    assertThat(decoded.participants()).containsExactly(2, 5);
    assertThat(decoded.home()).isEqualTo(2);
    assertThat(decoded.deadlineMillis()).isEqualTo(1_800_000_030_000L);
    assertThat(describe(decoded.piece())).isEqualTo(describe(piece));
    assertThat(decoded.accepted()).isEqualTo(piece.accepted());
    assertThatThrownBy(
            () ->
                CommandCodec.decodeCommand(
                    CommandCodec.encode(
                        new WriteCommand.PrepareTx(
                            "tx/2",
                            9,
                            "tx",
                            List.of(2),
                            0,
                            new WriteCommand.PurgeTable("p", 9, null)))))
        .isInstanceOf(TributaryException.class)
        .hasMessageContaining("its piece is not an INSERT, UPDATE or DELETE");
  }

  @Test
  void shouldRoundTripEveryChangeKind() {
    List<RowChange> changes =
        List.of(
            new RowChange(RowChange.Kind.INSERT, 7, "u1", 65_536L, -1, null, new byte[] {1, 0, 3}),
            new RowChange(
                RowChange.Kind.UPDATE, 7, null, 65_537L, 3L, new byte[] {1}, new byte[] {2}),
            new RowChange(
                RowChange.Kind.DELETE, 7, "u1", Long.MAX_VALUE, 65_536L, new byte[] {9}, null));
    for (RowChange change : changes) {
      RowChange decoded = CommandCodec.decodeChange(CommandCodec.encode(change));
      assertThat(decoded.kind()).isEqualTo(change.kind());
      assertThat(decoded.tableId()).isEqualTo(change.tableId());
      assertThat(decoded.owner()).isEqualTo(change.owner());
      assertThat(decoded.seq()).isEqualTo(change.seq());
      assertThat(decoded.oldSeq()).isEqualTo(change.oldSeq());
      assertThat(decoded.oldRow()).isEqualTo(change.oldRow());
      assertThat(decoded.newRow()).isEqualTo(change.newRow());
    }
  }

  @Test
  void shouldWriteTheOldRowsSeqInAChangeRecordOfType17() {
    byte[] bytes =
        CommandCodec.encode(
            new RowChange(RowChange.Kind.DELETE, 7, null, 131_072L, 65_536L, new byte[] {9}, null));

    assertThat(bytes)
        .containsExactly(
            2, 17, // version 2, change with the old _seq
            2, // DELETE
            0, 0, 0, 0, 0, 0, 0, 7, // table id
            -1, -1, -1, -1, // no owner
            0, 0, 0, 0, 0, 2, 0, 0, // _seq
            0, 0, 0, 0, 0, 1, 0, 0, // old _seq
            0, 0, 0, 1, 9, // old row
            -1, -1, -1, -1); // no new row
  }

  @Test
  void shouldReadChangeRecordsOfType16WrittenByEarlierServers() {
    // Bytes as the previous release wrote them: version 2, type 16, without the old row's _seq.
    ByteBuffer record = ByteBuffer.allocate(64);
    record.put((byte) 2).put((byte) 16); // version 2, change
    record.put((byte) 1); // UPDATE
    record.putLong(7); // table id
    record.putInt(2).put("u1".getBytes(StandardCharsets.UTF_8)); // owner
    record.putLong(131_072L); // _seq
    record.putInt(1).put((byte) 9); // old row
    record.putInt(2).put((byte) 8).put((byte) 7); // new row
    byte[] update = Arrays.copyOf(record.array(), record.position());

    RowChange decoded = CommandCodec.decodeChange(update);

    assertThat(decoded.kind()).isEqualTo(RowChange.Kind.UPDATE);
    assertThat(decoded.tableId()).isEqualTo(7);
    assertThat(decoded.owner()).isEqualTo("u1");
    assertThat(decoded.seq()).isEqualTo(131_072L);
    assertThat(decoded.oldSeq()).isEqualTo(RowChange.NO_SEQ);
    assertThat(decoded.oldRow()).containsExactly(9);
    assertThat(decoded.newRow()).containsExactly(8, 7);
  }

  @Test
  void shouldRefuseTruncatedChangeRecords() {
    byte[] full =
        CommandCodec.encode(
            new RowChange(RowChange.Kind.UPDATE, 7, "u1", 9L, 3L, new byte[] {1}, new byte[] {2}));
    for (int length = 0; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> CommandCodec.decodeChange(cut))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot decode RowChange: ");
    }
  }

  @Test
  void shouldReadVersionOneJsonWrittenByEarlierServers() {
    String insert =
        "{\"type\":\"insert\",\"requestId\":\"r1\",\"tableId\":7,\"owner\":\"u1\","
            + "\"rows\":[\"AQI=\"],\"v\":1}";
    WriteCommand command = CommandCodec.decodeCommand(insert.getBytes(StandardCharsets.UTF_8));
    assertThat(describe(command))
        .isEqualTo(
            describe(new WriteCommand.InsertRows("r1", 7, "u1", List.of(new byte[] {1, 2}))));

    String change =
        "{\"kind\":\"DELETE\",\"tableId\":7,\"owner\":null,\"seq\":65536,"
            + "\"oldRow\":\"CQ==\",\"newRow\":null,\"v\":1}";
    RowChange decoded = CommandCodec.decodeChange(change.getBytes(StandardCharsets.UTF_8));
    assertThat(decoded.kind()).isEqualTo(RowChange.Kind.DELETE);
    assertThat(decoded.seq()).isEqualTo(65_536L);
    assertThat(decoded.oldSeq()).isEqualTo(RowChange.NO_SEQ);
    assertThat(decoded.oldRow()).containsExactly(9);
    assertThat(decoded.newRow()).isNull();
  }

  @Test
  void shouldRefuseTruncatedRecords() {
    byte[] full =
        CommandCodec.encode(new WriteCommand.InsertRows("r1", 7, "u1", List.of(new byte[] {1})));
    for (int length = 0; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> CommandCodec.decodeCommand(cut))
          .isInstanceOf(TributaryException.class)
          .hasMessageStartingWith("Cannot decode WriteCommand: ")
          .satisfies(
              e -> assertThat(((TributaryException) e).code()).isEqualTo(ErrorCode.INTERNAL));
    }
  }

  @Test
  void shouldRefuseUnknownVersionsAndTypes() {
    assertThatThrownBy(() -> CommandCodec.decodeCommand(new byte[] {3, 1}))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot decode WriteCommand: version 3 is unknown to this server (it knows 1 to 2)");
    assertThatThrownBy(() -> CommandCodec.decodeCommand(new byte[] {2, 99}))
        .hasMessage("Cannot decode WriteCommand: unknown command type 99");
    byte[] change =
        CommandCodec.encode(
            new RowChange(RowChange.Kind.INSERT, 1, null, 1, -1, null, new byte[0]));
    assertThatThrownBy(() -> CommandCodec.decodeCommand(change))
        .hasMessage("Cannot decode WriteCommand: unknown command type 17");
    byte[] command = CommandCodec.encode(new WriteCommand.DeleteRows("r", 1, null, "x = 1"));
    assertThatThrownBy(() -> CommandCodec.decodeChange(command))
        .hasMessage("Cannot decode RowChange: record type 3 is not a change");
    assertThatThrownBy(
            () -> CommandCodec.decodeCommand("{\"v\":9}".getBytes(StandardCharsets.UTF_8)))
        .hasMessage(
            "Cannot decode WriteCommand: JSON version 9 is unknown to this server (it knows 1)");
  }

  @Test
  void shouldRefuseLengthsPastTheEnd() {
    // version 2, insert, then a request id claiming 1,000 bytes
    byte[] bytes = {2, 1, 0, 0, 3, (byte) 0xE8, 'r'};
    assertThatThrownBy(() -> CommandCodec.decodeCommand(bytes))
        .hasMessage("Cannot decode WriteCommand: a length of 1000 runs past its end");
  }

  /** Records compare byte arrays by identity; this compares them by content. */
  @Test
  void shouldRoundTripTheColdTiersCommands() {
    byte[] entry = WriteCommand.EvictFlushed.entry(65_536L, new byte[] {1, 0, 5});
    List<WriteCommand> commands =
        List.of(
            new WriteCommand.EvictFlushed("evict-1", 7, "u1", List.of(entry, entry)),
            new WriteCommand.EvictFlushed("evict-2", 8, null, List.of()),
            new WriteCommand.MarkCold("mark-1", 7, "u1"),
            new WriteCommand.MarkCold("mark-2", 8, null),
            new WriteCommand.RestoreRows("restore-1", 7, "u1", List.of(new byte[] {0, 1, 2})),
            new WriteCommand.RestoreRows("restore-2", 8, null, List.of()));
    for (WriteCommand command : commands) {
      assertThat(describe(CommandCodec.decodeCommand(CommandCodec.encode(command))))
          .isEqualTo(describe(command));
    }
    assertThat(java.nio.ByteBuffer.wrap(entry).getLong()).isEqualTo(65_536L);
  }

  private static String describe(WriteCommand command) {
    if (command instanceof WriteCommand.EvictFlushed c) {
      return "evict "
          + c.requestId()
          + " "
          + c.tableId()
          + " "
          + c.owner()
          + " "
          + bytes(c.entries());
    }
    if (command instanceof WriteCommand.RestoreRows c) {
      return "restore "
          + c.requestId()
          + " "
          + c.tableId()
          + " "
          + c.owner()
          + " "
          + bytes(c.entries());
    }
    if (command instanceof WriteCommand.InsertRows c) {
      return "insert "
          + c.requestId()
          + " "
          + c.tableId()
          + " "
          + c.owner()
          + " "
          + c.rows().stream().map(Arrays::toString).toList();
    }
    return command.toString();
  }

  private static List<String> bytes(List<byte[]> list) {
    return list.stream().map(Arrays::toString).toList();
  }
}
