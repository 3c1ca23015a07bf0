package io.tributary.query.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * A write command as it is appended to the log (DESIGN.md section 3). Commands are deterministic:
 * everything non-deterministic (defaults such as NOW() or SNOWFLAKE_ID(), parameters, the acting
 * user) was evaluated by the node that accepted the statement and is written here as values or
 * literals, so applying a command always has the same effect.
 *
 * <p>Commands are versioned records ({@link CommandCodec}); a reader accepts every version ever
 * written.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = WriteCommand.InsertRows.class, name = "insert"),
  @JsonSubTypes.Type(value = WriteCommand.UpdateRows.class, name = "update"),
  @JsonSubTypes.Type(value = WriteCommand.DeleteRows.class, name = "delete"),
  @JsonSubTypes.Type(value = WriteCommand.PurgeTable.class, name = "purge"),
  @JsonSubTypes.Type(value = WriteCommand.DeleteStep.class, name = "delete-step")
})
public sealed interface WriteCommand {
  /** Correlates the outcome with the waiting caller; unique per accepted statement. */
  String requestId();

  long tableId();

  /**
   * The id of the account whose rows this command touches (USER and STREAM tables), or null (SHARED
   * tables, the purge of a dropped table).
   */
  String owner();

  /**
   * Inserts rows; all or none: a duplicate primary key (in the table or inside the batch) fails the
   * whole command.
   *
   * @param rows rows encoded by {@link RowCodec} in table column order, defaults already filled
   */
  record InsertRows(String requestId, long tableId, String owner, List<byte[]> rows)
      implements WriteCommand {}

  /**
   * Updates the rows matching {@code where} (all rows of the owner, or of the SHARED table, when
   * null): each column of {@code setColumns} gets the value of the expression at the same index of
   * {@code setExpressions}, evaluated over the old row. Expressions and the predicate are SQL text
   * with literals only (no parameters, no non-deterministic functions).
   */
  record UpdateRows(
      String requestId,
      long tableId,
      String owner,
      String where,
      List<String> setColumns,
      List<String> setExpressions)
      implements WriteCommand {}

  /**
   * Deletes the rows matching {@code where} (all, when null). A DELETE that matches more rows than
   * one step may change (see the materializer's step limits) is applied in steps: the first step is
   * this command, each further step a {@link DeleteStep} that the materializer appends to the same
   * partition.
   */
  record DeleteRows(String requestId, long tableId, String owner, String where)
      implements WriteCommand {}

  /**
   * A further step of a {@link DeleteRows} too large for one step. Written by the materializer
   * itself, in the same transaction as the step before, to the partition of that step; never by a
   * node accepting a statement.
   *
   * @param maxSeq only row versions with {@code _seq <= maxSeq} are deleted: the rows that existed
   *     when the DELETE's first step was applied, so rows written by later statements are kept
   * @param deleted rows deleted by the steps before this one (the outcome reports the total)
   */
  record DeleteStep(
      String requestId, long tableId, String owner, String where, long maxSeq, long deleted)
      implements WriteCommand {}

  /**
   * Removes rows that nobody can read any more from the partition the command is written to: every
   * row of a dropped table ({@code owner} null; written to every partition of the table's write
   * topic), or one owner's rows of a table ({@code owner} set; written to that owner's partition
   * when the user is dropped). The materializer removes a bounded number of entries per step and
   * appends the same command again to the same partition while entries remain, so a purge of any
   * size never holds one transaction open for long, and a crash resumes it. Its outcome is reported
   * once, by the last step, and counts that step's rows only.
   */
  record PurgeTable(String requestId, long tableId, String owner) implements WriteCommand {}
}
