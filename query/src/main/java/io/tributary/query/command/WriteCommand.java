package io.tributary.query.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tributary.query.expr.BoundExpression;
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
   * When the accepting node took the command and, for EXECUTE AS USER, who acted for whom; null in
   * a command read from a record written before commands carried it (and in a purge).
   */
  Accepted accepted();

  /** This command with {@code accepted} in place of its own (a purge stays as it is). */
  WriteCommand withAccepted(Accepted accepted);

  /**
   * The accepting node's part of a command: its clock when it accepted the statement (the time
   * STREAM table events count their TTL from), and the delegation of an EXECUTE AS USER.
   *
   * @param atMillis the accepting node's clock, epoch milliseconds
   * @param delegation who acted for whom, or null for a statement an account ran as itself
   */
  record Accepted(long atMillis, Delegation delegation) {
    /** The same, acted for another account. */
    public Accepted delegatedBy(Delegation d) {
      return new Accepted(atMillis, d);
    }
  }

  /**
   * An EXECUTE AS USER: the acting account ran the statement as the target account. Ids and the
   * names they had when the statement was accepted (an account may be dropped later; the audit
   * keeps what was true then).
   */
  record Delegation(String actorId, String actorName, String userId, String userName) {}

  /**
   * Inserts rows; all or none: a duplicate primary key (in the table or inside the batch) fails the
   * whole command.
   *
   * @param rows rows encoded by {@link RowCodec} in table column order, defaults already filled
   */
  record InsertRows(
      String requestId, long tableId, String owner, List<byte[]> rows, Accepted accepted)
      implements WriteCommand {
    public InsertRows(String requestId, long tableId, String owner, List<byte[]> rows) {
      this(requestId, tableId, owner, rows, null);
    }

    @Override
    public InsertRows withAccepted(Accepted a) {
      return new InsertRows(requestId, tableId, owner, rows, a);
    }
  }

  /**
   * Updates the rows matching the condition (all rows of the owner, or of the SHARED table, when
   * there is none): each column of {@code setColumns} gets the value of the expression at the same
   * index, evaluated over the old row.
   *
   * <p>A command made now carries bound expressions ({@code boundWhere}, {@code boundSet}; see
   * {@link BoundExpression}) and no SQL text. A command read from a record written before bound
   * expressions existed carries SQL text with literals only ({@code where}, {@code setExpressions})
   * and no bound expressions; it is compiled from that text, as it always was.
   */
  record UpdateRows(
      String requestId,
      long tableId,
      String owner,
      String where,
      List<String> setColumns,
      List<String> setExpressions,
      BoundExpression boundWhere,
      List<BoundExpression> boundSet,
      Accepted accepted)
      implements WriteCommand {
    public UpdateRows {
      if ((setExpressions == null) == (boundSet == null) || (where != null && boundSet != null)) {
        throw new IllegalArgumentException(
            "Cannot create UpdateRows: it needs either SQL text or bound expressions");
      }
    }

    /** A command with SQL text, as read from a record written before bound expressions. */
    public UpdateRows(
        String requestId,
        long tableId,
        String owner,
        String where,
        List<String> setColumns,
        List<String> setExpressions) {
      this(requestId, tableId, owner, where, setColumns, setExpressions, null, null, null);
    }

    public UpdateRows(
        String requestId,
        long tableId,
        String owner,
        String where,
        List<String> setColumns,
        List<String> setExpressions,
        BoundExpression boundWhere,
        List<BoundExpression> boundSet) {
      this(
          requestId, tableId, owner, where, setColumns, setExpressions, boundWhere, boundSet, null);
    }

    @Override
    public UpdateRows withAccepted(Accepted a) {
      return new UpdateRows(
          requestId, tableId, owner, where, setColumns, setExpressions, boundWhere, boundSet, a);
    }

    /** A command with bound expressions; {@code where} is null for every row. */
    public static UpdateRows bound(
        String requestId,
        long tableId,
        String owner,
        BoundExpression where,
        List<String> setColumns,
        List<BoundExpression> set) {
      return new UpdateRows(requestId, tableId, owner, null, setColumns, null, where, set);
    }
  }

  /**
   * Deletes the rows matching the condition (all, when there is none): {@code boundWhere} in a
   * command made now, {@code where} (SQL text) in one read from an older record (see {@link
   * UpdateRows}). A DELETE that matches more rows than one step may change (see the materializer's
   * step limits) is applied in steps: the first step is this command, each further step a {@link
   * DeleteStep} that the materializer appends to the same partition.
   */
  record DeleteRows(
      String requestId,
      long tableId,
      String owner,
      String where,
      BoundExpression boundWhere,
      Accepted accepted)
      implements WriteCommand {
    public DeleteRows {
      if (where != null && boundWhere != null) {
        throw new IllegalArgumentException(
            "Cannot create DeleteRows: it needs SQL text or a bound expression, not both");
      }
    }

    /** A command with SQL text, as read from a record written before bound expressions. */
    public DeleteRows(String requestId, long tableId, String owner, String where) {
      this(requestId, tableId, owner, where, null, null);
    }

    public DeleteRows(
        String requestId, long tableId, String owner, String where, BoundExpression boundWhere) {
      this(requestId, tableId, owner, where, boundWhere, null);
    }

    @Override
    public DeleteRows withAccepted(Accepted a) {
      return new DeleteRows(requestId, tableId, owner, where, boundWhere, a);
    }

    /** A command with a bound condition; {@code where} is null for every row. */
    public static DeleteRows bound(
        String requestId, long tableId, String owner, BoundExpression where) {
      return new DeleteRows(requestId, tableId, owner, null, where);
    }
  }

  /**
   * A further step of a {@link DeleteRows} too large for one step. Written by the materializer
   * itself, in the same transaction as the step before, to the partition of that step; never by a
   * node accepting a statement. It carries the condition of its DELETE in the same form (bound, or
   * SQL text for a DELETE read from an older record).
   *
   * @param maxSeq only row versions with {@code _seq <= maxSeq} are deleted: the rows that existed
   *     when the DELETE's first step was applied, so rows written by later statements are kept
   * @param deleted rows deleted by the steps before this one (the outcome reports the total)
   */
  record DeleteStep(
      String requestId,
      long tableId,
      String owner,
      String where,
      long maxSeq,
      long deleted,
      BoundExpression boundWhere,
      Accepted accepted)
      implements WriteCommand {
    public DeleteStep {
      if (where != null && boundWhere != null) {
        throw new IllegalArgumentException(
            "Cannot create DeleteStep: it needs SQL text or a bound expression, not both");
      }
    }

    /**
     * A step with SQL text: one of a DELETE read from a record written before bound expressions.
     */
    public DeleteStep(
        String requestId, long tableId, String owner, String where, long maxSeq, long deleted) {
      this(requestId, tableId, owner, where, maxSeq, deleted, null, null);
    }

    public DeleteStep(
        String requestId,
        long tableId,
        String owner,
        String where,
        long maxSeq,
        long deleted,
        BoundExpression boundWhere) {
      this(requestId, tableId, owner, where, maxSeq, deleted, boundWhere, null);
    }

    @Override
    public DeleteStep withAccepted(Accepted a) {
      return new DeleteStep(requestId, tableId, owner, where, maxSeq, deleted, boundWhere, a);
    }
  }

  /**
   * Removes rows that nobody can read any more from the partition the command is written to: every
   * row of a dropped table ({@code owner} null; written to every partition of the table's write
   * topic), or one owner's rows of a table ({@code owner} set; written to that owner's partition
   * when the user is dropped). The materializer removes a bounded number of entries per step and
   * appends the same command again to the same partition while entries remain, so a purge of any
   * size never holds one transaction open for long, and a crash resumes it. Its outcome is reported
   * once, by the last step, and counts that step's rows only.
   */
  record PurgeTable(String requestId, long tableId, String owner) implements WriteCommand {
    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public PurgeTable withAccepted(Accepted a) {
      return this;
    }
  }

  /**
   * Removes the events of STREAM tables whose TTL ran out at {@code cutoffMillis} or before, from
   * the partition the command is written to. Written by the materializer itself (its expiry
   * punctuator reads the clock, so applying the command does not): a bounded number of events per
   * step, each removal a DELETE change with the {@code _seq} of this command, and the same command
   * again while expired events remain. Nobody waits for its outcome.
   *
   * @param cutoffMillis events that expire at this time or before are removed
   */
  record ExpireRows(String requestId, long cutoffMillis) implements WriteCommand {
    @Override
    public long tableId() {
      return 0;
    }

    @Override
    public String owner() {
      return null;
    }

    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public ExpireRows withAccepted(Accepted a) {
      return this;
    }
  }

  /**
   * Drops flushed row versions from the hot tier of one range (one owner's rows of a USER table, or
   * a SHARED table), written by the flush job once the cold tier has committed them (DESIGN.md
   * section 7). Each entry names a primary key and the {@code _seq} of the version the flush wrote:
   * the row is removed only while the hot tier still holds exactly that version, so a row changed
   * after the flush read it stays. It changes no visible row (the cold tier now serves the removed
   * versions), so it emits no changes and moves no watermark. Idempotent: applying it twice removes
   * nothing the second time.
   *
   * @param entries each the version's {@code _seq} (8 bytes, big-endian) followed by its primary
   *     key encoded by {@link RowCodec} over the key columns' types
   */
  record EvictFlushed(String requestId, long tableId, String owner, List<byte[]> entries)
      implements WriteCommand {
    public EvictFlushed {
      entries = List.copyOf(entries);
    }

    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public EvictFlushed withAccepted(Accepted a) {
      return this;
    }

    /** One entry: a version's {@code _seq} and its encoded primary key. */
    public static byte[] entry(long seq, byte[] primaryKey) {
      return java.nio.ByteBuffer.allocate(Long.BYTES + primaryKey.length)
          .putLong(seq)
          .put(primaryKey)
          .array();
    }
  }

  /**
   * Marks every live row version of one range as bound for the cold tier, written by the flush job
   * before it reads the range (DESIGN.md section 7). A flush writes only marked versions; an UPDATE
   * keeps the mark, and a DELETE of a marked row leaves a tombstone that hides the row's cold
   * version. So a row a flush writes can never come back from the cold tier after a DELETE, however
   * the DELETE and the flush interleave. Changes no visible row: emits no changes, moves no
   * watermark.
   */
  record MarkCold(String requestId, long tableId, String owner) implements WriteCommand {
    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public MarkCold withAccepted(Accepted a) {
      return this;
    }
  }

  /**
   * Brings cold row versions back into one range of the hot tier, written by the node that accepts
   * an UPDATE, a DELETE or a colliding INSERT on a table with a cold tier, just before that write,
   * so that the materializer applies the write to them as to any hot row. A version is put back,
   * marked as having a cold version, only where the range holds no version of its key (a hot
   * version or tombstone is always newer). Changes no visible row: emits no changes, moves no
   * watermark.
   *
   * @param entries each the version's {@code _seq} (8 bytes, big-endian) followed by its row
   *     encoded by {@link RowCodec} in table column order
   */
  record RestoreRows(String requestId, long tableId, String owner, List<byte[]> entries)
      implements WriteCommand {
    public RestoreRows {
      entries = List.copyOf(entries);
    }

    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public RestoreRows withAccepted(Accepted a) {
      return this;
    }
  }

  /**
   * Phase one of a statement on a partitioned SHARED table that spans partitions (two-phase commit
   * through the log, docs/sql.md "Atomicity"): one per involved partition, all written in one Kafka
   * transaction. The partition's owner validates {@code piece} exactly as it would apply it; if it
   * would apply, it stores the piece's planned row versions as an intent and reserves their keys
   * (in the same atomic batch), emitting no change, and reports the number of rows the piece would
   * change; otherwise it reports the error and keeps nothing but, in the home partition, the
   * transaction's record. Nothing is visible before a {@link DecideTx} commits it.
   *
   * @param requestId {@code <txId>/<partition>}: the vote's outcome
   * @param txId the transaction (unique per statement)
   * @param participants the involved partitions in ascending order; the first is the home
   *     partition, where the decision is taken
   * @param deadlineMillis the coordinator's clock plus the transaction timeout: once the home
   *     partition's clock passes it without a decision, its owner appends an abort
   * @param piece the InsertRows, UpdateRows or DeleteRows for this partition's rows
   */
  record PrepareTx(
      String requestId,
      long tableId,
      String txId,
      List<Integer> participants,
      long deadlineMillis,
      WriteCommand piece)
      implements WriteCommand {
    public PrepareTx {
      participants = List.copyOf(participants);
    }

    @Override
    public String owner() {
      return null;
    }

    @Override
    public Accepted accepted() {
      return piece.accepted();
    }

    @Override
    public PrepareTx withAccepted(Accepted a) {
      return this;
    }

    /** The partition where the transaction is decided. */
    public int home() {
      return participants.get(0);
    }
  }

  /**
   * Phase two. In the home partition ({@code resolve} false) the first DecideTx of a transaction in
   * the log is its decision: written by the coordinator (commit once every piece was prepared,
   * abort otherwise) or by the home partition's owner when the deadline passed (abort); a later one
   * changes nothing. The home partition's owner applies the decision to its own piece and appends
   * it, with {@code resolve} true, to every other participant in the same Streams transaction;
   * there the owner applies it to its piece. Commit writes the reserved row versions with the
   * {@code _seq} of the DecideTx's own position, so subscribers see them at commit; abort drops
   * them. Either way the keys are released.
   *
   * @param requestId {@code <txId>/decide} (coordinator), {@code <txId>/expire} (deadline), or
   *     {@code <txId>/<partition>/resolve}
   */
  record DecideTx(
      String requestId,
      long tableId,
      String txId,
      boolean commit,
      List<Integer> participants,
      boolean resolve)
      implements WriteCommand {
    public DecideTx {
      participants = List.copyOf(participants);
    }

    @Override
    public String owner() {
      return null;
    }

    @Override
    public Accepted accepted() {
      return null;
    }

    @Override
    public DecideTx withAccepted(Accepted a) {
      return this;
    }
  }
}
