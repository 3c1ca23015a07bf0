package io.tributary.client;

import java.util.Iterator;

/**
 * The events of one subscription, read one by one as they arrive, opened by {@link
 * TributaryClient#stream}. The server cannot outrun the reader: it sends what the reader takes.
 *
 * <p>{@link #hasNext()} blocks until an event arrives or the stream ends. The stream ends after a
 * {@link LiveEvent.Failed} event, when the server ends it, or on {@link #close()}. A failure of the
 * call itself (the server cannot be reached, the token is refused, the statement is rejected)
 * throws {@link TributaryException} from {@link #hasNext()}. There is no resume: a lost connection
 * ends the stream with {@code UNAVAILABLE}.
 *
 * <p>One thread reads the stream; {@link #close()} may be called from any thread and makes a
 * blocked {@link #hasNext()} return false.
 */
public interface EventStream extends Iterator<LiveEvent>, AutoCloseable {

  /**
   * Whether another event arrived; blocks until one does or the stream ends.
   *
   * @throws TributaryException if the call failed (never after {@link #close()})
   */
  @Override
  boolean hasNext();

  /** Cancels the subscription's call: the server drops it at once. Idempotent, any thread. */
  @Override
  void close();
}
