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
  @JsonSubTypes.Type(value = WriteCommand.PurgeTable.class, name = "purge")
})
public sealed interface WriteCommand {
  /** Correlates the outcome with the waiting caller; unique per accepted statement. */
  String requestId();

  long tableId();

  /** The user whose rows this command touches (USER tables), or null (SHARED tables, purge). */
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

  /** Deletes the rows matching {@code where} (all, when null). */
  record DeleteRows(String requestId, long tableId, String owner, String where)
      implements WriteCommand {}

  /**
   * Removes every row of a dropped table from the partition the command is written to. Written to
   * every partition of the write topic when a table is dropped.
   */
  record PurgeTable(String requestId, long tableId, String owner) implements WriteCommand {}
}
