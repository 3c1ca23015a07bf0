package io.tributary.client;

import java.util.List;

/**
 * One event of a subscription as the server sent it, read from an {@link EventStream} ({@link
 * TributaryClient#stream}). Unlike a {@link SubscriptionListener}, which the SDK keeps resumed, an
 * event stream hands over exactly what arrives: the markers between snapshot and live changes, and
 * each change's {@code _seq}, for tools that show a subscription as it happens.
 *
 * <p>Order: {@link Subscribed}, zero or more {@link Snapshot} batches (the last with {@code last ==
 * true}), {@link Ready}, then {@link Insert}, {@link Update} and {@link Delete} in increasing
 * {@code _seq} order. A {@link Failed} event ends the stream. Every row holds the subscription's
 * columns, the last being {@code _seq}.
 */
public sealed interface LiveEvent {

  /**
   * The subscription was accepted.
   *
   * @param columns the subscription's columns: the table's (or a live SELECT's), then {@code _seq}
   * @param primaryKey the names of the primary key's columns
   * @param orderBy the ORDER BY of a live SELECT; empty for SUBSCRIBE and a SELECT without it
   */
  record Subscribed(List<Column> columns, List<String> primaryKey, List<SortKey> orderBy)
      implements LiveEvent {
    public Subscribed {
      columns = List.copyOf(columns);
      primaryKey = List.copyOf(primaryKey);
      orderBy = List.copyOf(orderBy);
    }
  }

  /**
   * One term of a live SELECT's ORDER BY.
   *
   * @param column the name of one of the subscription's columns
   * @param descending whether the term sorts descending
   * @param nullsFirst whether NULL sorts before every value (the server has applied the default)
   */
  record SortKey(String column, boolean descending, boolean nullsFirst) {}

  /**
   * A batch of the snapshot's rows.
   *
   * @param last whether this is the snapshot's last batch
   */
  record Snapshot(List<Row> rows, boolean last) implements LiveEvent {
    public Snapshot {
      rows = List.copyOf(rows);
    }
  }

  /** The snapshot is complete; every later change has a {@code _seq} above {@code seq}. */
  record Ready(long seq) implements LiveEvent {}

  /** A row now matches: it was inserted, or an update moved it into the filter. */
  record Insert(Row row, long seq) implements LiveEvent {}

  /** A matching row changed and still matches. */
  record Update(Row oldRow, Row newRow, long seq) implements LiveEvent {}

  /** A row no longer matches: it was deleted, or an update moved it out of the filter. */
  record Delete(Row row, long seq) implements LiveEvent {}

  /**
   * The subscription ended with a failure (for example {@code PERMISSION_DENIED} or {@code
   * SUBSCRIBER_TOO_SLOW}); no event follows.
   *
   * @param lastSeq the last {@code _seq} delivered, to resume from with {@code OPTIONS (from_seq =
   *     ...)}; -1 when the subscription cannot resume
   */
  record Failed(TributaryException error, long lastSeq) implements LiveEvent {}
}
