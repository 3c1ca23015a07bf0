package io.tributary.benchmarks;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import java.util.concurrent.CompletableFuture;

/**
 * The one client code path of the benchmark, for Tributary's streams and the ceiling's alike: takes
 * a message's arrival time first, then reads the change number (the row's first column) of each
 * insert in its batch.
 *
 * @param <R> the request type of the call
 */
final class EventObserver<R> implements ClientResponseObserver<R, LiveEventBatch> {
  private final Deliveries.Track track;
  private final Deliveries deliveries;
  private final CompletableFuture<String> opened = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<R> call;

  EventObserver(Deliveries deliveries) {
    this.deliveries = deliveries;
    this.track = deliveries.newTrack();
  }

  /** Completes with the stream id of Tributary's StreamOpened event. */
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
    for (LiveEvent e : batch.getEventsList()) {
      switch (e.getEventCase()) {
        case INSERT -> track.delivered(e.getInsert().getRow().getValues(0).getBigintValue(), now);
        case OPENED -> opened.complete(e.getOpened().getStreamId());
        case ERROR ->
            deliveries.error(
                e.getError().getError().getCode() + ": " + e.getError().getError().getMessage());
        default -> {}
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    opened.completeExceptionally(t);
    if (!(t instanceof io.grpc.StatusRuntimeException s
        && s.getStatus().getCode() == io.grpc.Status.Code.CANCELLED)) {
      deliveries.error("stream failed: " + t);
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
