package io.tributary.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.api.v1.LiveEvent;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.log.LogConfig;
import io.tributary.log.LogRoute;
import io.tributary.log.LogTopics;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.RowChange;
import io.tributary.query.command.RowCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.expr.Expressions;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A statement on a partitioned SHARED table whose rows hold several values of its PARTITION_KEY (so
 * several partitions of the log) is atomic: it applies wholly, or nowhere with the first refusal's
 * error; subscribers of each value see its rows at commit, with their partition's {@code _seq}; a
 * single-value write of a reserved row is refused with WRITE_CONFLICT or applies before or after,
 * never in between; and a prepared statement nobody decides is aborted by its home partition's
 * owner once its deadline passes.
 */
class AtomicAcrossPartitionsEndToEndTest {
  private static TributaryClient root;
  private static int port;

  /** Conversations 0..11 of a test cover every partition of the log (checked in setUp). */
  private static final int CONVERSATIONS = 12;

  @BeforeAll
  static void setUp() {
    port = SharedServer.get().port();
    root = TributaryClient.connect(SharedServer.url());
    root.login("root", SharedServer.ROOT_PASSWORD);
    root.update(
        "CREATE NAMESPACE atom;"
            + "CREATE SHARED TABLE atom.m (c BIGINT, id INT, v INT, w INT NOT NULL,"
            + " PRIMARY KEY (c, id)) WITH (ACCESS_LEVEL = 'public', PARTITION_KEY = 'c');"
            + "CREATE USER 'atomer' WITH PASSWORD 'atomer-password'");
  }

  @AfterAll
  static void tearDown() {
    root.close();
  }

  private static String values(long base, int id, int v) {
    StringBuilder sql = new StringBuilder();
    for (int c = 0; c < CONVERSATIONS; c++) {
      sql.append(c == 0 ? "" : ", ")
          .append("(")
          .append(base + c)
          .append(", ")
          .append(id)
          .append(", ")
          .append(v)
          .append(", 0)");
    }
    return sql.toString();
  }

  private static long count(String where) {
    return root.query("SELECT COUNT(*) AS n FROM atom.m WHERE " + where).rows().get(0).getLong("n");
  }

  private static String code(Throwable e) {
    return ((TributaryException) e).code();
  }

  @Test
  void shouldApplyAnInsertUpdateAndDeleteOverManyKeyValuesWholly() {
    assertThat(
            root.update(
                "INSERT INTO atom.m VALUES " + values(1000, 1, 1) + ", " + values(1000, 2, 2)))
        .isEqualTo(2L * CONVERSATIONS);
    assertThat(count("c >= 1000 AND c < 1100")).isEqualTo(2L * CONVERSATIONS);

    assertThat(root.update("UPDATE atom.m SET v = v + 10 WHERE c >= 1000 AND c < 1100 AND id = 1"))
        .isEqualTo(CONVERSATIONS);
    assertThat(count("c >= 1000 AND c < 1100 AND v = 11")).isEqualTo(CONVERSATIONS);

    assertThat(root.update("DELETE FROM atom.m WHERE c >= 1000 AND c < 1100 AND id = 2"))
        .isEqualTo(CONVERSATIONS);
    assertThat(count("c >= 1000 AND c < 1100")).isEqualTo(CONVERSATIONS);
    assertThat(root.update("DELETE FROM atom.m WHERE c >= 1000 AND c < 1100 AND v = 999")).isZero();
  }

  @Test
  void shouldApplyNothingWhenOnePieceIsRefused() {
    root.update("INSERT INTO atom.m VALUES (2005, 1, 0, 0)");
    // A duplicate key in one value's partition: no row of any other value is written.
    assertThatThrownBy(() -> root.update("INSERT INTO atom.m VALUES " + values(2000, 1, 1)))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(code(e)).isEqualTo("DUPLICATE_KEY"))
        .hasMessageContaining("(c, id)=(2005, 1)");
    assertThat(count("c >= 2000 AND c < 2100")).isEqualTo(1);

    // An UPDATE that fails on one row (NOT NULL) in one partition changes no row anywhere.
    root.update("INSERT INTO atom.m VALUES " + values(2100, 1, 1));
    root.update("UPDATE atom.m SET v = NULL WHERE c = 2107 AND id = 1");
    assertThatThrownBy(() -> root.update("UPDATE atom.m SET w = v WHERE c >= 2100 AND c < 2200"))
        .isInstanceOf(TributaryException.class)
        .satisfies(e -> assertThat(code(e)).isEqualTo("NOT_NULL_VIOLATION"));
    assertThat(count("c >= 2100 AND c < 2200 AND w = 0")).isEqualTo(CONVERSATIONS);

