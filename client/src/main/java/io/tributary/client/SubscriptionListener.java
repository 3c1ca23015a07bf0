package io.tributary.client;

import java.util.List;

/**
 * Receives the events of one subscription opened by {@link TributaryClient#subscribe}.
 *
 * <p><b>Threading.</b> All callbacks of all subscriptions of one client run on that client's single
 * listener thread, one at a time, in the order the server sent the events. A callback must return
 * promptly: while it runs, no other subscription of the client receives events, and a listener that
 * falls far behind makes the server drop the stream (the SDK then resumes it). A callback may call
 * {@link Subscription#close()} and may start other subscriptions. An exception thrown by a callback
 * is logged and otherwise ignored.
 *
 * <p><b>Order of events.</b> {@link #onSubscribed}, then the snapshot as zero or more {@link
 * #onSnapshot} batches (the last with {@code last == true}; none when the statement resumes with
 * {@code OPTIONS (from_seq = s)}), then {@link #onReady}, then changes in increasing {@code _seq}
 * order, each exactly once. Every row holds the table's columns followed by {@code _seq}.
 *
 * <p>A resume after a lost connection is invisible here: it continues with the next change, without
 * a gap or duplicate. Only when a connection was lost <em>before</em> {@link #onReady} does the
 * snapshot start over: the listener then receives {@link #onSubscribed} and the snapshot again, and
 * must discard the partial snapshot it had.
 */
public interface SubscriptionListener {

  /**
   * The subscription was accepted; a snapshot follows.
   *
   * @param columns the table's columns, then {@code _seq}
   * @param primaryKey the names of the primary key's columns
   */
  default void onSubscribed(List<Column> columns, List<String> primaryKey) {}

  /**
   * A batch of the snapshot's rows.
   *
   * @param last whether this is the snapshot's last batch
   */
  default void onSnapshot(List<Row> rows, boolean last) {}

  /**
   * The snapshot is complete; every later change has a {@code _seq} above {@code seq}, its
   * high-water mark.
   */
  default void onReady(long seq) {}

  /** A row now matches the subscription: it was inserted, or an update moved it into the filter. */
  void onInsert(Row row, long seq);

  /** A matching row changed and still matches. */
  void onUpdate(Row oldRow, Row newRow, long seq);

  /** A row no longer matches: it was deleted, or an update moved it out of the filter. */
  void onDelete(Row row, long seq);

  /**
   * The subscription ended with a failure it cannot resume from, for example {@code
   * PERMISSION_DENIED}, {@code UNAUTHENTICATED}, or {@code RESUME_POSITION_LOST} when the server no
   * longer holds the position to resume from (subscribe again to take a new snapshot). No callback
   * follows.
   */
  default void onError(TributaryException e) {}
}
