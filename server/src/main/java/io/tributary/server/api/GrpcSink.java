package io.tributary.server.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.tributary.live.Sink;

/**
 * A live stream's gRPC server call: events leave as one {@link EncodedBatch} (a serialized {@code
 * LiveEventBatch}) per message, under gRPC flow control.
 */
final class GrpcSink implements Sink {
  private final ServerCallStreamObserver<EncodedBatch> call;

  GrpcSink(ServerCallStreamObserver<EncodedBatch> call) {
    this.call = call;
  }

  @Override
  public boolean isReady() {
    return call.isReady();
  }

  @Override
  public void send(byte[][] heads, byte[][] bodies, int n) {
    call.onNext(EncodedBatch.of(heads, bodies, n));
  }

  @Override
  public void complete() {
    call.onCompleted();
  }

  @Override
  public void onReady(Runnable handler) {
    call.setOnReadyHandler(handler);
  }

  @Override
  public void onCancel(Runnable handler) {
    call.setOnCancelHandler(handler);
  }
}
