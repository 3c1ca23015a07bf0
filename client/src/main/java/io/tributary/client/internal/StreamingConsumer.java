package io.tributary.client.internal;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AckRequest;
import io.tributary.api.v1.AckResponse;
import io.tributary.api.v1.ConsumeBatch;
import io.tributary.api.v1.ConsumeRequest;
import io.tributary.api.v1.ConsumeServiceGrpc;
import io.tributary.client.ConsumedRecord;
import io.tributary.client.ErrorCode;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TopicConsumer}: one {@code ConsumeService/Consume} stream per run, acks by {@code
 * ConsumeService/Ack} after each batch's records were handled (the highest handled offset of each
 * partition), retries with exponential backoff, dead-lettering by INSERT.
 */
final class StreamingConsumer implements TopicConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingConsumer.class);
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");
  private static final Duration MAX_RECONNECT_BACKOFF = Duration.ofSeconds(5);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** How long a stopping consumer waits for the acks of the records it handled. */
  private static final Duration ACK_DRAIN = Duration.ofSeconds(5);

  /**
   * How long a stream whose ack failed with a retryable error may still end by itself before it is
   * cancelled and reopened: a stream ended by the server (an account change, a dropped topic)
   * closes its member first, so an ack in flight fails as retryable ("the member left") just before
   * the stream's own final code arrives, which must win.
   */
  static final Duration ACK_FAILURE_GRACE = Duration.ofSeconds(1);

  /** Cancels the streams whose grace after a failed ack ran out. */
  private static final ScheduledExecutorService GRACE =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tributary-consumer-grace");
            t.setDaemon(true);
            return t;
          });

  private final TributaryClient client;
  private final Channel channel;
  private final String name;
  private String group;
  private String from;
  private String where;
  private int retries = 3;
  private Duration backoff = Duration.ofMillis(100);
  private String deadLetter;

  private final java.util.function.BooleanSupplier clientClosed;

  StreamingConsumer(
      TributaryClient client,
      Channel channel,
      String name,
      java.util.function.BooleanSupplier clientClosed) {
    requireName(name, "consume");
    this.clientClosed = clientClosed;
    this.client = client;
    this.channel = channel;
    this.name = name;
  }

  private static void requireName(String name, String action) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Cannot " + action + " '" + name + "': expected namespace.name");
    }
  }

  @Override
  public TopicConsumer group(String group) {
    this.group = Objects.requireNonNull(group, "group");
    return this;
  }

  @Override
  public TopicConsumer from(String position) {
    this.from = Objects.requireNonNull(position, "position");
    return this;
  }

  @Override
  public TopicConsumer where(String condition) {
    this.where = Objects.requireNonNull(condition, "condition");
    return this;
  }

  @Override
  public TopicConsumer retries(int retries, Duration backoff) {
    if (retries < 0 || backoff.isNegative()) {
      throw new IllegalArgumentException("Cannot retry " + retries + " times after " + backoff);
    }
    this.retries = retries;
    this.backoff = backoff;
    return this;
  }

  @Override
  public TopicConsumer deadLetter(String table) {
    requireName(table, "dead-letter into");
    this.deadLetter = table;
    return this;
  }

  @Override
  public Running run(RecordHandler handler) {
    Objects.requireNonNull(handler, "handler");
    if (group == null) {
      throw new IllegalStateException("Cannot run a consumer of " + name + ": set its group");
    }
    String sql =
        "CONSUME FROM "
            + name
            + (where == null ? "" : " WHERE " + where)
            + " GROUP '"
            + group.replace("'", "''")
            + "'"
            + (from == null ? "" : " FROM " + from);
    Worker worker = new Worker(sql, handler);
    Thread thread = new Thread(worker, "tributary-consumer-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    worker.thread = thread;
    thread.start();
    return worker;
  }

  private final class Worker implements Running, Runnable {
    private final String sql;
    private final RecordHandler handler;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Throwable failure;
    private volatile Context.CancellableContext call;
    private Thread thread;

    /**
     * The acks not sent yet: the highest handled offset per partition (guarded by itself). At most
     * one ack is in flight; those handled meanwhile are merged and sent after it, so the handler
     * never waits for an ack and the acks of a partition reach the server in order.
     */
    private final Map<Integer, Long> toAck = new LinkedHashMap<>();

    private boolean acking;

    /** The failure of an ack, which ends the stream it was sent on like a failure of the stream. */
    private volatile StatusRuntimeException ackFailure;

    Worker(String sql, RecordHandler handler) {
      this.sql = sql;
      this.handler = handler;
    }

    @Override
    public void run() {
      Duration wait = Duration.ofMillis(100);
      try {
        while (!closing) {
          Context.CancellableContext context = Context.current().withCancellation();
          call = context;
          try {
            context.run(this::stream);
            wait = Duration.ofMillis(100);
          } catch (StatusRuntimeException streamFailure) {
            StatusRuntimeException failedAck = ackFailure;
            ackFailure = null;
            if (closing || clientClosed.getAsBoolean()) {
              break;
            }
            // The stream's own end code is final (the account changed, the topic was dropped):
            // it wins over a retryable failure of an ack that was in flight when the server ended
            // the stream. Otherwise a failed ack decides (the stream was cancelled for it).
            TributaryException t = Errors.fromCall("consume " + name, streamFailure);
            if (retryable(t) && failedAck != null) {
              t = Errors.fromCall("consume " + name, failedAck);
            }
            if (!retryable(t)) {
              failure = t;
              return;
            }
            LOG.warn("The consume stream of {} failed ({}); reopening", name, t.getMessage());
            pause(wait);
            wait =
                wait.multipliedBy(2).compareTo(MAX_RECONNECT_BACKOFF) > 0
                    ? MAX_RECONNECT_BACKOFF
                    : wait.multipliedBy(2);
          } finally {
            context.cancel(null);
          }
        }
      } catch (HandlerFailed e) {
        failure = e.getCause();
      } catch (RuntimeException e) {
        if (!closing) {
          failure = e;
        }
      } finally {
        awaitAcks(ACK_DRAIN);
        stopped.countDown();
      }
    }

    private void stream() {
      Iterator<ConsumeBatch> batches =
          ConsumeServiceGrpc.newBlockingStub(channel)
              .consume(ConsumeRequest.newBuilder().setSql(sql).build());
      while (!closing && batches.hasNext()) {
        ConsumeBatch batch = batches.next();
        if (ackFailure != null) {
          // An ack failed: this stream ends (by itself, or cancelled after ACK_FAILURE_GRACE);
          // its records are not handled, the group delivers them again.
          continue;
        }
        Map<Integer, Long> handled = new LinkedHashMap<>();
        for (io.tributary.api.v1.ConsumedRecord r : batch.getRecordsList()) {
          if (closing || ackFailure != null) {
            break;
          }
          ConsumedRecord record = decode(r);
          // Not in the stream's context: the handler's calls (and the dead-letter insert) must not
          // fail because the stream is being cancelled (a failed ack, closing).
          Context.ROOT.run(() -> handle(record));
          handled.put(r.getPartition(), r.getOffset());
        }
        if (closing) {
          return; // unacknowledged: the group delivers them again
        }
        if (ackFailure == null) {
          ack(handled);
        }
      }
      throwFailedAck();
    }

    private void throwFailedAck() {
      StatusRuntimeException e = ackFailure;
      if (e != null) {
        throw e;
      }
    }

    /** Queues the acks of a handled batch and sends them unless an ack is in flight. */
    private void ack(Map<Integer, Long> handled) {
      synchronized (toAck) {
        handled.forEach((p, o) -> toAck.merge(p, o, Math::max));
        if (acking) {
          return;
        }
        acking = true;
      }
      sendNextAck();
    }

    private void sendNextAck() {
      AckRequest request;
      synchronized (toAck) {
        Iterator<Map.Entry<Integer, Long>> it = toAck.entrySet().iterator();
        if (!it.hasNext()) {
          acking = false;
          toAck.notifyAll();
          return;
        }
        Map.Entry<Integer, Long> next = it.next();
        it.remove();
        request =
            AckRequest.newBuilder()
                .setTopic(name)
                .setGroup(group)
                .setPartition(next.getKey())
                .setOffset(next.getValue())
                .build();
      }
      // Not in the stream's context: an ack of handled records completes even when the stream
      // is cancelled (closing, reopening).
      Context.ROOT.run(
          () ->
              ConsumeServiceGrpc.newStub(channel)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .ack(
                      request,
                      new StreamObserver<>() {
                        @Override
                        public void onNext(AckResponse value) {}

                        @Override
                        public void onError(Throwable t) {
                          ackFailed(t);
                        }

                        @Override
                        public void onCompleted() {
                          sendNextAck();
                        }
                      }));
    }

    /**
     * Drops the acks not sent (their records come again) and ends the stream with the error: the
     * worker reopens it when the error is retryable (the group delivers the unacknowledged records
     * again), the handler's calls are not affected (they run outside the stream's context).
     */
    private void ackFailed(Throwable t) {
      synchronized (toAck) {
        toAck.clear();
        acking = false;
        toAck.notifyAll();
      }
      StatusRuntimeException failed =
          t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
      ackFailure = failed;
      Context.CancellableContext c = call;
      if (c == null) {
        return;
      }
      if (retryable(Errors.fromCall("ack " + name, failed))) {
        // Give the stream a moment to end with its own code (see ACK_FAILURE_GRACE).
        GRACE.schedule(() -> c.cancel(t), ACK_FAILURE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        c.cancel(t);
      }
    }

    /** Waits (at most {@code max}) until the acks of handled records were sent. */
    private void awaitAcks(Duration max) {
      long deadline = System.nanoTime() + max.toNanos();
      synchronized (toAck) {
        while (acking) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(toAck, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }

    private void handle(ConsumedRecord record) {
      Duration wait = backoff;
      Exception last = null;
      for (int attempt = 0; attempt <= retries && !closing; attempt++) {
        try {
          handler.handle(record);
          return;
        } catch (Exception e) {
          last = e;
          if (attempt < retries) {
            pause(wait);
            wait = wait.multipliedBy(2);
          }
        }
      }
      if (closing) {
        throw new HandlerFailed(new IllegalStateException("closed while retrying"));
      }
      if (deadLetter == null) {
        throw new HandlerFailed(last);
      }
      client.update(
          "INSERT INTO "
              + deadLetter
              + " (topic, `partition`, `offset`, error, record) VALUES ($1, $2, $3, $4, $5)",
          record.topic(),
          record.partition(),
          record.offset(),
          String.valueOf(last),
          json(record));
    }

    private void pause(Duration d) {
      try {
        Thread.sleep(d.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HandlerFailed(e);
      }
    }

    @Override
    public Optional<Throwable> failure() {
      return Optional.ofNullable(failure);
    }

    @Override
    public boolean isRunning() {
      return stopped.getCount() > 0;
    }

    @Override
    public void close() {
      closing = true;
      Context.CancellableContext c = call;
      if (c != null) {
        c.cancel(null);
      }
      if (Thread.currentThread() != thread) {
        try {
          stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * Whether a failure of a stream or an ack lets the consumer reopen its stream. An ack that ran
   * out of its deadline is retryable too (as in sdk-ts): its records come again from the group.
   */
  static boolean retryable(TributaryException t) {
    return t.errorCode() == ErrorCode.UNAVAILABLE
        || t.errorCode() == ErrorCode.TIMEOUT
        || t.errorCode() == ErrorCode.DEADLINE_EXCEEDED
        || t.errorCode() == ErrorCode.INTERNAL;
  }

  private static final class HandlerFailed extends RuntimeException {
    HandlerFailed(Throwable cause) {
      super(cause);
    }
  }

  private static ConsumedRecord decode(io.tributary.api.v1.ConsumedRecord r) {
    return new ConsumedRecord(
        r.getTopic(),
        r.getPartition(),
        r.getOffset(),
        r.getOwner().isEmpty() ? null : r.getOwner(),
        r.getOperation(),
        r.getTable(),
        r.getRowJson().isEmpty() ? null : r.getRowJson(),
        r.getOldRowJson().isEmpty() ? null : r.getOldRowJson(),
        r.getSeq(),
        r.getTimestampMillis() == 0 ? null : Instant.ofEpochMilli(r.getTimestampMillis()));
  }

  /** The record as a JSON object, for the dead-letter table. */
  static String json(ConsumedRecord r) {
    return "{\"topic\":"
        + quote(r.topic())
        + ",\"partition\":"
        + r.partition()
        + ",\"offset\":"
        + r.offset()
        + ",\"owner\":"
        + quote(r.owner())
        + ",\"operation\":"
        + quote(r.operation())
        + ",\"table\":"
        + quote(r.table())
        + ",\"row\":"
        + (r.row() == null ? "null" : r.row())
        + ",\"old_row\":"
        + (r.oldRow() == null ? "null" : r.oldRow())
        + ",\"_seq\":"
        + r.seq()
        + "}";
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
