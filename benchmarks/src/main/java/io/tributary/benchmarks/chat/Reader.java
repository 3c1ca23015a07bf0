package io.tributary.benchmarks.chat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * One client stream of a reader, Tributary's or the relay's alike: on each message it takes the
 * arrival time first, then reports each insert (its change number is the row's first column) to the
 * schedule as received by its reader.
 *
 * @param <R> the request type of the call
 */
final class Reader<R> implements ClientResponseObserver<R, LiveEventBatch> {
  private final int reader;
  private final Schedule schedule;
  private final Queue<String> errors;
  private final CompletableFuture<String> opened = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<R> call;

  Reader(int reader, Schedule schedule, Queue<String> errors) {
    this.reader = reader;
    this.schedule = schedule;
    this.errors = errors;
  }

  /** Completes with the stream id of the stream's "opened" event. */
  CompletableFuture<String> opened() {
    return opened;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<R> requestStream) {
    call = requestStream;
  }

  @Override
  public void onNext(LiveEventBatch batch) {
    long now = System.nanoTime();
    boolean inserts = false;
    for (LiveEvent e : batch.getEventsList()) {
      switch (e.getEventCase()) {
        case INSERT -> {
          inserts = true;
          schedule.received(reader, e.getInsert().getRow().getValues(0).getBigintValue(), now);
        }
        case OPENED -> opened.complete(e.getOpened().getStreamId());
        case ERROR ->
            errors.add(
                e.getError().getError().getCode() + ": " + e.getError().getError().getMessage());
        default -> {}
      }
    }
    if (inserts) {
      schedule.message();
    }
  }

  @Override
  public void onError(Throwable t) {
    opened.completeExceptionally(t);
    if (!(t instanceof StatusRuntimeException s
        && s.getStatus().getCode() == Status.Code.CANCELLED)) {
      errors.add("stream failed: " + t);
    }
  }

  @Override
  public void onCompleted() {}

  /** Cancels the call (the client goes away). */
  void cancel() {
    ClientCallStreamObserver<R> c = call;
    if (c != null) {
      c.cancel("benchmark done", null);
    }
  }
}
