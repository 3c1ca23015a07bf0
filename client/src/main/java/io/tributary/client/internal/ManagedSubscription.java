package io.tributary.client.internal;

import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.RowDelete;
import io.tributary.api.v1.RowInsert;
import io.tributary.api.v1.RowUpdate;
import io.tributary.api.v1.SortKey;
import io.tributary.api.v1.Subscribed;
import io.tributary.api.v1.Value;
import io.tributary.client.Column;
import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of a {@link LiveConnection}, across the incarnations it has on successive
 * streams: its statement, its position ({@code lastSeq}), and the calls of its listener.
 *
 * <p>Everything but {@link #close()}, {@link #id()} and {@link #lastSeq()} runs on the client's
 * listener thread, so the mutable fields below need no lock.
 */
final class ManagedSubscription implements Subscription {

  private static final Logger LOG = LoggerFactory.getLogger(ManagedSubscription.class);

  private final LiveConnection connection;
  private final String sql;
  private final List<Value> params;
  private final SubscriptionListener listener;
  private final boolean resnapshotsWhenPositionLost;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String id = "";
  private volatile long lastSeq = -1; // _seq values start at 0

  /** The last event handled was a change: an event with its _seq belongs to the same change. */
  private volatile boolean inChange;

  /**
   * The listener received events of the change at {@link #openSeq} and has not been told that it is
   * complete (a {@link ResultListener} is told).
   */
  private boolean changeOpen;

  private long openSeq;

  /** A snapshot completed (or a change arrived), so {@link #lastSeq} is a position to resume at. */
  private boolean positioned;

  /** The current incarnation was added with {@code from_seq}: it repeats no snapshot events. */
  private boolean resuming;

  /** The server lost our position: the next incarnation must take a snapshot, not resume. */
  private boolean positionLost;

  private ColumnIndex columns = new ColumnIndex(List.of());

  /**
   * The stream of the current incarnation, or null while there is none; owned by the connection.
   */
  Object boundTo;

  /** The add call in flight for this subscription, or null; owned by the connection. */
  Object pendingAdd;

  ManagedSubscription(
      LiveConnection connection,
      String sql,
      List<Value> params,
      SubscriptionListener listener,
      boolean resnapshotsWhenPositionLost) {
    this.connection = connection;
    this.sql = sql;
    this.params = List.copyOf(params);
    this.listener = listener;
    this.resnapshotsWhenPositionLost = resnapshotsWhenPositionLost;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      connection.remove(this);
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  List<Value> params() {
    return params;
  }

  boolean resnapshotsWhenPositionLost() {
    return resnapshotsWhenPositionLost;
  }

  /** The statement of the next incarnation: resuming after {@link #lastSeq} when positioned. */
  String nextStatement() {
    inChange = false; // the next incarnation starts after the last change, never inside it
    if (SubscribeSql.isWindow(sql) || lastSeq < 0) {
      // A live top-n window cannot resume; nor can a position before the first _seq (the range
      // had never changed): take a new snapshot.
      forgetPosition();
    }
    if (positioned) {
      resuming = true;
      return SubscribeSql.resumingAfter(sql, lastSeq);
    }
    resuming = false;
    return positionLost ? SubscribeSql.snapshotting(sql) : sql;
  }

  /** The server cannot resume at our position: take a new snapshot next time. */
  void forgetPosition() {
    positioned = false;
    positionLost = true;
  }

  /** The statement as the user gave it. */
  String statement() {
    return sql;
  }

  void bind(Object stream, String subscriptionId) {
    boundTo = stream;
    id = subscriptionId;
  }

  void unbind() {
    boundTo = null;
  }

  /** Decodes one event of this subscription (not an error) and calls the listener. */
  void handle(LiveEvent event) {
    boolean change = event.hasInsert() || event.hasUpdate() || event.hasDelete();
    if (!change) {
      inChange = false;
    }
    if (changeOpen && (!change || changeSeq(event) != openSeq)) {
      // Another change (or another kind of event) begins: the open one is complete.
      completeChange();
    }
    switch (event.getEventCase()) {
      case SUBSCRIBED -> subscribed(event.getSubscribed());
      case INITIAL_ROWS -> {
        if (resuming) {
          return;
        }
        List<Row> rows = new ArrayList<>(event.getInitialRows().getRowsCount());
        for (io.tributary.api.v1.Row row : event.getInitialRows().getRowsList()) {
          rows.add(DecodedRow.decode(columns, row));
        }
        boolean last = !event.getInitialRows().getHasMore();
        call(() -> listener.onSnapshot(List.copyOf(rows), last));
      }
      case READY -> {
        if (resuming) {
          return;
        }
        long seq = event.getReady().getSeq();
        advance(seq);
        call(() -> listener.onReady(seq));
      }
      case INSERT -> {
        RowInsert insert = event.getInsert();
        if (isNew(insert.getSeq())) {
          Row row = DecodedRow.decode(columns, insert.getRow());
          call(() -> listener.onInsert(row, insert.getSeq()));
          opened(insert.getSeq());
        }
      }
      case UPDATE -> {
        RowUpdate update = event.getUpdate();
        if (isNew(update.getSeq())) {
          Row oldRow = DecodedRow.decode(columns, update.getOldRow());
          Row newRow = DecodedRow.decode(columns, update.getNewRow());
          call(() -> listener.onUpdate(oldRow, newRow, update.getSeq()));
          opened(update.getSeq());
        }
      }
      case DELETE -> {
        RowDelete delete = event.getDelete();
        if (isNew(delete.getSeq())) {
          Row row = DecodedRow.decode(columns, delete.getRow());
          call(() -> listener.onDelete(row, delete.getSeq()));
          opened(delete.getSeq());
        }
      }
      default -> {
        // stream-level events and errors are the connection's
      }
    }
  }

  /**
   * The events of this subscription in one message of the stream were all handled. The server never
   * splits the events of one change across messages, so a change still open is complete.
   */
  void endOfMessage() {
    if (changeOpen) {
      completeChange();
    }
  }

  private static long changeSeq(LiveEvent event) {
    return switch (event.getEventCase()) {
      case INSERT -> event.getInsert().getSeq();
      case UPDATE -> event.getUpdate().getSeq();
      case DELETE -> event.getDelete().getSeq();
      default -> -1;
    };
  }

  private void opened(long seq) {
    changeOpen = true;
    openSeq = seq;
  }

  private void completeChange() {
    changeOpen = false;
    if (listener instanceof ResultListener result) {
      long seq = openSeq;
      call(() -> result.onChangeComplete(seq));
    }
  }

  private void subscribed(Subscribed subscribed) {
    List<Column> decoded = new ArrayList<>(subscribed.getColumnsCount());
    for (io.tributary.api.v1.Column column : subscribed.getColumnsList()) {
      decoded.add(new Column(column.getName(), column.getType(), column.getNullable()));
    }
    columns = new ColumnIndex(decoded);
    if (resuming) {
      return;
    }
    List<Column> columnList = columns.columns();
    List<String> primaryKey = List.copyOf(subscribed.getPrimaryKeyList());
    if (listener instanceof ResultListener result) {
      List<SortKey> orderBy = List.copyOf(subscribed.getOrderByList());
      call(() -> result.onSubscribed(columnList, primaryKey, orderBy));
    } else {
      call(() -> listener.onSubscribed(columnList, primaryKey));
    }
  }

  /**
   * Whether an event is past our position. One change may make several events with the same {@code
   * _seq}, sent together (a live top-n window: rows leaving, then entering); they are all new when
   * the change is. An event at or before the position otherwise was delivered already.
   */
  private boolean isNew(long seq) {
    if (positioned && (seq < lastSeq || (seq == lastSeq && !inChange))) {
      LOG.debug("Subscription {}: dropping the repeated change at _seq {}", id, seq);
      return false;
    }
    advance(seq);
    inChange = true;
    return true;
  }

  private void advance(long seq) {
    positioned = true;
    positionLost = false;
    lastSeq = Math.max(lastSeq, seq);
  }

  /** Ends the subscription with a failure it cannot resume from. */
  void fail(TributaryException failure) {
    LOG.debug("Subscription {} ended: {}", id, failure.toString());
    call(() -> listener.onError(failure));
  }

  /** Calls the listener unless the subscription was closed; a throwing listener is logged. */
  private void call(Runnable callback) {
    if (closed.get()) {
      return;
    }
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.warn("The listener of subscription {} failed on an event; going on", id, e);
    }
  }

  @Override
  public String toString() {
    return "Subscription[id=" + id + ", lastSeq=" + lastSeq + "]";
  }
}
