package io.tributary.client.internal;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.LiveError;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.api.v1.RemoveSubscriptionRequest;
import io.tributary.api.v1.RemoveSubscriptionResponse;
import io.tributary.api.v1.Value;
import io.tributary.client.ErrorCode;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live side of one client: a single {@code OpenStream} event stream that carries all of the
 * client's subscriptions, opened by the first subscription, reopened with backoff when it fails.
 *
 * <p><b>Threading.</b> One thread, the <em>listener thread</em>, owns all state below that is not
 * atomic or volatile: gRPC callbacks only hand events over to it (they never block), and it both
 * routes events and calls the listeners, in stream order. Inbound flow control ties the two
 * together: the stream asks the server for a window of {@code window} messages (each a batch of
 * events) and for one more each time the listener thread has handled one, so a slow listener makes
 * the server's bounded queue fill up (and the server drop the stream with {@code
 * SUBSCRIBER_TOO_SLOW}, which resumes) instead of growing memory here.
 *
 * <p><b>Ids.</b> The server names each incarnation of a subscription. Its events may arrive before
 * the response to the AddSubscription that created it; such events are held in {@link #unclaimed}
 * while an add is in flight and handed over when the response arrives.
 */
final class LiveConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveConnection.class);

  /** How long close() waits for a callback that is running. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * Settings of the live side.
   *
   * @param backoff the waits between attempts to reopen a failed stream
   * @param scheduler runs the waits, or null for the listener thread's own timer
   * @param window how many messages (batches of events) the stream may have in flight to the client
   */
  record Options(Backoff backoff, LiveScheduler scheduler, int window) {
    static final Options DEFAULT = new Options(Backoff.DEFAULT, null, 64);
  }

  private final LiveServiceGrpc.LiveServiceStub async;
  private final LiveServiceGrpc.LiveServiceBlockingStub blocking;
  private final long callTimeoutNanos;
  private final Backoff backoff;
  private final int window;
  private final ScheduledThreadPoolExecutor listenerThread;
  private final LiveScheduler scheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger addsInFlight = new AtomicInteger();
  private volatile Thread thread;

  // Confined to the listener thread:
  private Stream current;
  private Runnable cancelReconnect;
  private int failures;
  private final Set<ManagedSubscription> subscriptions = new LinkedHashSet<>();
  private final Map<String, ManagedSubscription> byId = new HashMap<>();
  private final Map<String, List<LiveEvent>> unclaimed = new HashMap<>();

  /** The subscriptions that received events of the message being handled. */
  private final List<ManagedSubscription> touched = new ArrayList<>();

  LiveConnection(Channel channel, Duration callTimeout, Options options) {
    this.async = LiveServiceGrpc.newStub(channel);
    this.blocking = LiveServiceGrpc.newBlockingStub(channel);
    this.callTimeoutNanos = callTimeout.toNanos();
    this.backoff = options.backoff();
    this.window = options.window();
    this.listenerThread =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "tributary-live-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              thread = t;
              return t;
            });
    listenerThread.setRemoveOnCancelPolicy(true);
    listenerThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.scheduler =
        options.scheduler() != null
            ? options.scheduler()
            : (task, delay) -> {
              ScheduledFuture<?> f =
                  listenerThread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
              return () -> f.cancel(false);
            };
  }

  /**
   * Adds a subscription, opening the stream first if need be, and returns once the server accepted
   * it. See {@link io.tributary.client.TributaryClient#subscribe}.
   */
  ManagedSubscription subscribe(
      String sql, List<Value> params, SubscriptionListener listener, boolean resnapshots) {
    String action = "subscribe";
    long deadline = System.nanoTime() + callTimeoutNanos;
    Stream stream = onListenerThreadAndWait(this::ensureStream);
    String streamId = await(stream.opened, deadline, action);
    ManagedSubscription subscription =
        new ManagedSubscription(this, sql, params, listener, resnapshots);
    addsInFlight.incrementAndGet();
    AddSubscriptionResponse response;
    try {
      response =
          blocking
              .withDeadlineAfter(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)
              .addSubscription(addRequest(streamId, sql, params));
    } catch (StatusRuntimeException e) {
      onListenerThread(this::addSettled);
      throw Errors.fromCall(action, e);
    }
    String id = response.getSubscriptionId();
    subscription.bind(null, id);
    onListenerThread(
        () -> {
          register(subscription, stream, id);
          addSettled();
        });
    return subscription;
  }

  /** Ends a subscription: forgets it and asks the server to remove it. */
  void remove(ManagedSubscription subscription) {
    onListenerThread(
        () -> {
          subscriptions.remove(subscription);
          Stream stream = current;
          if (stream != null && subscription.boundTo == stream) {
            byId.remove(subscription.id());
            removeOnServer(stream, subscription.id());
          }
          subscription.unbind();
        });
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Runnable shutdown =
        () -> {
          if (current != null) {
            current.cancel("the client was closed");
            current = null;
          }
          if (cancelReconnect != null) {
            cancelReconnect.run();
            cancelReconnect = null;
          }
          subscriptions.clear();
          byId.clear();
          unclaimed.clear();
        };
    if (Thread.currentThread() == thread) {
      shutdown.run();
      listenerThread.shutdown();
      return;
    }
    try {
      listenerThread.execute(shutdown);
    } catch (RejectedExecutionException e) {
      // already shut down
    }
    listenerThread.shutdown();
    try {
      if (!listenerThread.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("A subscription listener still runs {} after close", CLOSE_GRACE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- stream lifecycle (listener thread) ----

  private Stream ensureStream() {
    if (closed.get()) {
      throw new IllegalStateException("Cannot subscribe: the client is closed");
    }
    if (current == null) {
      if (cancelReconnect != null) {
        cancelReconnect.run();
        cancelReconnect = null;
      }
      startStream();
    }
    return current;
  }

  private void startStream() {
    Stream stream = new Stream();
    current = stream;
    async.openStream(OpenStreamRequest.getDefaultInstance(), stream);
    // A stream that never says StreamOpened (a half-open connection) must not hang a resume.
    listenerThread.schedule(
        () -> {
          if (stream == current && stream.id == null) {
            streamFailed(
                stream,
                new TributaryException(
                    TributaryException.DEADLINE_EXCEEDED,
                    "Cannot open the live stream: no answer in time"),
                true);
          }
        },
        callTimeoutNanos,
        TimeUnit.NANOSECONDS);
  }

  private void streamOpened(Stream stream, String streamId) {
    stream.id = streamId;
    failures = 0;
    LOG.debug("Live stream {} opened", streamId);
    for (ManagedSubscription subscription : subscriptions) {
      if (subscription.boundTo == null && subscription.pendingAdd == null) {
        add(subscription, stream);
      }
    }
  }

  /** The stream ended or broke: resume every subscription on a new one, or end them all. */
  private void streamFailed(Stream stream, TributaryException failure, boolean transientFailure) {
    if (stream != current) {
      return;
    }
    current = null;
    stream.cancel("the live stream failed");
    byId.clear();
    unclaimed.clear();
    for (ManagedSubscription subscription : subscriptions) {
      subscription.unbind();
      subscription.pendingAdd = null;
    }
    if (transientFailure) {
      if (!subscriptions.isEmpty()) {
        LOG.info(
            "Live stream lost ({}); resuming {} subscriptions",
            failure.getMessage(),
            subscriptions.size());
        scheduleReconnect();
      }
      return;
    }
    LOG.warn("Live stream failed for good: {}", failure.toString());
    for (ManagedSubscription subscription : List.copyOf(subscriptions)) {
      end(subscription, failure);
    }
  }

  private void scheduleReconnect() {
    if (closed.get() || current != null || cancelReconnect != null) {
      return;
    }
    Duration delay = backoff.delay(failures++);
    LOG.debug("Reopening the live stream in {}", delay);
    cancelReconnect = scheduler.schedule(() -> onListenerThread(this::reconnect), delay);
  }

  private void reconnect() {
    cancelReconnect = null;
    if (closed.get() || current != null || subscriptions.isEmpty()) {
      return;
    }
    startStream();
  }

  // ---- events (listener thread) ----

  private void handle(Stream stream, LiveEvent event) {
    if (closed.get() || stream != current) {
      return;
    }
    switch (event.getEventCase()) {
      case OPENED -> streamOpened(stream, event.getOpened().getStreamId());
      case HEARTBEAT, EVENT_NOT_SET -> {
        // keeps the connection alive; nothing to do
      }
      default -> {
        String id = event.getSubscriptionId();
        if (id.isEmpty()) {
          if (event.hasError()) {
            streamError(stream, event.getError());
          }
          return;
        }
        ManagedSubscription subscription = byId.get(id);
        if (subscription != null) {
          deliver(subscription, event);
        } else if (addsInFlight.get() > 0) {
          unclaimed.computeIfAbsent(id, k -> new ArrayList<>()).add(event);
        }
        // else: an event of a subscription already removed
      }
    }
  }

  private void deliver(ManagedSubscription subscription, LiveEvent event) {
    if (event.hasError()) {
      subscription.endOfMessage(); // a change before the error is complete
      subscriptionError(subscription, event.getError());
    } else {
      if (touched.isEmpty() || touched.get(touched.size() - 1) != subscription) {
        touched.add(subscription);
      }
      subscription.handle(event);
    }
  }

  /**
   * A message of the stream was handled: the changes it held are complete, since the server sends
   * all events of one change in one message.
   */
  private void endOfMessage() {
    for (ManagedSubscription subscription : touched) {
      subscription.endOfMessage();
    }
    touched.clear();
  }

  /** A stream-level LiveError ends the whole stream. */
  private void streamError(Stream stream, LiveError error) {
    TributaryException failure = Errors.fromStatementError(error.getError());
    ErrorCode code = failure.errorCode();
    boolean resumable = code == ErrorCode.SUBSCRIBER_TOO_SLOW || code == ErrorCode.UNAVAILABLE;
    streamFailed(stream, failure, resumable);
  }

  /** A LiveError of one subscription ended its incarnation: resume it, or end it. */
  private void subscriptionError(ManagedSubscription subscription, LiveError error) {
    byId.remove(subscription.id());
    subscription.unbind();
    TributaryException failure = Errors.fromStatementError(error.getError());
    if (failure.errorCode() == ErrorCode.SUBSCRIBER_TOO_SLOW
        || failure.errorCode() == ErrorCode.SCHEMA_CHANGED) {
      LOG.info(
          "Subscription {} {}; resuming at _seq {}",
          subscription.id(),
          failure.errorCode() == ErrorCode.SCHEMA_CHANGED ? "saw its table altered" : "fell behind",
          subscription.lastSeq());
      add(subscription, current);
    } else if (failure.errorCode() == ErrorCode.RESUME_POSITION_LOST
        && subscription.resnapshotsWhenPositionLost()) {
      subscription.forgetPosition();
      add(subscription, current);
    } else {
      end(subscription, failure);
    }
  }

  private void end(ManagedSubscription subscription, TributaryException failure) {
    if (!subscriptions.remove(subscription)) {
      return;
    }
    if (subscription.boundTo == current) {
      byId.remove(subscription.id());
    }
    subscription.unbind();
    subscription.fail(failure);
  }

  // ---- adding and removing (listener thread) ----

  /** A subscription added by {@link #subscribe} on {@code stream}, from the listener thread. */
  private void register(ManagedSubscription subscription, Stream stream, String id) {
    if (closed.get()) {
      return;
    }
    if (subscription.isClosed()) {
      if (stream == current) {
        removeOnServer(stream, id);
      }
      return;
    }
    subscriptions.add(subscription);
    if (stream == current) {
      bind(subscription, stream, id);
    } else if (current == null) {
      scheduleReconnect();
    } else if (current.id != null) {
      add(subscription, current);
    }
    // else: the stream being opened adds it once open
  }

  /** Adds a subscription to the open {@code stream} asynchronously, resuming where it was. */
  private void add(ManagedSubscription subscription, Stream stream) {
    Object token = new Object();
    subscription.pendingAdd = token;
    addsInFlight.incrementAndGet();
    String sql = subscription.nextStatement();
    async
        .withDeadlineAfter(callTimeoutNanos, TimeUnit.NANOSECONDS)
        .addSubscription(
            addRequest(stream.id, sql, subscription.params()),
            new StreamObserver<>() {
              @Override
              public void onNext(AddSubscriptionResponse response) {
                onListenerThread(
                    () -> {
                      added(subscription, stream, token, response.getSubscriptionId());
                      addSettled();
                    });
              }

              @Override
              public void onError(Throwable t) {
                onListenerThread(
                    () -> {
                      addFailed(subscription, stream, token, t);
                      addSettled();
                    });
              }

              @Override
              public void onCompleted() {}
            });
  }

  private void added(ManagedSubscription subscription, Stream stream, Object token, String id) {
    if (subscription.pendingAdd != token || stream != current) {
      return; // superseded; a failed stream took the server's subscription with it
    }
    subscription.pendingAdd = null;
    if (subscription.isClosed() || !subscriptions.contains(subscription)) {
      removeOnServer(stream, id);
      return;
    }
    bind(subscription, stream, id);
  }

  private void addFailed(
      ManagedSubscription subscription, Stream stream, Object token, Throwable t) {
    if (subscription.pendingAdd != token || stream != current) {
      return;
    }
    subscription.pendingAdd = null;
    if (subscription.isClosed() || !subscriptions.contains(subscription)) {
      return;
    }
    TributaryException failure = Errors.fromCall("resume subscription", t);
    Status.Code status = Status.fromThrowable(t).getCode();
    if (failure.errorCode() == ErrorCode.RESUME_POSITION_LOST
        && subscription.resnapshotsWhenPositionLost()) {
      subscription.forgetPosition();
      add(subscription, stream);
    } else if (status == Status.Code.UNAVAILABLE
        || status == Status.Code.DEADLINE_EXCEEDED
        || status == Status.Code.CANCELLED
        || status == Status.Code.ABORTED) {
      // The stream is most likely gone too: start over on a new one.
      streamFailed(stream, failure, true);
    } else {
      end(subscription, failure);
    }
  }

  private void bind(ManagedSubscription subscription, Stream stream, String id) {
    subscription.bind(stream, id);
    byId.put(id, subscription);
    List<LiveEvent> early = unclaimed.remove(id);
    if (early != null) {
      for (LiveEvent event : early) {
        if (byId.get(id) != subscription) {
          break;
        }
        deliver(subscription, event);
      }
      endOfMessage(); // they came in whole messages
    }
  }

  private void addSettled() {
    if (addsInFlight.decrementAndGet() == 0) {
      unclaimed.clear();
    }
  }

  private void removeOnServer(Stream stream, String id) {
    if (stream.id == null || id.isEmpty()) {
      return;
    }
    async
        .withDeadlineAfter(callTimeoutNanos, TimeUnit.NANOSECONDS)
        .removeSubscription(
            RemoveSubscriptionRequest.newBuilder()
                .setStreamId(stream.id)
                .setSubscriptionId(id)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(RemoveSubscriptionResponse response) {}

              @Override
              public void onError(Throwable t) {
                // the subscription ends with its stream anyway
                LOG.debug("Cannot remove subscription {}: {}", id, Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {}
            });
  }

  private static AddSubscriptionRequest addRequest(
      String streamId, String sql, List<Value> params) {
    return AddSubscriptionRequest.newBuilder()
        .setStreamId(streamId)
        .setSql(sql)
        .addAllParams(params)
        .build();
  }

  // ---- threads ----

  /** Runs a task on the listener thread; dropped once the client is closed. */
  private void onListenerThread(Runnable task) {
    try {
      listenerThread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              LOG.error("Live event handling failed", e);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** Runs a task on the listener thread (inline when already on it) and returns its result. */
  private <T> T onListenerThreadAndWait(java.util.function.Supplier<T> task) {
    if (Thread.currentThread() == thread) {
      return task.get();
    }
    CompletableFuture<T> result;
    try {
      result = CompletableFuture.supplyAsync(task, listenerThread);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("Cannot subscribe: the client is closed", e);
    }
    try {
      return result.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TributaryException(TributaryException.INTERNAL, "Cannot subscribe: interrupted", e);
    }
  }

  private String await(CompletableFuture<String> opened, long deadline, String action) {
    try {
      return opened.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw Errors.fromCall(action, e.getCause());
    } catch (TimeoutException e) {
      throw new TributaryException(
          TributaryException.DEADLINE_EXCEEDED,
          "Cannot " + action + ": the live stream did not open in time",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TributaryException(
          TributaryException.INTERNAL, "Cannot " + action + ": interrupted", e);
    }
  }

  /** One attempt at the event stream: an OpenStream call. */
  private final class Stream implements ClientResponseObserver<OpenStreamRequest, LiveEventBatch> {
    /**
     * Completes with the stream id on StreamOpened. Completed from the gRPC thread so that a
     * subscribe() made on the listener thread can wait for it.
     */
    final CompletableFuture<String> opened = new CompletableFuture<>();

    /** The stream id; set on the listener thread. */
    String id;

    private volatile ClientCallStreamObserver<OpenStreamRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<OpenStreamRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(window);
    }

    @Override
    public void onNext(LiveEventBatch batch) {
      for (LiveEvent event : batch.getEventsList()) {
        if (event.hasOpened()) {
          opened.complete(event.getOpened().getStreamId());
        }
      }
      onListenerThread(
          () -> {
            try {
              for (LiveEvent event : batch.getEventsList()) {
                handle(this, event);
              }
              endOfMessage();
            } finally {
              touched.clear();
              call.request(1);
            }
          });
    }

    @Override
    public void onError(Throwable t) {
      opened.completeExceptionally(t);
      Status.Code code = Status.fromThrowable(t).getCode();
      TributaryException failure = Errors.fromCall("receive live events", t);
      onListenerThread(() -> streamFailed(this, failure, isTransient(code)));
    }

    @Override
    public void onCompleted() {
      StatusRuntimeException ended =
          Status.UNAVAILABLE
              .withDescription("the server ended the live stream")
              .asRuntimeException();
      opened.completeExceptionally(ended);
      TributaryException failure = Errors.fromCall("receive live events", ended);
      onListenerThread(() -> streamFailed(this, failure, true));
    }

    void cancel(String why) {
      ClientCallStreamObserver<OpenStreamRequest> c = call;
      if (c != null) {
        c.cancel(why, null);
      }
    }
  }

  /** Failures that a new stream may not have. */
  private static boolean isTransient(Status.Code code) {
    return switch (code) {
      case UNAVAILABLE,
          DEADLINE_EXCEEDED,
          ABORTED,
          CANCELLED,
          UNKNOWN,
          INTERNAL,
          RESOURCE_EXHAUSTED ->
          true;
      default -> false;
    };
  }
}
