package io.tributary.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.log.Log;
import io.tributary.log.LogConfig;
import io.tributary.log.LogReader;
import io.tributary.log.LogRecord;
import io.tributary.query.Environment;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.SourcePosition;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.CommandCodec;
import io.tributary.query.command.WriteCommand;
import io.tributary.source.testing.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash window of source positions: commands durable in the log whose position record was never
 * written (the node stopped in between) are found by their request ids when the stream starts
 * again, and are not appended a second time, while a transaction's missing commands are.
 */
class SourcePositionCrashTest {
  @TempDir Path dir;

  @Test
  void shouldNotAppendTwiceWhatIsInTheLogAfterTheRecordedPosition() throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.shared();
    pg.createDatabase("crash_db", "crash_user", "crash-pw");
    pg.execute(
        "crash_db",
        "CREATE TABLE items (id INT PRIMARY KEY, body TEXT)",
        "CREATE TABLE unmapped (id INT PRIMARY KEY)",
        "CREATE PUBLICATION tributary FOR TABLE items, unmapped",
        "SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')");

    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    TableDef items =
        new TableDef(
            77,
            "app",
            "items",
            TableKind.SHARED,
            List.of(
                new ColumnDef("id", ColumnType.INT, false, null),
                new ColumnDef("body", ColumnType.TEXT, true, null)),
            List.of("id"),
            Map.of(),
            0);
    catalog.apply(CatalogRecord.table(items));
    catalog.apply(
        CatalogRecord.source(
            new SourceDef(
                "crash",
                "postgres",
                pg.url("crash_db"),
                "crash_user",
                "crash-pw",
                "tributary",
                "crash_slot",
                List.of(new SourceDef.SourceTable("public", "items", "app", "items", null, 0)),
                0)));
    // a node that stops after its commands are durable and before it records their position:
    // position records with an LSN above crashAbove fail (the ones saying where the source
    // writes, which repeat the recorded LSN, pass)
    AtomicLong crashAbove = new AtomicLong(0);
    AtomicInteger crashes = new AtomicInteger();
    AtomicInteger positionRecords = new AtomicInteger();
    Sources.CatalogAppender appender =
        records -> {
          for (CatalogRecord r : records) {
            if (r.value() instanceof SourcePosition p) {
              if (p.lsn() > crashAbove.get()) {
                crashes.incrementAndGet();
                throw new IllegalStateException("the node stopped");
              }
              positionRecords.incrementAndGet();
            }
            catalog.apply(r);
          }
        };

    try (Log log = Log.open(LogConfig.embedded(dir.resolve("kafka")).withPartitions(2))) {
      log.start();
      try (Sources sources = Sources.postgres(catalog, appender, log, new CountingEnvironment())) {
        sources.start();
        for (int i = 1; i <= 10; i++) {
          pg.execute("crash_db", "INSERT INTO items VALUES (" + i + ", 'v" + i + "')");
        }
        pg.execute("crash_db", "UPDATE items SET body = 'changed' WHERE id <= 3");
        // every change (one UPDATE of 3 rows is 3 changes) reaches the log once; the source
        // retries, finding its commands in the log each time
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(commands(log)).hasSize(13));
        assertThat(catalog.sourcePosition("crash").map(SourcePosition::lsn)).contains(0L);
        crashAbove.set(Long.MAX_VALUE); // the node runs normally again
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> catalog.sourcePosition("crash").map(SourcePosition::lsn).orElse(0L) > 0);
        pg.execute("crash_db", "DELETE FROM items WHERE id = 10");
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(commands(log)).hasSize(14));
        // every position record says where commands after it may be, moved past those it covers
        String partition =
            log.topics().sharedWrites() + "/" + log.topics().sharedWrite(77).partition();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () ->
                    assertThat(catalog.sourcePosition("crash").orElseThrow().scanFrom())
                        .containsEntry(partition, 14L));

        // the node stops again, now after a normal position record: T2's commands are durable,
        // its position record is not
        long recorded = catalog.sourcePosition("crash").orElseThrow().lsn();
        crashAbove.set(recorded);
        pg.execute("crash_db", "INSERT INTO items VALUES (11, 'v11'), (12, 'v12')");
        pg.execute("crash_db", "UPDATE items SET body = 'again' WHERE id = 11");
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(commands(log)).hasSize(17));
        // it restarts several times more, finding the commands in the log each time
        int crashed = crashes.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> crashes.get() >= crashed + 3);
        assertThat(commands(log)).hasSize(17);
        assertThat(catalog.sourcePosition("crash").orElseThrow().lsn()).isEqualTo(recorded);
        crashAbove.set(Long.MAX_VALUE);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> catalog.sourcePosition("crash").orElseThrow().lsn() > recorded);

        long caughtUp = walLsn(pg);
        await().atMost(Duration.ofSeconds(60)).until(() -> confirmedLsn(pg) >= caughtUp);

        // a transaction with no mapped change is acknowledged without a position record
        int records = positionRecords.get();
        pg.execute("crash_db", "INSERT INTO unmapped VALUES (1)");
        long walEnd = walLsn(pg);
        await().atMost(Duration.ofSeconds(60)).until(() -> confirmedLsn(pg) >= walEnd);
        assertThat(positionRecords.get()).isEqualTo(records);
      }
      List<WriteCommand> all = commands(log);
      assertThat(all.stream().map(WriteCommand::requestId)).doesNotHaveDuplicates();
      assertThat(all).hasSize(17);
      assertThat(all.stream().filter(c -> c instanceof WriteCommand.InsertRows)).hasSize(12);
      assertThat(all.stream().filter(c -> c instanceof WriteCommand.UpdateRows)).hasSize(4);
      assertThat(all.stream().filter(c -> c instanceof WriteCommand.DeleteRows)).hasSize(1);
    } finally {
      pg.execute("postgres", "SELECT pg_drop_replication_slot('crash_slot')");
    }
  }

  private static long walLsn(EmbeddedPostgres pg) throws Exception {
    return lsnQuery(pg, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
  }

  private static long confirmedLsn(EmbeddedPostgres pg) throws Exception {
    return lsnQuery(
        pg,
        "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots"
            + " WHERE slot_name = 'crash_slot'");
  }

  private static long lsnQuery(EmbeddedPostgres pg, String sql) throws Exception {
    try (Connection c = pg.connect("crash_db");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  /** Every command in the SHARED write topic, in offset order per partition. */
  private static List<WriteCommand> commands(Log log) {
    List<WriteCommand> out = new ArrayList<>();
    String topic = log.topics().sharedWrites();
    int partition = log.topics().sharedWrite(77).partition();
    try (LogReader reader = log.openReader(topic, partition)) {
      long end = reader.endOffset(Duration.ofSeconds(30));
      reader.seekToBeginning();
      while (reader.position() < end) {
        for (LogRecord r : reader.poll(Duration.ofMillis(200))) {
          out.add(CommandCodec.decodeCommand(r.value()));
        }
      }
    }
    return out;
  }

  private static final class CountingEnvironment implements Environment {
    private final AtomicLong ids = new AtomicLong(1_000);

    @Override
    public long nowMillis() {
      return 1_700_000_000_000L;
    }

    @Override
    public long nextId() {
      return ids.incrementAndGet();
    }

    @Override
    public String uuidV7() {
      return "018cc251-f400-7000-8000-000000000001";
    }

    @Override
    public String requestId() {
      return "req-" + ids.incrementAndGet();
    }

    @Override
    public String hashPassword(String password) {
      return password;
    }
  }
}
