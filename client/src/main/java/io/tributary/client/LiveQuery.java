package io.tributary.client;

import java.util.List;
import java.util.Optional;

/**
 * The current result of a live query opened by {@link TributaryClient#live}: the rows matching its
 * statement, kept up to date as changes arrive. Thread-safe.
 *
 * <p><b>Order.</b> The rows are keyed by the table's primary key and kept in the order the query's
 * SELECT would return them: by its {@code ORDER BY} (with {@code NULL} sorting as the largest value
 * unless {@code NULLS FIRST}/{@code NULLS LAST} says otherwise), ties broken by the primary key
 * ascending. Without {@code ORDER BY} (a {@code SUBSCRIBE TO}, or a SELECT without it) the rows are
 * in primary key order. An insert or update takes the row to its place in that order, wherever it
 * arrived from.
 *
 * <p><b>Consistency.</b> The rows change, and are handed to the callback, once when the snapshot is
 * complete and then once per change: one change may arrive as several events (in a {@code LIMIT}
 * window, the rows that leave, the updated row and the rows that enter share one {@code _seq}), and
 * the rows are only published after all of them, so every list is a result the query really had.
 *
 * <p><b>Columns.</b> Each row holds the subscription's columns: the table's (for {@code SUBSCRIBE
 * TO} and {@code SELECT *}) or the selected ones followed by the primary key and {@code ORDER BY}
 * columns not selected, then {@code _seq}, the position of the row's last change.
 */
public interface LiveQuery extends AutoCloseable {

  /**
   * The current rows: an immutable list, the same one last handed to the callback. Empty until the
   * snapshot is complete. After the live query ended it keeps the last rows.
   */
  List<Row> rows();

  /**
   * The failure that ended this live query, if one did. A failure is terminal: the rows stop
   * changing. Lost connections and slow-consumer disconnects are not failures; they are resumed.
   */
  Optional<TributaryException> failure();

  /** Ends the live query, as {@link Subscription#close()}. */
  @Override
  void close();
}
