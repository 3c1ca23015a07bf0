package io.tributary.materializer.internal;

import static io.tributary.materializer.internal.TestTables.MESSAGES;
import static io.tributary.materializer.internal.TestTables.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.materializer.ChangeListener;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.command.WriteOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands written by the release before bound expressions (SQL text; codec version 1 JSON and
 * version 2 types 2, 3 and 5, captured as bytes in {@code legacy-commands.txt}) still decode and
 * apply exactly as before: each one changes the same rows, with the same outcome, as the command
 * with bound expressions that the analyzer writes now for the same statement.
 */
class LegacyCommandsTest {
  @TempDir Path stateDir;

  /** The outcome each statement had when it was written: rows affected, or the error message. */
  private static final Map<String, String> EXPECTED =
      Map.of(
          "delete-role", "3",
          "delete-in-like", "3",
          "delete-all", "6",
          "delete-null-logic", "3",
          "update-between-case", "3",
          "update-arith", "3",
          "update-all-literal", "6",
          "update-division-by-zero",
              "Cannot evaluate `conversation_id` / (`id` - 3): division by zero",
          "delete-step", "5");

  record Legacy(String name, String encoding, byte[] bytes) {}

  /** What applying a command did: its outcome and every row of both owners afterwards. */
  record Applied(boolean succeeded, long rowsAffected, String message, List<List<Object>> rows) {}

  @Test
  void shouldApplyOlderRecordsAsTheBoundCommandsOfTheSameStatements() throws IOException {
    List<Legacy> records = legacyRecords();
    assertThat(records).hasSize(17);
    for (Legacy record : records) {
      WriteCommand legacy = CommandCodec.decodeCommand(record.bytes());
      assertThat(sqlText(legacy)).as(record.name()).isTrue();
      Applied before = apply(legacy, record.name() + "-" + record.encoding());
      Applied now = apply(bound(legacy), record.name() + "-bound-" + record.encoding());
      assertThat(now).as(record.name() + " " + record.encoding()).isEqualTo(before);
      String expected = EXPECTED.get(record.name());
      assertThat(before.succeeded() ? String.valueOf(before.rowsAffected()) : before.message())
          .as(record.name() + " " + record.encoding())
          .isEqualTo(expected);
    }
  }

  /** Applies a command of owner u1 to a fresh store holding six rows of u1 and one of u2. */
  private Applied apply(WriteCommand command, String dir) throws IOException {
    try (TopologyHarness h =
        new TopologyHarness(Files.createDirectories(stateDir.resolve(dir)), ChangeListener.NONE)) {
      h.insert(
          "u1",
          MESSAGES,
          message(1, 1, "user", "hello"),
          message(2, 3, "bot", "hi"),
          message(3, 1, null, "x"),
          message(4, 2, "user", null),
          message(5, 3, "bot", "hey"),
          message(6, 7, "user", "h"));
      h.insert("u2", MESSAGES, message(1, 1, "user", "hello"));
      WriteOutcome outcome = h.apply(command);
      List<List<Object>> rows = new ArrayList<>();
      for (String owner : List.of("u1", "u2")) {
        h.scan(MESSAGES, owner).forEach(row -> rows.add(Arrays.asList(row)));
      }
      return new Applied(
          outcome.succeeded(), outcome.rowsAffected(), outcome.message(), List.copyOf(rows));
    }
  }

  private static boolean sqlText(WriteCommand command) {
    if (command instanceof WriteCommand.UpdateRows u) {
      return u.setExpressions() != null && u.boundSet() == null;
    }
    if (command instanceof WriteCommand.DeleteRows d) {
      return d.boundWhere() == null;
    }
    return command instanceof WriteCommand.DeleteStep s && s.boundWhere() == null;
  }

  /** The command the analyzer writes now for the statement an older command came from. */
  private static WriteCommand bound(WriteCommand legacy) {
    if (legacy instanceof WriteCommand.UpdateRows u) {
      return WriteCommand.UpdateRows.bound(
          u.requestId(),
          u.tableId(),
          u.owner(),
          TestTables.where(MESSAGES, u.where()),
          u.setColumns(),
          TestTables.values(MESSAGES, u.setColumns(), u.setExpressions()));
    }
    if (legacy instanceof WriteCommand.DeleteRows d) {
      return WriteCommand.DeleteRows.bound(
          d.requestId(), d.tableId(), d.owner(), TestTables.where(MESSAGES, d.where()));
    }
    WriteCommand.DeleteStep s = (WriteCommand.DeleteStep) legacy;
    return new WriteCommand.DeleteStep(
        s.requestId(),
        s.tableId(),
        s.owner(),
        null,
        s.maxSeq(),
        s.deleted(),
        TestTables.where(MESSAGES, s.where()));
  }

  private static List<Legacy> legacyRecords() throws IOException {
    List<Legacy> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                LegacyCommandsTest.class.getResourceAsStream("legacy-commands.txt"),
                StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.split(" ");
        out.add(new Legacy(parts[0], parts[1], Base64.getDecoder().decode(parts[2])));
      }
    }
    return out;
  }
}
