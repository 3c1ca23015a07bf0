package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.tributary.api.v1.AckRequest;
import io.tributary.api.v1.ConsumeServiceGrpc;
import io.tributary.client.ConsumedRecord;
import io.tributary.client.ErrorCode;
import io.tributary.client.Row;
import io.tributary.client.TopicConsumer;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.log.LogTopics;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK's consumers over gRPC consume streams: real Kafka consumer groups on the embedded broker
 * split partitions, redeliver what a member that left never acknowledged, and dead-letter a record
 * that keeps failing.
 */
class ConsumerGroupsEndToEndTest {
  private static final int USERS = 12;
  private static TributaryClient root;
  private static TributaryClient agent;

  @BeforeAll
  static void setUp() {
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    StringBuilder sql =
        new StringBuilder(
            "CREATE NAMESPACE cg;"
                + "CREATE TABLE cg.events (id BIGINT PRIMARY KEY, body TEXT) WITH (TYPE ="
                + " 'USER');"
                + "CREATE TABLE cg.dead (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), topic TEXT,"
                + " `partition` INT, `offset` BIGINT, error TEXT, record JSON) WITH (TYPE ="
                + " 'SHARED');"
                + "CREATE USER 'cg_agent' WITH PASSWORD 'agent-password' ROLE service;");
    for (String topic : List.of("split", "redo", "poison", "late")) {
      sql.append("CREATE TOPIC cg.")
          .append(topic)
          .append(" PARTITIONS 2; ALTER TOPIC cg.")
          .append(topic)
          .append(" ADD SOURCE cg.events ON INSERT;");
    }
    for (int i = 0; i < USERS; i++) {
      sql.append("CREATE USER 'cg_u").append(i).append("' WITH PASSWORD 'user-password';");
    }
    root.update(sql.toString());
    for (int i = 0; i < USERS; i++) {
      root.update(
          "EXECUTE AS USER 'cg_u" + i + "' (INSERT INTO cg.events VALUES ($1, $2))",
          i,
          i == 5 ? "poison" : "event " + i);
    }
    agent = TributaryClient.connect(SharedServer.url());
    agent.login("cg_agent", "agent-password");
  }

  @AfterAll
  static void tearDown() {
    agent.close();
    root.close();
  }

  private static String key(ConsumedRecord r) {
    return r.partition() + "@" + r.offset();
  }

