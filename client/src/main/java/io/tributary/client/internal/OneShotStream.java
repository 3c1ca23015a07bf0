package io.tributary.client.internal;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.SubscribeRequest;
import io.tributary.client.Column;
import io.tributary.client.EventStream;
import io.tributary.client.LiveEvent;
import io.tributary.client.Row;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An {@link EventStream} over one LiveService.Subscribe call. The call runs in a cancellable
 * context of its own, so that {@link #close()} can end it from any thread.
 */
final class OneShotStream implements EventStream {

  private final Context.CancellableContext context;
  private final Iterator<LiveEventBatch> batches;
  private Iterator<io.tributary.api.v1.LiveEvent> current = Collections.emptyIterator();
  private ColumnIndex columns = new ColumnIndex(List.of());
  private LiveEvent next;
  private boolean failed;
  private volatile boolean closed;

  private OneShotStream(Context.CancellableContext context, Iterator<LiveEventBatch> batches) {
    this.context = context;
    this.batches = batches;
  }

  /** Starts the call; its answer is read by {@link #hasNext()}. */
  static OneShotStream open(Channel channel, SubscribeRequest request) {
    Context.CancellableContext context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      return new OneShotStream(
          context, LiveServiceGrpc.newBlockingStub(channel).subscribe(request));
    } finally {
      context.detach(previous);
    }
  }

  @Override
  public boolean hasNext() {
    while (next == null && !closed && !failed) {
      try {
        while (!current.hasNext() && batches.hasNext()) {
          current = batches.next().getEventsList().iterator();
        }
      } catch (StatusRuntimeException e) {
        if (closed) {
          return false;
        }
        context.cancel(null);
        throw Errors.fromCall("subscribe", e);
      }
      if (!current.hasNext()) {
        context.cancel(null);
        return false;
      }
      next = decode(current.next());
    }
    return next != null && !closed;
  }

  @Override
  public LiveEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    LiveEvent event = next;
    next = null;
    return event;
  }

  /** The SDK's event for a protocol event; null for those a reader need not see. */
  private LiveEvent decode(io.tributary.api.v1.LiveEvent event) {
    switch (event.getEventCase()) {
      case SUBSCRIBED -> {
        io.tributary.api.v1.Subscribed subscribed = event.getSubscribed();
        List<Column> decoded = new ArrayList<>(subscribed.getColumnsCount());
        for (io.tributary.api.v1.Column column : subscribed.getColumnsList()) {
          decoded.add(new Column(column.getName(), column.getType(), column.getNullable()));
        }
        columns = new ColumnIndex(decoded);
        List<LiveEvent.SortKey> orderBy = new ArrayList<>(subscribed.getOrderByCount());
        for (io.tributary.api.v1.SortKey key : subscribed.getOrderByList()) {
          orderBy.add(
              new LiveEvent.SortKey(key.getColumn(), key.getDescending(), key.getNullsFirst()));
        }
        return new LiveEvent.Subscribed(decoded, subscribed.getPrimaryKeyList(), orderBy);
      }
      case INITIAL_ROWS -> {
        List<Row> rows = new ArrayList<>(event.getInitialRows().getRowsCount());
        for (io.tributary.api.v1.Row row : event.getInitialRows().getRowsList()) {
          rows.add(DecodedRow.decode(columns, row));
        }
        return new LiveEvent.Snapshot(rows, !event.getInitialRows().getHasMore());
      }
      case READY -> {
        return new LiveEvent.Ready(event.getReady().getSeq());
      }
      case INSERT -> {
        return new LiveEvent.Insert(
            DecodedRow.decode(columns, event.getInsert().getRow()), event.getInsert().getSeq());
      }
      case UPDATE -> {
        return new LiveEvent.Update(
            DecodedRow.decode(columns, event.getUpdate().getOldRow()),
            DecodedRow.decode(columns, event.getUpdate().getNewRow()),
            event.getUpdate().getSeq());
      }
      case DELETE -> {
        return new LiveEvent.Delete(
            DecodedRow.decode(columns, event.getDelete().getRow()), event.getDelete().getSeq());
      }
      case ERROR -> {
        failed = true;
        context.cancel(null);
        return new LiveEvent.Failed(
            Errors.fromStatementError(event.getError().getError()), event.getError().getLastSeq());
      }
      default -> {
        // StreamOpened, Heartbeat, and events newer than this SDK: nothing to hand over.
        return null;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    context.cancel(null);
  }
}
