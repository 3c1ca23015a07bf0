package io.tributary.query.command;

/**
 * One row-level change as the materializer emits it to the {@code changes} topic.
 *
 * @param seq the new row version's {@code _seq} ({@code offset << 16 | ordinal}); for a delete, the
 *     position of the deleting command
 * @param oldRow the previous version encoded by {@link RowCodec} (update, delete), else null
 * @param newRow the new version (insert, update), else null
 */
public record RowChange(
    Kind kind, long tableId, String owner, long seq, byte[] oldRow, byte[] newRow) {
  public enum Kind {
    INSERT,
    UPDATE,
    DELETE
  }
}