  @Test
  void shouldSplitPartitionsBetweenTwoMembers() throws Exception {
    CountDownLatch bothHaveRecords = new CountDownLatch(2);
    List<ConsumedRecord> seenA = new CopyOnWriteArrayList<>();
    List<ConsumedRecord> seenB = new CopyOnWriteArrayList<>();
    try (TopicConsumer.Running a =
            agent.consumer("cg.split").group("g").run(r -> handle(r, seenA, bothHaveRecords));
        TopicConsumer.Running b =
            agent.consumer("cg.split").group("g").run(r -> handle(r, seenB, bothHaveRecords))) {
      assertThat(bothHaveRecords.await(60, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Set.copyOf(
                              concat(seenA, seenB).stream()
                                  .map(ConsumerGroupsEndToEndTest::key)
                                  .toList())
                          .size()
                      == USERS);
      Set<Integer> partitionsA = partitions(seenA);
      Set<Integer> partitionsB = partitions(seenB);
      assertThat(partitionsA).isNotEmpty();
      assertThat(partitionsB).isNotEmpty();
      assertThat(Set.of(0, 1)).containsAll(partitionsA).containsAll(partitionsB);
      assertThat(a.failure()).isEmpty();
      assertThat(b.failure()).isEmpty();
    }
  }

  private static void handle(ConsumedRecord r, List<ConsumedRecord> seen, CountDownLatch both)
      throws InterruptedException {
    boolean first = seen.isEmpty();
    seen.add(r);
    if (first) {
      both.countDown();
    }
    both.await(60, TimeUnit.SECONDS); // hold the record until the other member has some too
  }

  private static List<ConsumedRecord> concat(List<ConsumedRecord> a, List<ConsumedRecord> b) {
    List<ConsumedRecord> out = new CopyOnWriteArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static Set<Integer> partitions(List<ConsumedRecord> records) {
    return records.stream().map(ConsumedRecord::partition).collect(Collectors.toSet());
  }

  @Test
  void shouldRedeliverTheRecordsOfAMemberThatStoppedWithoutAcking() throws Exception {
    List<ConsumedRecord> seenByFirst = new CopyOnWriteArrayList<>();
    CountDownLatch received = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TopicConsumer.Running first =
        agent
            .consumer("cg.redo")
            .group("g")
            .run(
                r -> {
                  seenByFirst.add(r);
                  received.countDown();
                  release.await(60, TimeUnit.SECONDS);
                });
    assertThat(received.await(60, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(first::close);
    closer.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() != Thread.State.NEW);
    release.countDown();
    closer.join(30_000);
    assertThat(first.isRunning()).isFalse();

    Set<String> seenBySecond = ConcurrentHashMap.newKeySet();
    try (TopicConsumer.Running second =
        agent.consumer("cg.redo").group("g").run(r -> seenBySecond.add(key(r)))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> seenBySecond.size() == USERS);
      assertThat(seenBySecond).contains(key(seenByFirst.get(0)));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> lag("redo").stream().allMatch(l -> l == 0));
      assertThat(second.failure()).isEmpty();
    }
  }

  @Test
  void shouldDeadLetterARecordThatKeepsFailingAndGoOn() {
    Set<String> handled = ConcurrentHashMap.newKeySet();
    try (TopicConsumer.Running consumer =
        agent
            .consumer("cg.poison")
            .group("g")
            .retries(2, Duration.ofMillis(10))
            .deadLetter("cg.dead")
            .run(
                r -> {
                  if (r.row().contains("poison")) {
                    throw new IllegalStateException("cannot digest " + r.offset());
                  }
                  handled.add(key(r));
                })) {
      await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == USERS - 1);
      List<Row> dead =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> root.query("SELECT * FROM cg.dead").rows(), rows -> rows.size() == 1);
      assertThat(dead.get(0).getString("topic")).isEqualTo("cg.poison");
      assertThat(dead.get(0).getString("error")).contains("cannot digest");
      assertThat(dead.get(0).getString("record")).contains("poison");
      assertThat(handled)
          .doesNotContain(
              dead.get(0).getInteger("partition") + "@" + dead.get(0).getLong("offset"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> lag("poison").stream().allMatch(l -> l == 0));
      assertThat(consumer.failure()).isEmpty();
    }
  }

