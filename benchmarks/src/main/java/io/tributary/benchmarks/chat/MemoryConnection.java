package io.tributary.benchmarks.chat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.v1.AddSubscriptionRequest;
import io.tributary.api.v1.AddSubscriptionResponse;
import io.tributary.api.v1.LiveEvent;
import io.tributary.api.v1.LiveEventBatch;
import io.tributary.api.v1.LiveServiceGrpc;
import io.tributary.api.v1.OpenStreamRequest;
import io.tributary.benchmarks.GrpcChannels;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection of the memory scenario: a channel, its event stream and a subscription per
 * room it follows ({@code SUBSCRIBE TO mem.messages WHERE room = R}). It can drop (the connection
 * goes away) and resume on a new connection with the same token, each subscription from the last
 * {@code _seq} it received ({@code OPTIONS (from_seq = s)}). The rows it receives go to the {@link
 * StormLedger}, if any; a dropped stream's late events are ignored.
 */
final class MemoryConnection {
  static final String TABLE = "mem.messages";

  private final int index;
  private final int[] rooms;
  private final String token;
  private final StormLedger ledger;
  private final Queue<String> errors;
  private ManagedChannel channel;
  private Observer observer;
  private int generation;

  MemoryConnection(int index, int[] rooms, String token, StormLedger ledger, Queue<String> errors) {
    this.index = index;
    this.rooms = rooms;
    this.token = token;
    this.ledger = ledger;
    this.errors = errors;
  }

  int[] rooms() {
    return rooms;
  }

  /** Opens a new connection and its stream; completes with the stream id. */
  synchronized CompletableFuture<String> open(int port) {
    channel = GrpcChannels.channel(port);
    observer = new Observer(++generation);
    LiveServiceGrpc.newStub(channel)
        .withCallCredentials(GrpcChannels.bearer(token))
        .openStream(OpenStreamRequest.getDefaultInstance(), observer);
    return observer.opened;
  }

  /** Subscribes to {@code room} on the open stream, resuming after {@code fromSeq} if ≥ 0. */
  ListenableFuture<AddSubscriptionResponse> subscribe(String streamId, int room, long fromSeq) {
    ManagedChannel ch;
    synchronized (this) {
      ch = channel;
    }
    String sql =
        "SUBSCRIBE TO "
            + TABLE
            + " WHERE room = "
            + room
            + (fromSeq >= 0 ? " OPTIONS (from_seq = " + fromSeq + ")" : "");
    return LiveServiceGrpc.newFutureStub(ch)
        .withCallCredentials(GrpcChannels.bearer(token))
        .addSubscription(
            AddSubscriptionRequest.newBuilder().setStreamId(streamId).setSql(sql).build());
  }

  /** Where this connection's subscription to {@code room} resumes. */
  long resumeSeq(int room) {
    return ledger.resumeSeq(index, room);
  }

  /** The connection goes away: its stream's later events are ignored, its channel closed. */
  void drop() {
    Observer o;
    ManagedChannel ch;
    synchronized (this) {
      generation++;
      o = observer;
      ch = channel;
    }
    o.cancel();
    ch.shutdownNow();
  }

  ManagedChannel channel() {
    return channel;
  }

  private final class Observer
      implements ClientResponseObserver<OpenStreamRequest, LiveEventBatch> {
    private final int generation;
    private final CompletableFuture<String> opened = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<OpenStreamRequest> call;

    Observer(int generation) {
      this.generation = generation;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<OpenStreamRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(LiveEventBatch batch) {
      synchronized (MemoryConnection.this) {
        if (generation != MemoryConnection.this.generation) {
          return; // dropped: what arrives now is not processed by the client
        }
        for (LiveEvent e : batch.getEventsList()) {
          switch (e.getEventCase()) {
            case OPENED -> opened.complete(e.getOpened().getStreamId());
            case INSERT -> {
              if (ledger != null) {
                ledger.received(
                    index,
                    (int) e.getInsert().getRow().getValues(1).getBigintValue(),
                    e.getInsert().getRow().getValues(0).getBigintValue(),
                    e.getInsert().getSeq());
              }
            }
            case ERROR ->
                errors.add(
                    "connection "
                        + index
                        + ": "
                        + e.getError().getError().getCode()
                        + ": "
                        + e.getError().getError().getMessage());
            default -> {}
          }
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      opened.completeExceptionally(t);
      boolean current;
      synchronized (MemoryConnection.this) {
        current = generation == MemoryConnection.this.generation;
      }
      if (current
          && !(t instanceof StatusRuntimeException s
              && s.getStatus().getCode() == Status.Code.CANCELLED)) {
        errors.add("connection " + index + ": stream failed: " + t);
      }
    }

    @Override
    public void onCompleted() {}

    void cancel() {
      ClientCallStreamObserver<OpenStreamRequest> c = call;
      if (c != null) {
        c.cancel("dropped", null);
      }
    }
  }
}
