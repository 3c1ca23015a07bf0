package io.tributary.server.cli;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.api.v1.InitialRows;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.Row;
import java.util.Iterator;

/**
 * Runs one live statement ({@code SUBSCRIBE TO}, or a SELECT kept live, either also inside {@code
 * EXECUTE AS USER}) on LiveService.Subscribe and prints its events as they arrive, until {@code
 * limit} rows and changes were printed (snapshot rows, inserts, updates and deletes count;
 * Subscribed and Ready do not), the subscription fails, the server ends the stream, or {@link
 * #stop()} is called (Ctrl-C). The call is cancelled on the way out, so the server drops the
 * subscription at once.
 */
final class LiveRunner {
  private final ServerConnection connection;
  private final EventPrinter events;
  private final ResultPrinter errors;
  private volatile Context.CancellableContext call;
  private volatile boolean stopped;

  LiveRunner(ServerConnection connection, EventPrinter events, ResultPrinter errors) {
    this.connection = connection;
    this.events = events;
    this.errors = errors;
  }

  /**
   * Subscribes and prints until one of the ends above; blocks.
   *
   * @param limit how many rows and changes to print; {@link Long#MAX_VALUE} for no limit
   * @return OK at the limit, on {@link #stop()} or when the server ended the stream; FAILED when
   *     the subscription failed (a LiveError, or a rejected statement); FATAL when the server
   *     cannot be reached or refused the credentials
   */
  SqlSession.Result run(String sql, long limit) {
    boolean renewed = false;
    while (true) {
      Progress progress = new Progress(limit);
      try {
        return stream(sql, progress);
      } catch (StatusRuntimeException e) {
        if (stopped) {
          return SqlSession.Result.OK;
        }
        // A rejected token never started the subscription: renewing and retrying loses nothing.
        if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED
            && !progress.started
            && !renewed
            && connection.canRenew()) {
          renewed = true;
          try {
            connection.renewToken();
          } catch (CallFailure f) {
            errors.error(f.error());
            return SqlSession.Result.FATAL;
          }
          continue;
        }
        CallFailure failure = CallFailure.of(e, connection.url());
        errors.error(failure.error());
        return failure.fatal() ? SqlSession.Result.FATAL : SqlSession.Result.FAILED;
      }
    }
  }

  /** Ends a running {@link #run} (or the next one) as if the limit was reached; any thread. */
  void stop() {
    stopped = true;
    Context.CancellableContext current = call;
    if (current != null) {
      current.cancel(null);
    }
  }

  private SqlSession.Result stream(String sql, Progress progress) {
    Context.CancellableContext context = Context.current().withCancellation();
    call = context;
    if (stopped) {
      context.cancel(null);
      return SqlSession.Result.OK;
    }
    Context previous = context.attach();
    try {
      Iterator<LiveEvent> stream = connection.subscribe(sql);
      while (!progress.done() && stream.hasNext()) {
        LiveEvent event = stream.next();
        progress.started = true;
        if (!print(event, progress)) {
          return SqlSession.Result.FAILED;
        }
      }
      return SqlSession.Result.OK;
    } finally {
      context.detach(previous);
      context.cancel(null);
      call = null;
    }
  }

  /** Prints one event; false when it ended the subscription with an error. */
  private boolean print(LiveEvent event, Progress progress) {
    switch (event.getEventCase()) {
      case SUBSCRIBED -> events.subscribed(event.getSubscribed());
      case INITIAL_ROWS -> {
        InitialRows batch = event.getInitialRows();
        for (Row row : batch.getRowsList()) {
          if (progress.done()) {
            break;
          }
          events.snapshot(row);
          progress.count++;
        }
      }
      case READY -> events.ready(event.getReady().getSeq());
      case INSERT -> {
        events.insert(event.getInsert().getSeq(), event.getInsert().getRow());
        progress.count++;
      }
      case UPDATE -> {
        events.update(
            event.getUpdate().getSeq(),
            event.getUpdate().getOldRow(),
            event.getUpdate().getNewRow());
        progress.count++;
      }
      case DELETE -> {
        events.delete(event.getDelete().getSeq(), event.getDelete().getRow());
        progress.count++;
      }
      case ERROR -> {
        events.error(event.getError());
        return false;
      }
      default -> {
        // StreamOpened, Heartbeat: nothing to show
      }
    }
    return true;
  }

  /** What one call printed so far. */
  private static final class Progress {
    final long limit;
    long count;
    boolean started;

    Progress(long limit) {
      this.limit = limit;
    }

    boolean done() {
      return count >= limit;
    }
  }
}
