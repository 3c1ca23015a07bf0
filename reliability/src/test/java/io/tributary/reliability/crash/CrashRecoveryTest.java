package io.tributary.reliability.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Row;
import io.tributary.client.Subscription;
import io.tributary.client.SubscriptionListener;
import io.tributary.client.TributaryClient;
import io.tributary.reliability.support.Reliability;
import io.tributary.reliability.support.ServerProcess;
import io.tributary.reliability.support.TrackingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability, exactly-once delivery and recovery time under SIGKILL (RELIABILITY.md, "Crash"). The
 * server runs in a child JVM; writers (one user each) run single- and multi-row INSERTs, UPDATEs
 * and DELETEs against a USER and a SHARED table while subscribers follow them; the server is killed
 * at a seeded random point and restarted on the same data directory. After each restart: the state
 * equals the model of the acknowledged writes (the one write per writer in flight at the kill may
 * be there or not, wholly), every subscriber resumed with {@code from_seq} holds exactly the
 * table's rows having seen each change once in {@code _seq} order, and the restart time is
 * recorded. One cycle kills the server while a large snapshot is being sent, another while a large
 * {@code DROP USER} purge runs (it finishes after the restart).
 */
class CrashRecoveryTest {
  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);

  private static final String NOTES = "rel.notes";
  private static final String BOARD = "rel.board";

  @TempDir Path dir;

  private final List<String> errors = new ArrayList<>();

  @Test
  void shouldLoseNothingAndDeliverEveryChangeOnceAcrossSigkills() throws Exception {
    long seed = Reliability.seed("crash");
    Random random = new Random(seed);
    int cycles = Reliability.size(3, 20);
    int writerCount = Reliability.size(3, 4);
    int bulkRows = Reliability.size(60_000, 300_000);
    List<Map<String, Object>> restarts = new ArrayList<>();

    try (ServerProcess server = new ServerProcess("crash", dir.resolve("data"), "768m")) {
      Duration firstStart = server.start();
      LOG.info("crash: first start ready in {} ms", firstStart.toMillis());
      try (TributaryClient root = login(server, "root", ServerProcess.ROOT_PASSWORD)) {
        root.update(
            "CREATE NAMESPACE rel;"
                + "CREATE TABLE rel.notes (id BIGINT PRIMARY KEY, val BIGINT, pad TEXT);"
                + "CREATE SHARED TABLE rel.board (id BIGINT PRIMARY KEY, val BIGINT, pad TEXT)"
                + " WITH (ACCESS_LEVEL = 'public');"
                + "CREATE TABLE rel.bulk (id BIGINT PRIMARY KEY, body TEXT)");
        for (int i = 0; i < writerCount; i++) {
          root.update("CREATE USER 'w" + i + "' WITH PASSWORD 'writer-password-" + i + "'");
        }
      }
      List<Writer> writers = new ArrayList<>();
      for (int i = 0; i < writerCount; i++) {
        writers.add(new Writer(i, new Random(random.nextLong())));
      }
      List<Follower> followers = new ArrayList<>();
      for (Writer w : writers) {
        followers.add(new Follower(w, NOTES, "SUBSCRIBE TO rel.notes"));
        followers.add(new Follower(w, BOARD, "SUBSCRIBE TO rel.board WHERE val >= 500"));
      }
      boolean bulkLoaded = false;
      boolean bulkUser = false;
      long acked = 0;
      String outcome = "failed";
      try {
        for (int cycle = 0; cycle < cycles; cycle++) {
          String kind = cycle % 10 == 1 ? "snapshot" : cycle % 10 == 2 ? "purge" : "writes";
          if (!kind.equals("writes") && !bulkLoaded) {
            loadBulk(server, bulkRows, !bulkUser);
            bulkLoaded = true;
            bulkUser = true;
          }
          for (Follower f : followers) {
            f.open(server);
          }
          AtomicLong ackedNow = new AtomicLong();
          for (Writer w : writers) {
            w.connect(server);
            w.start(ackedNow);
          }
          long target = 30 + random.nextInt(Reliability.size(90, 370));
          await("acknowledged writes before the kill")
              .atMost(Duration.ofMinutes(2))
              .until(() -> ackedNow.get() >= target || writers.stream().anyMatch(Writer::failed));
          BlockedSnapshot blocked = null;
          if (kind.equals("snapshot")) {
            blocked = new BlockedSnapshot(server);
          } else if (kind.equals("purge")) {
            try (TributaryClient root = login(server, "root", ServerProcess.ROOT_PASSWORD)) {
              root.update("DROP USER 'bulk'");
            }
            bulkLoaded = false;
            bulkUser = false;
          }
          writers.forEach(w -> w.killed = true);
          server.kill();
          for (Writer w : writers) {
            w.join();
          }
          if (blocked != null) {
            blocked.close();
          }
          followers.forEach(Follower::close);
          writers.forEach(w -> errors.addAll(w.errors));
          assertThat(errors).as("failures before the kill").isEmpty();
          acked += ackedNow.get();

          Duration restart = server.start();
          long inDoubt = writers.stream().filter(w -> w.inDoubt != null).count();
          LOG.info(
              "crash: cycle {} ({}) killed after {} acknowledged writes ({} in doubt); ready again"
                  + " in {} ms",
              cycle,
              kind,
              ackedNow.get(),
              inDoubt,
              restart.toMillis());
          Map<String, Object> figure = new LinkedHashMap<>();
          figure.put("cycle", cycle);
          figure.put("kill", kind);
          figure.put("ackedWritesThisCycle", ackedNow.get());
          figure.put("inDoubt", inDoubt);
          figure.put("restartToHealthyMs", restart.toMillis());
          restarts.add(figure);

          for (Follower f : followers) {
            f.open(server);
          }
          for (Writer w : writers) {
            w.connect(server);
            w.barrier();
          }
          verifyState(server, writers, followers);
          if (kind.equals("snapshot")) {
            verifySnapshotAfterRestart(server, bulkRows);
          } else if (kind.equals("purge")) {
            verifyPurgeFinished(server);
            bulkUser = true;
          }
          followers.forEach(Follower::close);
          writers.forEach(Writer::disconnect);
        }
        server.stop();
        outcome = "passed";
      } finally {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("seed", seed);
        figures.put("size", Reliability.full() ? "full" : "bounded");
        figures.put("cycles", cycles);
        figures.put("ackedWrites", acked);
        figures.put("bulkRows", bulkRows);
        figures.put("firstStartMs", firstStart.toMillis());
        figures.put(
            "maxRestartMs",
            restarts.stream().mapToLong(r -> (Long) r.get("restartToHealthyMs")).max().orElse(0));
        figures.put("machine", Reliability.machine());
        figures.put("date", java.time.Instant.now().toString());
        figures.put("restarts", restarts);
        figures.put("outcome", outcome);
        figures.put("cyclesCompleted", restarts.size());
        Reliability.writeFigures("crash", figures);
      }
    }
  }

  // ------------------------------------------------------------------------------- checks

  private void verifyState(ServerProcess server, List<Writer> writers, List<Follower> followers)
      throws Exception {
    Map<Long, List<Long>> board;
    try (TributaryClient root = login(server, "root", ServerProcess.ROOT_PASSWORD)) {
      board = rows(root, "SELECT * FROM rel.board");
    }
    Map<Writer, Map<Long, List<Long>>> notes = new HashMap<>();
    for (Writer w : writers) {
      notes.put(w, rows(w.client, "SELECT * FROM rel.notes"));
    }
    for (Writer w : writers) {
      Map<Long, List<Long>> ownBoard =
          board.entrySet().stream()
              .filter(e -> w.ownsBoardId(e.getKey()))
              .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      if (w.inDoubt != null) {
        w.resolve(w.inDoubt.table.equals(NOTES) ? notes.get(w) : ownBoard);
      }
      assertThat(values(notes.get(w)))
          .as("rel.notes of %s: every acknowledged write exactly once", w.user)
          .isEqualTo(w.notes);
      assertThat(values(ownBoard))
          .as("rel.board rows of %s: every acknowledged write exactly once", w.user)
          .isEqualTo(w.board);
    }
    for (Follower f : followers) {
      Map<Long, List<Long>> expected =
          f.table.equals(NOTES)
              ? notes.get(f.writer)
              : board.entrySet().stream()
                  .filter(e -> e.getValue().get(0) >= 500)
                  .collect(
                      Collectors.toMap(
                          Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
      await(f.listener.name() + " catching up")
          .atMost(Duration.ofMinutes(1))
          .untilAsserted(() -> assertThat(f.listener.rows()).isEqualTo(new TreeMap<>(expected)));
      assertThat(f.listener.violations()).as(f.listener.name()).isEmpty();
    }
  }

  private static void verifySnapshotAfterRestart(ServerProcess server, int bulkRows) {
    try (TributaryClient bulk = login(server, "bulk", "bulk-password-1")) {
      AtomicLong rows = new AtomicLong();
      CountDownLatch ready = new CountDownLatch(1);
      bulk.subscribe(
          "SUBSCRIBE TO rel.bulk",
          new SubscriptionListener() {
            @Override
            public void onSubscribed(List<io.tributary.client.Column> c, List<String> pk) {
              rows.set(0);
            }

            @Override
            public void onSnapshot(List<Row> batch, boolean last) {
              rows.addAndGet(batch.size());
            }

            @Override
            public void onReady(long seq) {
              ready.countDown();
            }

            @Override
            public void onInsert(Row row, long seq) {}

            @Override
            public void onUpdate(Row oldRow, Row newRow, long seq) {}

            @Override
            public void onDelete(Row row, long seq) {}
          });
      await("the snapshot after the restart")
          .atMost(Duration.ofMinutes(2))
          .until(() -> ready.getCount() == 0);
      assertThat(rows.get()).as("snapshot rows after a kill during a snapshot").isEqualTo(bulkRows);
    }
  }

  /**
   * The purge's steps are commands the materializer appends to the write topic as it goes: once its
   * consumer group has consumed every write topic to the end (only a transaction marker may follow
   * its committed offset), no step is pending. The dropped account's rows are unreadable meanwhile:
   * a user re-created under the name sees none.
   */
  private static void verifyPurgeFinished(ServerProcess server) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      await("the purge interrupted by the kill to finish")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(lag(admin)).isLessThanOrEqualTo(1));
    }
    try (TributaryClient root = login(server, "root", ServerProcess.ROOT_PASSWORD)) {
      root.update("CREATE USER 'bulk' WITH PASSWORD 'bulk-password-1'");
    }
    try (TributaryClient bulk = login(server, "bulk", "bulk-password-1")) {
      assertThat(bulk.query("SELECT COUNT(*) AS n FROM rel.bulk").rows().get(0).getLong("n"))
          .isZero();
    }
  }

  /** The largest lag of the materializer's group over the partitions it consumes. */
  private static long lag(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets("tributary-materializer")
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    var ends =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(30, TimeUnit.SECONDS);
    long max = 0;
    for (var e : committed.entrySet()) {
      long end = ends.get(e.getKey()).offset();
      long at = e.getValue() == null ? 0 : e.getValue().offset();
      max = Math.max(max, end - at);
    }
    return max;
  }

  private static void loadBulk(ServerProcess server, int rows, boolean createUser) {
    if (createUser) {
      try (TributaryClient root = login(server, "root", ServerProcess.ROOT_PASSWORD)) {
        root.update("CREATE USER 'bulk' WITH PASSWORD 'bulk-password-1'");
      }
    }
    try (TributaryClient bulk = login(server, "bulk", "bulk-password-1")) {
      int perStatement = 2_000;
      for (int from = 0; from < rows; from += perStatement) {
        StringBuilder sql = new StringBuilder("INSERT INTO rel.bulk (id, body) VALUES ");
        for (int id = from; id < Math.min(rows, from + perStatement); id++) {
          sql.append(id == from ? "" : ",")
              .append('(')
              .append(id)
              .append(",'bulk row ")
              .append(id)
              .append("')");
        }
        bulk.update(sql.toString());
      }
    }
  }

  private static Map<Long, List<Long>> rows(TributaryClient client, String sql) {
    Map<Long, List<Long>> rows = new TreeMap<>();
    for (Row row : client.query(sql).rows()) {
      rows.put(row.getLong("id"), List.of(row.getLong("val"), row.getLong("_seq")));
    }
    return rows;
  }

  private static Map<Long, Long> values(Map<Long, List<Long>> rows) {
    Map<Long, Long> values = new TreeMap<>();
    rows.forEach((id, row) -> values.put(id, row.get(0)));
    return values;
  }

  static TributaryClient login(ServerProcess server, String user, String password) {
    TributaryClient client = TributaryClient.connect(server.url(), Duration.ofSeconds(60));
    client.login(user, password);
    return client;
  }

  // ------------------------------------------------------------------------------- workload

  /** One write: the rows it touches, before and after (null: absent), in one table. */
  record Op(
      String table, String sql, Object[] params, Map<Long, Long> before, Map<Long, Long> after) {}

  /** One user writing its own rows of rel.notes and its own id range of rel.board. */
  static final class Writer {
    final int index;
    final String user;
    final Random random;
    final TreeMap<Long, Long> notes = new TreeMap<>();
    final TreeMap<Long, Long> board = new TreeMap<>();
    final List<String> errors = new ArrayList<>();
    volatile boolean killed;
    volatile Op inDoubt;
    TributaryClient client;
    private Thread thread;
    private long nextId = 1;

    Writer(int index, Random random) {
      this.index = index;
      this.user = "w" + index;
      this.random = random;
    }

    boolean ownsBoardId(long id) {
      return id / 1_000_000_000L == index + 1;
    }

    void connect(ServerProcess server) {
      client = login(server, user, "writer-password-" + index);
    }

    void disconnect() {
      client.close();
    }

    boolean failed() {
      synchronized (errors) {
        return !errors.isEmpty();
      }
    }

    void start(AtomicLong acked) {
      killed = false;
      inDoubt = null;
      thread =
          new Thread(
              () -> {
                while (true) {
                  Op op = next(random.nextBoolean() ? NOTES : BOARD);
                  if (!run(op, acked)) {
                    return;
                  }
                }
              },
              "writer-" + user);
      thread.start();
    }

    void join() throws InterruptedException {
      thread.join(TimeUnit.MINUTES.toMillis(2));
      assertThat(thread.isAlive()).as("writer %s still running after the kill", user).isFalse();
      client.close();
    }

    /** One acknowledged insert in each table after a restart: all earlier commands are applied. */
    void barrier() {
      killed = false;
      for (String table : List.of(NOTES, BOARD)) {
        long id = newId(table);
        Op op = insert(table, List.of(id));
        run(op, new AtomicLong());
        assertThat(errors).as("barrier write of %s", user).isEmpty();
      }
    }

    /** Runs one op; false when it failed (in doubt after a kill, an error otherwise). */
    private boolean run(Op op, AtomicLong acked) {
      long affected;
      try {
        affected = client.update(op.sql, op.params);
      } catch (RuntimeException e) {
        if (killed) {
          inDoubt = op;
        } else {
          synchronized (errors) {
            errors.add(user + ": " + op.sql + " failed: " + e);
          }
        }
        return false;
      }
      long expected =
          op.sql.startsWith("INSERT")
              ? op.after.size()
              : op.before.values().stream().filter(v -> v != null).count();
      if (affected != expected) {
        synchronized (errors) {
          errors.add(user + ": " + op.sql + " affected " + affected + ", expected " + expected);
        }
      }
      apply(op.table, op.after);
      acked.incrementAndGet();
      return !killed;
    }

    /** Adopts the outcome of the write in flight at the kill, which must be all or nothing. */
    void resolve(Map<Long, List<Long>> actual) {
      Op op = inDoubt;
      Map<Long, Long> observed = new HashMap<>();
      for (Long id : op.before.keySet()) {
        List<Long> row = actual.get(id);
        observed.put(id, row == null ? null : row.get(0));
      }
      assertThat(observed)
          .as("%s: the write in flight at the kill (%s) applied wholly or not at all", user, op.sql)
          .isIn(op.before, op.after);
      apply(op.table, observed);
      inDoubt = null;
    }

    private void apply(String table, Map<Long, Long> rows) {
      TreeMap<Long, Long> model = table.equals(NOTES) ? notes : board;
      rows.forEach(
          (id, val) -> {
            if (val == null) {
              model.remove(id);
            } else {
              model.put(id, val);
            }
          });
    }

    private long newId(String table) {
      long id = nextId++;
      return table.equals(NOTES) ? id : (index + 1) * 1_000_000_000L + id;
    }

    private Op next(String table) {
      TreeMap<Long, Long> model = table.equals(NOTES) ? notes : board;
      int kind = random.nextInt(100);
      if (model.size() < 5 || kind < 30) {
        return insert(table, List.of(newId(table)));
      }
      if (kind < 45) {
        List<Long> ids = new ArrayList<>();
        for (int i = 2 + random.nextInt(5); i > 0; i--) {
          ids.add(newId(table));
        }
        return insert(table, ids);
      }
      List<Long> keys = new ArrayList<>(model.keySet());
      long key = keys.get(random.nextInt(keys.size()));
      if (kind < 65) {
        long delta = 1 + random.nextInt(9);
        return new Op(
            table,
            "UPDATE " + table + " SET val = val + $1 WHERE id = $2",
            new Object[] {delta, key},
            Map.of(key, model.get(key)),
            Map.of(key, model.get(key) + delta));
      }
      if (kind < 75) {
        long to = key + 1 + random.nextInt(20);
        Map<Long, Long> before = new HashMap<>(model.subMap(key, true, to, true));
        Map<Long, Long> after = new HashMap<>();
        before.forEach((id, val) -> after.put(id, val + 1));
        return new Op(
            table,
            "UPDATE " + table + " SET val = val + 1 WHERE id BETWEEN $1 AND $2",
            new Object[] {key, to},
            before,
            after);
      }
      long to = kind < 90 ? key : key + 1 + random.nextInt(5);
      Map<Long, Long> before = new HashMap<>(model.subMap(key, true, to, true));
      Map<Long, Long> after = new HashMap<>();
      before.keySet().forEach(id -> after.put(id, null));
      return to == key
          ? new Op(
              table, "DELETE FROM " + table + " WHERE id = $1", new Object[] {key}, before, after)
          : new Op(
              table,
              "DELETE FROM " + table + " WHERE id BETWEEN $1 AND $2",
              new Object[] {key, to},
              before,
              after);
    }

    private Op insert(String table, List<Long> ids) {
      StringBuilder sql = new StringBuilder("INSERT INTO " + table + " (id, val, pad) VALUES ");
      List<Object> params = new ArrayList<>();
      Map<Long, Long> before = new HashMap<>();
      Map<Long, Long> after = new HashMap<>();
      for (long id : ids) {
        long val = random.nextInt(1000);
        int p = params.size();
        sql.append(p == 0 ? "" : ", ")
            .append("($")
            .append(p + 1)
            .append(", $")
            .append(p + 2)
            .append(", $")
            .append(p + 3)
            .append(')');
        params.add(id);
        params.add(val);
        params.add("written by " + user + " as " + id);
        before.put(id, null);
        after.put(id, val);
      }
      return new Op(table, sql.toString(), params.toArray(), before, after);
    }
  }

  /** One subscription of a writer's user, resumed after each restart from its last {@code _seq}. */
  static final class Follower {
    final Writer writer;
    final String table;
    final String sql;
    final TrackingListener listener;
    private TributaryClient client;
    private Subscription subscription;

    Follower(Writer writer, String table, String sql) {
      this.writer = writer;
      this.table = table;
      this.sql = sql;
      this.listener = new TrackingListener(writer.user + " " + sql);
    }

    void open(ServerProcess server) {
      if (client != null) {
        return;
      }
      client = login(server, writer.user, "writer-password-" + writer.index);
      if (listener.ready() && listener.lastSeq() >= 0) {
        subscription =
            client.subscribe(sql + " OPTIONS (from_seq = " + listener.lastSeq() + ")", listener);
      } else {
        listener.reset();
        subscription = client.subscribe(sql, listener);
      }
    }

    void close() {
      if (client != null) {
        subscription.close();
        client.close();
        client = null;
      }
    }
  }

  /** A subscription to the bulk rows whose listener stops reading after the first batch. */
  static final class BlockedSnapshot implements AutoCloseable {
    private final CountDownLatch release = new CountDownLatch(1);
    private final TributaryClient client;

    BlockedSnapshot(ServerProcess server) {
      client = login(server, "bulk", "bulk-password-1");
      CountDownLatch firstBatch = new CountDownLatch(1);
      client.subscribe(
          "SUBSCRIBE TO rel.bulk OPTIONS (batch_size = 100)",
          new SubscriptionListener() {
            @Override
            public void onSnapshot(List<Row> rows, boolean last) {
              firstBatch.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }

            @Override
            public void onInsert(Row row, long seq) {}

            @Override
            public void onUpdate(Row oldRow, Row newRow, long seq) {}

            @Override
            public void onDelete(Row row, long seq) {}
          });
      await("the first batch of the large snapshot")
          .atMost(Duration.ofMinutes(1))
          .until(() -> firstBatch.getCount() == 0);
    }

    @Override
    public void close() {
      release.countDown();
      client.close();
    }
  }
}
