package io.tributary.client.internal;

import static io.tributary.client.testing.FakeTributaryServer.respond;
import static io.tributary.client.testing.FakeTributaryServer.rowsAffected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AckRequest;
import io.tributary.api.v1.AckResponse;
import io.tributary.api.v1.ConsumeBatch;
import io.tributary.api.v1.ConsumeRequest;
import io.tributary.api.v1.ConsumeServiceGrpc;
import io.tributary.api.v1.ConsumedRecord;
import io.tributary.api.v1.ExecuteResponse;
import io.tributary.client.ErrorCode;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.client.testing.FakeTributaryServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed ack ends the consume stream, but not the handler's own calls: a retryable failure
 * reopens the stream (its records come again) instead of stopping the consumer for good.
 */
class StreamingConsumerAckFailureTest {

  private final AtomicInteger consumeCalls = new AtomicInteger();
  private final AtomicReference<StreamObserver<AckResponse>> heldAck = new AtomicReference<>();
  private final List<AckRequest> acks = new CopyOnWriteArrayList<>();
  private final AtomicInteger ackCalls = new AtomicInteger();

  /**
   * When set, an ack fails as the server's does when an account change closed the stream's member
   * ("the member left", retryable), and the stream then ends with the change's final code.
   */
  private volatile boolean accountChanges;

  private final AtomicReference<StreamObserver<ConsumeBatch>> openStream = new AtomicReference<>();

  private FakeTributaryServer server;
  private TributaryClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        new FakeTributaryServer()
            .start(InProcessServerBuilder.forName(name).directExecutor().addService(new Consume()));
    client =
        new GrpcTributaryClient(
            InProcessChannelBuilder.forName(name).directExecutor().build(), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
  }

  /** Each stream delivers offsets 0 and 1 of partition 0; the first ack is held. */
  private final class Consume extends ConsumeServiceGrpc.ConsumeServiceImplBase {
    @Override
    public void consume(ConsumeRequest request, StreamObserver<ConsumeBatch> response) {
      consumeCalls.incrementAndGet();
      openStream.set(response);
      response.onNext(ConsumeBatch.newBuilder().addRecords(record(0)).build());
      response.onNext(ConsumeBatch.newBuilder().addRecords(record(1)).build());
    }

    @Override
    public void ack(AckRequest request, StreamObserver<AckResponse> response) {
      if (accountChanges) {
        ackCalls.incrementAndGet();
        FakeTributaryServer.fail(
            response,
            FakeTributaryServer.failure(
                Status.UNAVAILABLE,
                "UNAVAILABLE",
                "Cannot ack app.events: Cannot commit offsets of group g: the member left"));
        FakeTributaryServer.fail(
            openStream.get(),
            FakeTributaryServer.failure(
                Status.PERMISSION_DENIED,
                "PERMISSION_DENIED",
                "Cannot continue consuming: the role of user agent changed; consume again"));
        return;
      }
      if (ackCalls.incrementAndGet() == 1) {
        heldAck.set(response);
        return;
      }
      acks.add(request);
      respond(response, AckResponse.getDefaultInstance());
    }
  }

  private static ConsumedRecord record(long offset) {
    return ConsumedRecord.newBuilder()
        .setTopic("app.events")
        .setPartition(0)
        .setOffset(offset)
        .setOperation("insert")
        .setTable("app.events")
        .setRowJson("{\"id\":" + offset + "}")
        .build();
  }

  /**
   * An account change ends the stream with a final code after closing its member, so the ack in
   * flight fails first, as retryable: the consumer must stop with the stream's code, not reopen the
   * stream under a role that may still consume.
   */
  @Test
  void theStreamsFinalCodeWinsOverARetryableFailureOfTheAckInFlight() {
    accountChanges = true;
    List<Long> handled = new CopyOnWriteArrayList<>();
    TopicConsumer.Running running =
        client.consumer("app.events").group("g").run(record -> handled.add(record.offset()));
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> running.failure().isPresent());
      assertThat(running.failure().get())
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.PERMISSION_DENIED))
          .hasMessageContaining("the role of user agent changed");
      assertThat(consumeCalls.get()).isEqualTo(1);
      assertThat(ackCalls.get()).isEqualTo(1);
      assertThat(handled).containsExactly(0L);
      await().atMost(Duration.ofSeconds(10)).until(() -> !running.isRunning());
    } finally {
      running.close();
    }
  }

  @Test
  void aRetryableAckFailureReopensTheStreamAndDoesNotFailTheHandlersCalls() {
    // The handler of offset 1 calls the server; while that call runs, the ack of offset 0 fails
    // with UNAVAILABLE ("partition is being rebalanced; retry"), which ends the stream.
    ackFailsAndTheStreamReopens(
        Status.UNAVAILABLE.withDescription("partition is being rebalanced; retry"));
  }

  /** An ack that ran out of its deadline (the server's commit was slow) is retryable too. */
  @Test
  void anAckPastItsDeadlineReopensTheStream() {
    ackFailsAndTheStreamReopens(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded"));
  }

  private void ackFailsAndTheStreamReopens(Status ackFailure) {
    server.execute =
        (request, response) -> {
          StreamObserver<AckResponse> ack = heldAck.getAndSet(null);
          if (ack != null) {
            ack.onError(ackFailure.asRuntimeException());
          }
          respond(response, ExecuteResponse.newBuilder().addResults(rowsAffected(1)).build());
        };
    List<Long> handled = new CopyOnWriteArrayList<>();
    TopicConsumer.Running running =
        client
            .consumer("app.events")
            .group("g")
            .retries(0, Duration.ZERO)
            .run(
                record -> {
                  if (record.offset() == 1) {
                    client.update("INSERT INTO app.seen (id) VALUES ($1)", record.offset());
                  }
                  handled.add(record.offset());
                });
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(running.failure()).isEmpty();
                assertThat(consumeCalls.get()).isGreaterThanOrEqualTo(2);
                assertThat(handled).containsExactly(0L, 1L, 0L, 1L);
              });
      assertThat(running.isRunning()).isTrue();
      assertThat(running.failure()).isEmpty();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(acks).extracting(AckRequest::getOffset).contains(1L));
    } finally {
      running.close();
    }
  }
}
