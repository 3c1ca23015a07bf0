package io.tributary.client.internal;

import io.tributary.api.v1.SortKey;
import io.tributary.client.Column;
import io.tributary.client.SubscriptionListener;
import java.util.List;

/**
 * A listener that keeps the result of its query (a live query) rather than reacting to each event:
 * it also learns the query's ORDER BY and where each change ends, since one change may make several
 * events (a live window: rows leaving, then the updated row, then rows entering), and the result
 * between them is one the query never had.
 */
interface ResultListener extends SubscriptionListener {

  /**
   * Takes the place of {@link #onSubscribed(List, List)}.
   *
   * @param orderBy the query's ORDER BY terms as the server resolved them; empty for none
   */
  void onSubscribed(List<Column> columns, List<String> primaryKey, List<SortKey> orderBy);

  /**
   * Every event of the change at {@code seq} has been delivered (to {@link #onInsert}, {@link
   * #onUpdate} and {@link #onDelete}); the next event belongs to another change, or to none.
   */
  void onChangeComplete(long seq);
}
