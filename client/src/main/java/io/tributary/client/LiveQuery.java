package io.tributary.client;

import java.util.List;
import java.util.Optional;

/**
 * The current result of a live query opened by {@link TributaryClient#live}: the rows matching its
 * statement, kept up to date as changes arrive. Thread-safe.
 *
 * <p>The rows are keyed by the table's primary key and listed <b>in the order they arrived</b>: the
 * snapshot's rows in the server's order, then each newly inserted row at the end. An update keeps
 * the row in its place (unless it changed the primary key: then the row moves to the end); a delete
 * removes it. Each row holds the table's columns followed by {@code _seq}, the position of the
 * row's last change.
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
