package io.tributary.client;

import java.time.Duration;

/**
 * A consumer of a topic or a table's change feed in a consumer group, built by {@link
 * TributaryClient#consumer}: {@code client.consumer("chat.messages").group("assistant").run(r ->
 * ...)}.
 *
 * <p><b>Delivery.</b> At-least-once: a record is acknowledged only after the handler returned
 * normally for it (and for every record before it in its partition), so a consumer that stops or
 * dies has its unacknowledged records delivered again, to it or to another member of the group. A
 * handler that throws is retried {@link #retries} times with exponential backoff; a record that
 * still fails goes to the {@link #deadLetter} table, if one is set, with its origin (topic,
 * partition, offset) and the error, and is then acknowledged, so a poison record never blocks its
 * partition; without a dead-letter table the consumer stops with the handler's error.
 *
 * <p>A builder: each method returns this consumer; {@link #run} starts it. Not thread-safe until
 * running.
 */
public interface TopicConsumer {

  /** The consumer group (required). */
  TopicConsumer group(String group);

  /**
   * Where a group that never consumed starts: {@code EARLIEST} (default), {@code LATEST} or an
   * offset.
   */
  TopicConsumer from(String position);

  /** A WHERE condition over the source table's columns (see CONSUME in docs/sql.md). */
  TopicConsumer where(String condition);

  /**
   * How often a failing record is retried, and the first backoff (doubled after each attempt).
   * Defaults: 3 retries, 100 ms.
   */
  TopicConsumer retries(int retries, Duration backoff);

  /**
   * A table ({@code ns.name}) that receives records that still fail after their retries: it must
   * have the columns {@code id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID()}, {@code topic TEXT},
   * {@code partition INT}, {@code offset BIGINT}, {@code error TEXT} and {@code record JSON} (quote
   * {@code partition} and {@code offset}); a topic with it as its source makes it a dead-letter
   * topic.
   */
  TopicConsumer deadLetter(String table);

  /**
   * Starts consuming on a thread of its own; a stream that fails for a passing reason ({@code
   * UNAVAILABLE}, {@code TIMEOUT}, {@code INTERNAL}) is reopened (with backoff) until the returned
   * handle is closed, so is a stream whose ack failed for such a reason (the partition moved to
   * another member) when it does not end by itself within a second. A stream that ends with another
   * code (an account change: {@code PERMISSION_DENIED}, {@code UNAUTHENTICATED}; a dropped topic:
   * {@code TOPIC_NOT_FOUND}) stops the consumer with it ({@link Running#failure}), also when an ack
   * in flight failed first as retryable. An ack never moves the group's committed offset back
   * (docs/sql.md, "Topics and consumer groups").
   *
   * @throws IllegalStateException if no group was set
   */
  Running run(RecordHandler handler);

  /** Handles one record; throwing means it failed. */
  @FunctionalInterface
  interface RecordHandler {
    void handle(ConsumedRecord record) throws Exception;
  }

  /** A running consumer. */
  interface Running extends AutoCloseable {
    /** The error that stopped the consumer, if it stopped by itself. */
    java.util.Optional<Throwable> failure();

    /** Whether it still runs. */
    boolean isRunning();

    /** Stops consuming (records not yet acknowledged stay the group's). Waits for the thread. */
    @Override
    void close();
  }
}