    // Nothing stays reserved: the same rows are written at once by single-value statements.
    root.update("UPDATE atom.m SET w = 5 WHERE c = 2101 AND id = 1");
    assertThat(root.update("INSERT INTO atom.m VALUES (2001, 1, 1, 0)")).isEqualTo(1);
  }

  @Test
  void shouldShowEachSubscriberTheRowsOfItsValueAtCommitInItsOrder() {
    root.update("INSERT INTO atom.m VALUES (3000, 0, 0, 0), (3007, 0, 0, 0)");
    try (LiveConnection live = new LiveConnection(port, "atomer", "atomer-password").open()) {
      String first = live.subscribe("SELECT id, v FROM atom.m WHERE c = 3000");
      String second = live.subscribe("SELECT id, v FROM atom.m WHERE c = 3007");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  live.events(first).stream().anyMatch(LiveEvent::hasReady)
                      && live.events(second).stream().anyMatch(LiveEvent::hasReady));
      root.update("INSERT INTO atom.m VALUES " + values(3000, 1, 1) + ", " + values(3000, 2, 2));
      root.update("UPDATE atom.m SET v = 7 WHERE c >= 3000 AND c < 3100 AND id = 2");
      root.update("INSERT INTO atom.m VALUES (3000, 3, 3, 0)");
      for (String sub : List.of(first, second)) {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> changes(live.events(sub)).size() >= (sub.equals(first) ? 4 : 3));
        List<LiveEvent> changes = changes(live.events(sub));
        long ready =
            live.events(sub).stream()
                .filter(LiveEvent::hasReady)
                .findFirst()
                .orElseThrow()
                .getReady()
                .getSeq();
        List<Long> seqs = changes.stream().map(LiveEvents::seq).toList();
        assertThat(seqs.get(0)).isGreaterThan(ready);
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        if (sub.equals(first)) {
          assertThat(LiveEvents.describeAll(changes))
              .containsExactly("insert 1", "insert 2", "update 2", "insert 3");
        } else {
          assertThat(LiveEvents.describeAll(changes))
              .containsExactly("insert 1", "insert 2", "update 2");
        }
        // The two rows of one statement share its commit's position (two ordinals of it).
        int bits = io.tributary.query.command.CommandLimits.ORDINAL_BITS;
        assertThat(seqs.get(1) >> bits).isEqualTo(seqs.get(0) >> bits);
        assertThat(seqs.get(2) >> bits).isGreaterThan(seqs.get(1) >> bits);
      }
    }
  }

  /**
   * Statements over every value and single-value statements on the same rows, at once: a
   * single-value write either applies (before or after a spanning one, never in between) or is
   * refused with WRITE_CONFLICT, and the final values account for exactly the writes that applied.
   */
  @Test
  void shouldRefuseOrSerializeASingleValueWriteOfAReservedRow() throws Exception {
    root.update("INSERT INTO atom.m VALUES " + values(4000, 1, 0));
    int rounds = 15;
    AtomicInteger singles = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> spanning =
          pool.submit(
              () -> {
                for (int i = 0; i < rounds; i++) {
                  assertThat(
                          root.update("UPDATE atom.m SET v = v + 1 WHERE c >= 4000 AND c < 4100"))
                      .isEqualTo(CONVERSATIONS);
                }
              });
      Future<?> single =
          pool.submit(
              () -> {
                while (!spanning.isDone()) {
                  try {
                    root.update("UPDATE atom.m SET v = v + 1000 WHERE c = 4003 AND id = 1");
                    singles.incrementAndGet();
                  } catch (TributaryException e) {
                    assertThat(e.code()).isEqualTo("WRITE_CONFLICT");
                    assertThat(e.getMessage()).contains("reserved by a statement that spans");
                    conflicts.incrementAndGet();
                  }
                }
              });
      spanning.get(120, TimeUnit.SECONDS);
      single.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("c >= 4000 AND c < 4100 AND c <> 4003 AND v = " + rounds))
        .isEqualTo(CONVERSATIONS - 1);
    assertThat(
            root.query("SELECT v FROM atom.m WHERE c = 4003 AND id = 1").rows().get(0).getLong("v"))
        .isEqualTo(rounds + 1000L * singles.get());
    assertThat(singles.get() + conflicts.get()).isPositive();
  }

  /**
   * The coordinator dies between the two phases (here: prepared pieces are written to the log by
   * hand, and nobody decides): the home partition's owner aborts the transaction once its deadline
   * passes, in every partition, and the rows are never changed.
   */
  @Test
  void shouldAbortAPreparedStatementThatNobodyDecides() {
    root.update("INSERT INTO atom.m VALUES " + values(5000, 1, 1));
    long tableId = tableIdOf(5000 + CONVERSATIONS - 1);
    LogTopics topics = LogTopics.withPartitions(LogConfig.DEFAULT_PARTITIONS);
    Map<Integer, Long> valueOf = new java.util.TreeMap<>();
    for (long c = 5000; c < 5000 + CONVERSATIONS; c++) {
      valueOf.putIfAbsent(topics.sharedWrite(tableId, String.valueOf(c)).partition(), c);
    }
    assertThat(valueOf).as("the values cover several partitions").hasSizeGreaterThan(1);
    List<Integer> participants = List.copyOf(valueOf.keySet());
    var table =
        new io.tributary.query.catalog.TableDef(
            tableId,
            "atom",
            "m",
            io.tributary.query.catalog.TableKind.SHARED,
            List.of(
                new io.tributary.query.catalog.ColumnDef("c", ColumnType.BIGINT, false, null),
                new io.tributary.query.catalog.ColumnDef("id", ColumnType.INT, false, null),
                new io.tributary.query.catalog.ColumnDef("v", ColumnType.INT, true, null),
                new io.tributary.query.catalog.ColumnDef("w", ColumnType.INT, false, null)),
            List.of("c", "id"),
            Map.of("PARTITION_KEY", "c"),
            0);
    WriteCommand delete =
        WriteCommand.DeleteRows.bound(
                "orphan", tableId, null, Expressions.bindPredicate(table, "c >= 5000 AND c < 5100"))
            .withAccepted(new WriteCommand.Accepted(System.currentTimeMillis(), null));
    long deadline = System.currentTimeMillis() + 4_000;
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedServer.get().logBootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int p : participants) {
        LogRoute route = topics.sharedWrite(tableId, String.valueOf(valueOf.get(p)));
        producer.send(
            new ProducerRecord<>(
                route.topic(),
                p,
                route.key(),
                CommandCodec.encode(
                    new WriteCommand.PrepareTx(
                        "orphan/" + p, tableId, "orphan", participants, deadline, delete))));
      }
      producer.flush();
    }
    // Reserved in every partition until the deadline: single-value writes are refused...
    for (long c : valueOf.values()) {
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> conflicts("UPDATE atom.m SET w = 1 WHERE c = " + c + " AND id = 1"));
    }
    // ... then the home partition's owner aborts it everywhere: the rows are all there, free.
    for (long c : valueOf.values()) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !conflicts("UPDATE atom.m SET w = 2 WHERE c = " + c + " AND id = 1"));
    }
    assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(deadline);
    assertThat(count("c >= 5000 AND c < 5100")).isEqualTo(CONVERSATIONS);
  }

  private static boolean conflicts(String sql) {
    try {
      root.update(sql);
      return false;
    } catch (TributaryException e) {
      assertThat(e.code()).isEqualTo("WRITE_CONFLICT");
      return true;
    }
  }

  /** The table id of atom.m, read from the change of the row (c, 1) in the changes topic. */
  private static long tableIdOf(long c) {
    List<ColumnType> types =
        List.of(ColumnType.BIGINT, ColumnType.INT, ColumnType.INT, ColumnType.INT);
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedServer.get().logBootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      String topic = LogTopics.withPartitions(LogConfig.DEFAULT_PARTITIONS).changes();
      List<TopicPartition> partitions =
          IntStream.range(0, LogConfig.DEFAULT_PARTITIONS)
              .mapToObj(p -> new TopicPartition(topic, p))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Set<Long> found = new TreeSet<>();
      long until = System.currentTimeMillis() + 20_000;
      while (found.isEmpty() && System.currentTimeMillis() < until) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          RowChange change = CommandCodec.decodeChange(r.value());
          if (change.kind() != RowChange.Kind.INSERT || change.owner() != null) {
            continue;
          }
          try {
            Object[] row = RowCodec.decode(types, change.newRow(), types.size());
            if (Long.valueOf(c).equals(row[0]) && Integer.valueOf(1).equals(row[1])) {
              found.add(change.tableId());
            }
          } catch (RuntimeException e) {
            // a row of another table
          }
        }
      }
      assertThat(found).hasSize(1);
      return found.iterator().next();
    }
  }

  private static List<LiveEvent> changes(List<LiveEvent> events) {
    List<LiveEvent> out = new ArrayList<>();
    for (LiveEvent e : events) {
      if (LiveEvents.isChange(e)) {
        out.add(e);
      }
    }
    return out;
  }
}