  /**
   * A backlog far larger than the HTTP/2 window, acked batch by batch by the SDK before it reads
   * on: the stream waits for the client to take more while the acks arrive, and must commit them
   * then (not at its next poll), or every ack times out and the records come again.
   */
  @Test
  void shouldAckABacklogLargerThanTheTransportWindowWithoutRedelivery() {
    int records = 10_000;
    String body = "x".repeat(500);
    root.update(
        "CREATE TABLE cg.bulk (id BIGINT PRIMARY KEY, body TEXT) WITH (TYPE = 'SHARED');"
            + "CREATE TOPIC cg.backlog PARTITIONS 2;"
            + "ALTER TOPIC cg.backlog ADD SOURCE cg.bulk ON INSERT");
    for (int from = 0; from < records; from += 250) {
      StringBuilder insert = new StringBuilder("INSERT INTO cg.bulk VALUES ");
      for (int i = from; i < from + 250; i++) {
        insert.append(i == from ? "" : ", ").append('(').append(i).append(", '").append(body);
        insert.append("')");
      }
      root.update(insert.toString());
    }
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TopicConsumer.Running consumer =
        agent
            .consumer("cg.backlog")
            .group("g")
            .run(
                r -> {
                  seen.add(key(r));
                  LockSupport.parkNanos(50_000); // a handler's work
                })) {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  seen.size() >= records
                      && lag("backlog", "g").size() == 2
                      && lag("backlog", "g").stream().allMatch(l -> l == 0));
      assertThat(consumer.failure()).isEmpty();
      assertThat(seen).hasSize(records).doesNotHaveDuplicates();
    }
  }

  @Test
  void shouldEndAStreamWhenItsAccountsPasswordOrRoleChangesOrItIsDropped() {
    root.update(
        "CREATE USER 'cg_pw' WITH PASSWORD 'old-password' ROLE service;"
            + "CREATE USER 'cg_role' WITH PASSWORD 'old-password' ROLE service;"
            + "CREATE USER 'cg_gone' WITH PASSWORD 'old-password' ROLE service;");
    assertEnded(
        "cg_pw",
        "ALTER USER 'cg_pw' SET PASSWORD 'new-password'",
        ErrorCode.UNAUTHENTICATED,
        "the password of user cg_pw changed");
    assertEnded(
        "cg_role",
        "ALTER USER 'cg_role' SET ROLE dba",
        ErrorCode.PERMISSION_DENIED,
        "the role of user cg_role changed");
    assertEnded("cg_gone", "DROP USER 'cg_gone'", ErrorCode.UNAUTHENTICATED, "cg_gone");
  }

  /**
   * The role changes while the consumer handles a record, so the ack of that batch is in flight
   * while the change closes the stream's member: the ack fails as retryable ("the member left"),
   * but the stream's own final code wins; the consumer does not reopen the stream as a dba.
   */
  @Test
  void shouldEndAStreamWhoseRoleChangesWhileAnAckIsInFlight() {
    root.update("CREATE USER 'cg_busy' WITH PASSWORD 'old-password' ROLE service");
    try (TributaryClient client = TributaryClient.connect(SharedServer.url())) {
      client.login("cg_busy", "old-password");
      java.util.concurrent.atomic.AtomicBoolean changed =
          new java.util.concurrent.atomic.AtomicBoolean();
      List<ConsumedRecord> handled = new CopyOnWriteArrayList<>();
      try (TopicConsumer.Running consumer =
          client
              .consumer("cg.split")
              .group("revoked-busy")
              .run(
                  r -> {
                    handled.add(r);
                    if (changed.compareAndSet(false, true)) {
                      root.update("ALTER USER 'cg_busy' SET ROLE dba");
                    }
                  })) {
        await().atMost(Duration.ofSeconds(60)).until(() -> consumer.failure().isPresent());
        assertThat(consumer.failure().get())
            .isInstanceOfSatisfying(
                TributaryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.PERMISSION_DENIED))
            .hasMessageContaining("the role of user cg_busy changed");
        await().atMost(Duration.ofSeconds(30)).until(() -> !consumer.isRunning());
        assertThat(handled).isNotEmpty();
      }
    }
  }

  private static void assertEnded(String user, String change, ErrorCode code, String message) {
    try (TributaryClient client = TributaryClient.connect(SharedServer.url())) {
      client.login(user, "old-password");
      CountDownLatch received = new CountDownLatch(1);
      try (TopicConsumer.Running consumer =
          client.consumer("cg.split").group("revoked-" + user).run(r -> received.countDown())) {
        assertThat(received.await(60, TimeUnit.SECONDS)).isTrue();
        // Its acks are committed: the change meets an idle stream (see the test above for an ack
        // in flight).
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  List<Long> lags = lag("split", "revoked-" + user);
                  return lags.size() == 2 && lags.stream().allMatch(l -> l == 0);
                });
        root.update(change);
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.failure().isPresent());
        assertThat(consumer.failure().get())
            .isInstanceOfSatisfying(
                TributaryException.class, e -> assertThat(e.errorCode()).isEqualTo(code))
            .hasMessageContaining(message);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void shouldEndAStreamWhoseTopicIsDropped() throws Exception {
    root.update(
        "CREATE TABLE cg.doomed_src (id BIGINT PRIMARY KEY) WITH (TYPE = 'SHARED');"
            + "CREATE TOPIC cg.doomed PARTITIONS 1;"
            + "ALTER TOPIC cg.doomed ADD SOURCE cg.doomed_src ON INSERT;"
            + "INSERT INTO cg.doomed_src VALUES (1)");
    CountDownLatch received = new CountDownLatch(1);
    try (TopicConsumer.Running consumer =
        agent.consumer("cg.doomed").group("g").run(r -> received.countDown())) {
      assertThat(received.await(60, TimeUnit.SECONDS)).isTrue();
      root.update("DROP TOPIC cg.doomed");
      await().atMost(Duration.ofSeconds(30)).until(() -> consumer.failure().isPresent());
      assertThat(consumer.failure().get())
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.TOPIC_NOT_FOUND))
          // the stream's end, or the ack of the record it had handed over, whichever comes first
          .hasMessageMatching(
              "(?s)Cannot (consume cg\\.doomed: the topic was dropped"
                  + "|ack cg\\.doomed: no topic or table has that name).*");
    }
  }

  @Test
  void shouldRefuseStreamsPastThePerAccountAndServerLimits() throws Exception {
    root.update("CREATE USER 'cg_many' WITH PASSWORD 'many-password' ROLE service");
    SharedServer.get().limitConsumeStreams(2, 3);
    try (TributaryClient many = TributaryClient.connect(SharedServer.url())) {
      many.login("cg_many", "many-password");
      try (TopicConsumer.Running a = receiving(many, "lim-a");
          TopicConsumer.Running b = receiving(many, "lim-b")) {
        assertLimited(
            many.consumer("cg.split").group("lim-c").run(r -> {}),
            "user cg_many already has 2 consume streams open");
        try (TopicConsumer.Running c = receiving(agent, "lim-d")) {
          assertLimited(
              agent.consumer("cg.split").group("lim-e").run(r -> {}),
              "the server already runs 3 consume streams");
          assertThat(c.failure()).isEmpty();
        }
        assertThat(a.failure()).isEmpty();
        assertThat(b.failure()).isEmpty();
      }
    } finally {
      SharedServer.get().limitConsumeStreams(64, 1_024);
    }
  }

  /**
   * A consumer of cg.split in a group of its own, once it received a record (its stream is open).
   */
  private static TopicConsumer.Running receiving(TributaryClient client, String group)
      throws InterruptedException {
    CountDownLatch received = new CountDownLatch(1);
    TopicConsumer.Running consumer =
        client.consumer("cg.split").group(group).run(r -> received.countDown());
    assertThat(received.await(60, TimeUnit.SECONDS)).isTrue();
    return consumer;
  }

  /** An ack over gRPC names an offset >= 0 of a partition that exists, or changes nothing. */
  @Test
  void shouldRefuseAnAckOfANegativeOffsetOrPartitionOrAnUnknownPartition() throws Exception {
    root.update(
        "CREATE TABLE cg.marks (id BIGINT PRIMARY KEY, body TEXT) WITH (TYPE = 'SHARED');"
            + "CREATE TOPIC cg.acked PARTITIONS 1;"
            + "ALTER TOPIC cg.acked ADD SOURCE cg.marks ON INSERT;"
            + "INSERT INTO cg.marks VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    List<String> seen = new CopyOnWriteArrayList<>();
    TributaryClient acker = TributaryClient.connect(SharedServer.url());
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + acker.login("cg_agent", "agent-password").token());
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", SharedServer.get().port(), InsecureChannelCredentials.create())
            .build();
    ConsumeServiceGrpc.ConsumeServiceBlockingStub stub =
        ConsumeServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    try (TopicConsumer.Running consumer =
        agent.consumer("cg.acked").group("held").run(r -> seen.add(key(r)))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> seen.size() == 3 && lag("acked", "held").equals(List.of(0L)));

      assertAckRefused(stub, 0, -1, "Cannot ack cg.acked: offset -1 is negative");
      assertAckRefused(stub, 0, -5, "Cannot ack cg.acked: offset -5 is negative");
      assertAckRefused(stub, -1, 0, "Cannot ack cg.acked: partition -1 is negative");
      assertAckRefused(stub, 9, 0, "Cannot ack cg.acked: partition 9 does not exist");
      // Refused at once: a partition that does not exist is not waited for as if it were being
      // moved between the group's members (HOLDER_WAIT, 5 s, would exceed this deadline).
      assertAckRefusedBy(
          stub.withDeadlineAfter(4, TimeUnit.SECONDS),
          999,
          0,
          "Cannot ack cg.acked: partition 999 does not exist");

      assertThat(lag("acked", "held")).containsExactly(0L);
      assertThat(consumer.isRunning()).isTrue();
      assertThat(consumer.failure()).isEmpty();
      root.update("INSERT INTO cg.marks VALUES (4, 'd')");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> seen.size() == 4 && lag("acked", "held").equals(List.of(0L)));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      acker.close();
    }
  }

  /**
   * Partition q moves from member A to B, whose client acknowledges all of it, then from B (which
   * leaves) to C, which has delivered nothing of it. A's client still acknowledges an early record
   * of q it handled before the rebalance: that late ack must not move the group's committed offset
   * back (the records from there would come again to C), whether it is carried out by the holder C
   * or refused as retryable while q is moved.
   */
  @Test
  void shouldNeverMoveTheCommittedOffsetBackOnALateAckOfAMemberThatLostThePartition()
      throws Exception {
    String group = "late";
    TributaryClient acker = TributaryClient.connect(SharedServer.url());
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + acker.login("cg_agent", "agent-password").token());
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", SharedServer.get().port(), InsecureChannelCredentials.create())
            .build();
    ConsumeServiceGrpc.ConsumeServiceBlockingStub stub =
        ConsumeServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    List<Context.CancellableContext> calls = new CopyOnWriteArrayList<>();
    try {
      RawStream a = RawStream.open(stub, group, calls);
      List<io.tributary.api.v1.ConsumedRecord> byA = a.read(USERS);
      RawStream b = RawStream.open(stub, group, calls);
      List<io.tributary.api.v1.ConsumedRecord> byB = new java.util.ArrayList<>(b.read(1));
      int q = byB.get(0).getPartition();
      List<Long> offsetsOfQ =
          byA.stream()
              .filter(r -> r.getPartition() == q)
              .map(io.tributary.api.v1.ConsumedRecord::getOffset)
              .toList();
      assertThat(offsetsOfQ).hasSizeGreaterThan(1);
      while (byB.size() < offsetsOfQ.size()) {
        byB.addAll(b.read(1));
      }
      ack(stub, "cg.late", group, q, offsetsOfQ.get(offsetsOfQ.size() - 1));
      await().atMost(Duration.ofSeconds(30)).until(() -> lagOf("late", group, q) == 0L);
      long committed = committedOf("late", group, q);

      RawStream c = RawStream.open(stub, group, calls);
      c.read(0); // joined, holding nothing: A and B keep a partition each
      b.cancel(); // q goes to C, the member with fewer partitions
      awaitHeldByOneOfTwoMembers(group, q);
      try {
        ack(stub, "cg.late", group, q, offsetsOfQ.get(0)); // A's late ack
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      }
      assertThat(committedOf("late", group, q)).isEqualTo(committed);
      assertThat(lagOf("late", group, q)).isZero();
    } finally {
      calls.forEach(call -> call.cancel(null));
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      acker.close();
    }
  }

  /** Waits until the group (of a topic) has two members and one of them holds the partition. */
  private static void awaitHeldByOneOfTwoMembers(String group, int partition) {
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", SharedServer.get().logBootstrapServers()))) {
      String id =
          admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
              .map(ConsumerGroupListing::groupId)
              .filter(
                  g -> {
                    LogTopics.ConsumerGroupName n = LogTopics.parseConsumerGroup(g);
                    return n != null && n.group().equals(group) && n.source().startsWith("topic-");
                  })
              .findFirst()
              .orElseThrow();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                ConsumerGroupDescription d =
                    admin
                        .describeConsumerGroups(List.of(id))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(id);
                return d.members().size() == 2
                    && d.members().stream()
                        .anyMatch(
                            m ->
                                m.assignment().topicPartitions().stream()
                                    .anyMatch(tp -> tp.partition() == partition));
              });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A consume stream over plain gRPC, read by the test. */
  private record RawStream(
      Iterator<io.tributary.api.v1.ConsumeBatch> batches, Context.CancellableContext call) {

    static RawStream open(
        ConsumeServiceGrpc.ConsumeServiceBlockingStub stub,
        String group,
        List<Context.CancellableContext> calls) {
      Context.CancellableContext call = Context.current().withCancellation();
      calls.add(call);
      Context previous = call.attach();
      try {
        return new RawStream(
            stub.withDeadlineAfter(3, TimeUnit.MINUTES)
                .consume(
                    io.tributary.api.v1.ConsumeRequest.newBuilder()
                        .setSql("CONSUME FROM cg.late GROUP '" + group + "'")
                        .build()),
            call);
      } finally {
        call.detach(previous);
      }
    }

    /** Reads batches until {@code count} records came (0: the first batch, once joined). */
    List<io.tributary.api.v1.ConsumedRecord> read(int count) {
      List<io.tributary.api.v1.ConsumedRecord> out = new java.util.ArrayList<>();
      do {
        out.addAll(batches.next().getRecordsList());
      } while (out.size() < count);
      return out;
    }

    void cancel() {
      call.cancel(null);
    }
  }

  private static void ack(
      ConsumeServiceGrpc.ConsumeServiceBlockingStub stub,
      String topic,
      String group,
      int partition,
      long offset) {
    stub.withDeadlineAfter(30, TimeUnit.SECONDS)
        .ack(
            AckRequest.newBuilder()
                .setTopic(topic)
                .setGroup(group)
                .setPartition(partition)
                .setOffset(offset)
                .build());
  }

  private static Row offsetsRow(String topic, String group, int partition) {
    return agent.query("SELECT * FROM system.consumer_offsets").rows().stream()
        .filter(r -> r.getString("topic").equals("cg." + topic))
        .filter(r -> r.getString("group").equals(group))
        .filter(r -> r.getInteger("partition") == partition)
        .findFirst()
        .orElseThrow();
  }

  private static long committedOf(String topic, String group, int partition) {
    return offsetsRow(topic, group, partition).getLong("committed_offset");
  }

  private static long lagOf(String topic, String group, int partition) {
    return offsetsRow(topic, group, partition).getLong("lag");
  }

  private static void assertAckRefused(
      ConsumeServiceGrpc.ConsumeServiceBlockingStub stub,
      int partition,
      long offset,
      String message) {
    assertAckRefusedBy(stub.withDeadlineAfter(10, TimeUnit.SECONDS), partition, offset, message);
  }

  private static void assertAckRefusedBy(
      ConsumeServiceGrpc.ConsumeServiceBlockingStub stubWithDeadline,
      int partition,
      long offset,
      String message) {
    assertThatThrownBy(
            () ->
                stubWithDeadline.ack(
                    AckRequest.newBuilder()
                        .setTopic("cg.acked")
                        .setGroup("held")
                        .setPartition(partition)
                        .setOffset(offset)
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith(message);
            });
  }

  private static void assertLimited(TopicConsumer.Running consumer, String message) {
    try (consumer) {
      await().atMost(Duration.ofSeconds(30)).until(() -> consumer.failure().isPresent());
      assertThat(consumer.failure().get())
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
          .hasMessageContaining(message);
    }
  }

  private static List<Long> lag(String topic, String group) {
    return agent.query("SELECT * FROM system.consumer_offsets").rows().stream()
        .filter(r -> r.getString("topic").equals("cg." + topic))
        .filter(r -> r.getString("group").equals(group))
        .map(r -> r.getLong("lag"))
        .toList();
  }

  private static List<Long> lag(String topic) {
    List<Long> lags =
        agent.query("SELECT * FROM system.consumer_offsets").rows().stream()
            .filter(r -> r.getString("topic").equals("cg." + topic))
            .filter(r -> r.getString("group").equals("g"))
            .map(r -> r.getLong("lag"))
            .toList();
    return lags.isEmpty() ? List.of(-1L) : lags;
  }
}
