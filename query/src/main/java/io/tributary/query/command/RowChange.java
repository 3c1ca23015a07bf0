package io.tributary.query.command;

/**
 * One row-level change as the materializer emits it to the {@code changes} topic.
 *
 * @param seq the new row version's {@code _seq} ({@code offset << 16 | ordinal}); for a delete, the
 *     position of the deleting command
 * @param oldSeq the {@code _seq} of the previous version (update, delete); -1 for an insert, and
 *     for a change read from a record written before changes carried it (unknown)
 * @param oldRow the previous version encoded by {@link RowCodec} (update, delete), else null
 * @param newRow the new version (insert, update), else null
 */
public record RowChange(
    Kind kind, long tableId, String owner, long seq, long oldSeq, byte[] oldRow, byte[] newRow) {
  /** {@link #oldSeq} when there is no old version, or it is not known. */
  public static final long NO_SEQ = -1;

  public enum Kind {
    INSERT,
    UPDATE,
    DELETE
  }
}
