package io.tributary.cli;

import io.tributary.client.ErrorCode;
import io.tributary.client.EventStream;
import io.tributary.client.LiveEvent;
import io.tributary.client.Row;
import io.tributary.client.TributaryException;

/**
 * Runs one live statement ({@code SUBSCRIBE TO}, or a SELECT kept live, either also inside {@code
 * EXECUTE AS USER}) as an SDK {@link EventStream} and prints its events as they arrive, until
 * {@code limit} rows and changes were printed (snapshot rows, inserts, updates and deletes count;
 * Subscribed and Ready do not), the subscription fails, the server ends the stream, or {@link
 * #stop()} is called (Ctrl-C). The stream is closed on the way out, so the server drops the
 * subscription at once.
 */
final class LiveRunner {
  private final SqlSession session;
  private final EventPrinter events;
  private final ResultPrinter errors;
  private volatile EventStream current;
  private volatile boolean stopped;

  LiveRunner(SqlSession session, EventPrinter events, ResultPrinter errors) {
    this.session = session;
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
      } catch (TributaryException e) {
        if (stopped) {
          return SqlSession.Result.OK;
        }
        // A rejected token never started the subscription: renewing and retrying loses nothing.
        if (e.errorCode() == ErrorCode.UNAUTHENTICATED
            && !progress.started
            && !renewed
            && session.canRenew()) {
          renewed = true;
          try {
            session.renewToken();
          } catch (CallFailure f) {
            errors.error(f.problem());
            return SqlSession.Result.FATAL;
          }
          continue;
        }
        CallFailure failure = CallFailure.of(e, session.url());
        errors.error(failure.problem());
        return failure.fatal() ? SqlSession.Result.FATAL : SqlSession.Result.FAILED;
      }
    }
  }

  /** Ends a running {@link #run} (or the next one) as if the limit was reached; any thread. */
  void stop() {
    stopped = true;
    EventStream stream = current;
    if (stream != null) {
      stream.close();
    }
  }

  private SqlSession.Result stream(String sql, Progress progress) {
    EventStream stream = session.stream(sql);
    current = stream;
    try {
      if (stopped) {
        return SqlSession.Result.OK;
      }
      while (!progress.done() && stream.hasNext()) {
        LiveEvent event = stream.next();
        progress.started = true;
        if (!print(event, progress)) {
          return SqlSession.Result.FAILED;
        }
      }
      return SqlSession.Result.OK;
    } finally {
      stream.close();
      current = null;
    }
  }

  /** Prints one event; false when it ended the subscription with an error. */
  private boolean print(LiveEvent event, Progress progress) {
    if (event instanceof LiveEvent.Subscribed subscribed) {
      events.subscribed(subscribed);
    } else if (event instanceof LiveEvent.Snapshot snapshot) {
      for (Row row : snapshot.rows()) {
        if (progress.done()) {
          break;
        }
        events.snapshot(row);
        progress.count++;
      }
    } else if (event instanceof LiveEvent.Ready ready) {
      events.ready(ready.seq());
    } else if (event instanceof LiveEvent.Insert insert) {
      events.insert(insert.seq(), insert.row());
      progress.count++;
    } else if (event instanceof LiveEvent.Update update) {
      events.update(update.seq(), update.oldRow(), update.newRow());
      progress.count++;
    } else if (event instanceof LiveEvent.Delete delete) {
      events.delete(delete.seq(), delete.row());
      progress.count++;
    } else if (event instanceof LiveEvent.Failed failed) {
      events.error(failed);
      return false;
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
