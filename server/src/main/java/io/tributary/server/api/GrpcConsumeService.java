package io.tributary.server.api;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AckRequest;
import io.tributary.api.v1.AckResponse;
import io.tributary.api.v1.ConsumeBatch;
import io.tributary.api.v1.ConsumeRequest;
import io.tributary.api.v1.ConsumeServiceGrpc;
import io.tributary.api.v1.ConsumedRecord;
import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.server.ConsumeRunner;
import io.tributary.server.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consume streams and acks (DESIGN.md section 6). Each stream runs on a thread of its own: it joins
 * the group, then polls and sends each poll's records as one batch, waiting while the client cannot
 * take more (gRPC flow control); cancelling the call leaves the group without committing, so its
 * unacknowledged records go to the group's other members.
 */
public final class GrpcConsumeService extends ConsumeServiceGrpc.ConsumeServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcConsumeService.class);
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * The size a batch message stays under (unless one record is larger): far from gRPC's default 4
   * MiB limit of a received message, large enough that a batch carries thousands of small records.
   */
  static final int MAX_BATCH_BYTES = 1 << 20;

  /** How often a stream waiting for its client carries out the acks that arrived. */
  private static final Duration ACK_CHECK = Duration.ofMillis(20);

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ConsumeRunner runner;

  public GrpcConsumeService(ConsumeRunner runner) {
    this.runner = runner;
  }

  @Override
  public void consume(ConsumeRequest request, StreamObserver<ConsumeBatch> response) {
    ServerCallStreamObserver<ConsumeBatch> observer =
        (ServerCallStreamObserver<ConsumeBatch>) response;
    Principal principal = AuthInterceptor.PRINCIPAL.get();
    Object ready = new Object();
    java.util.concurrent.atomic.AtomicReference<ConsumeRunner.Session> open =
        new java.util.concurrent.atomic.AtomicReference<>();
    observer.setOnCancelHandler(
        () -> {
          ConsumeRunner.Session session = open.get();
          if (session != null) {
            session.wakeup();
          }
        });
    observer.setOnReadyHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    Thread thread =
        new Thread(
            Context.current().wrap((Runnable) () -> run(principal, request, observer, ready, open)),
            "tributary-consume-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  private void run(
      Principal principal,
      ConsumeRequest request,
      ServerCallStreamObserver<ConsumeBatch> observer,
      Object ready,
      java.util.concurrent.atomic.AtomicReference<ConsumeRunner.Session> open) {
    ConsumeRunner.Session session;
    try {
      if (principal == null) {
        throw new IllegalStateException("Cannot consume: no principal in the call context");
      }
      session = runner.open(principal, request.getSql(), Values.params(request.getParamsList()));
    } catch (TributaryException e) {
      observer.onError(Errors.toStatus(e));
      return;
    } catch (RuntimeException e) {
      LOG.error("Opening a consume stream failed", e);
      observer.onError(Errors.internal());
      return;
    }
    open.set(session);
    try (session) {
      boolean announced = false;
      while (!observer.isCancelled()) {
        List<Object[]> rows = session.poll(POLL);
        if (observer.isCancelled()) {
          break; // records not sent stay the group's
        }
        if (rows.isEmpty() && (announced || !session.joined())) {
          continue;
        }
        announced = true;
        if (!send(rows, session, observer, ready)) {
          break;
        }
      }
    } catch (TributaryException e) {
      if (!observer.isCancelled()) {
        observer.onError(Errors.toStatus(e));
      }
    } catch (RuntimeException e) {
      if (!observer.isCancelled()) {
        LOG.error("A consume stream failed", e);
        observer.onError(
            Errors.toStatus(
                new TributaryException(
                    ErrorCode.UNAVAILABLE, "Cannot consume: " + e.getMessage(), e)));
      }
    }
  }

  /**
   * Sends a poll's rows as batches of at most {@link #MAX_BATCH_BYTES} (at least one record each;
   * one empty batch when there are none: the member joined), each when the client can take it.
   * Returns false when the call was cancelled meanwhile.
   */
  private static boolean send(
      List<Object[]> rows,
      ConsumeRunner.Session session,
      ServerCallStreamObserver<ConsumeBatch> observer,
      Object ready) {
    ConsumeBatch.Builder batch = ConsumeBatch.newBuilder();
    int bytes = 0;
    String name = session.name();
    for (Object[] row : rows) {
      ConsumedRecord record = record(name, row);
      int size = record.getSerializedSize() + 8;
      if (batch.getRecordsCount() > 0 && bytes + size > MAX_BATCH_BYTES) {
        if (!deliver(batch.build(), session, observer, ready)) {
          return false;
        }
        batch = ConsumeBatch.newBuilder();
        bytes = 0;
      }
      batch.addRecords(record);
      bytes += size;
    }
    return deliver(batch.build(), session, observer, ready);
  }

  private static boolean deliver(
      ConsumeBatch batch,
      ConsumeRunner.Session session,
      ServerCallStreamObserver<ConsumeBatch> observer,
      Object ready) {
    awaitReady(observer, ready, session);
    if (observer.isCancelled()) {
      return false;
    }
    observer.onNext(batch);
    return true;
  }

  /**
   * Waits until the client can take more, carrying out the acks that arrive meanwhile: the client
   * may ack what it received before it reads on, and those acks are committed only by this thread.
   */
  private static void awaitReady(
      ServerCallStreamObserver<?> observer, Object ready, ConsumeRunner.Session session) {
    while (!observer.isReady() && !observer.isCancelled()) {
      session.runPendingCommits();
      synchronized (ready) {
        if (observer.isReady() || observer.isCancelled()) {
          return;
        }
        try {
          ready.wait(ACK_CHECK.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** A row of {@code ConsumedRecords.COLUMNS} as a record. */
  private static ConsumedRecord record(String topic, Object[] row) {
    ConsumedRecord.Builder r =
        ConsumedRecord.newBuilder()
            .setTopic(topic)
            .setPartition((Integer) row[0])
            .setOffset((Long) row[1])
            .setOperation((String) row[3])
            .setTable((String) row[4])
            .setSeq((Long) row[7]);
    if (row[2] != null) {
      r.setOwner((String) row[2]);
    }
    if (row[5] != null) {
      r.setRowJson((String) row[5]);
    }
    if (row[6] != null) {
      r.setOldRowJson((String) row[6]);
    }
    if (row[8] != null) {
      r.setTimestampMillis((Long) row[8]);
    }
    return r.build();
  }

  @Override
  public void ack(AckRequest request, StreamObserver<AckResponse> response) {
    Blocking.run(
        () -> {
          try {
            Principal principal = AuthInterceptor.PRINCIPAL.get();
            if (principal == null) {
              throw new IllegalStateException("Cannot ack: no principal in the call context");
            }
            runner.ack(
                principal,
                request.getTopic(),
                request.getGroup(),
                request.getPartition(),
                request.getOffset());
            response.onNext(AckResponse.getDefaultInstance());
            response.onCompleted();
          } catch (TributaryException e) {
            response.onError(Errors.toStatus(e));
          } catch (RuntimeException e) {
            LOG.error("Ack failed with an unexpected error", e);
            response.onError(Errors.internal());
          }
        });
  }
}
