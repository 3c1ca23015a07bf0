package io.tributary.iceberg.internal;

import static io.tributary.iceberg.internal.ColdFixtures.drain;
import static io.tributary.iceberg.internal.ColdFixtures.everyType;
import static io.tributary.iceberg.internal.ColdFixtures.shown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.exec.FlushCommit;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.Expressions;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IcebergColdStoreTest {
  @TempDir Path dir;
  private IcebergColdStore store;

  @BeforeEach
  void open() {
    store = IcebergColdStore.open(dir, 16);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Object[] row(long id, Object... rest) {
    Object[] row = new Object[12];
    row[0] = id;
    System.arraycopy(rest, 0, row, 1, rest.length);
    return row;
  }

  private static Object[] full(long id, long seq) {
    return new Object[] {
      id,
      id % 2 == 0,
      (int) id * 7,
      id / 3.0,
      new BigDecimal(id + ".25"),
      "message " + id + " é ✓",
      ("bytes" + id).getBytes(StandardCharsets.UTF_8),
      "{\"k\":" + id + "}",
      1_700_000_000_123L + id,
      19_000 + (int) id,
      "00000000-0000-0000-0000-" + String.format("%012d", id),
      seq
    };
  }

  private static Object[] nulls(long id, long seq) {
    Object[] r = new Object[12];
    r[0] = id;
    r[11] = seq;
    return r;
  }

  private static Iterator<RowVersion> versions(RowVersion... v) {
    return List.of(v).iterator();
  }

  @Test
  void shouldReadBackEveryTypeAndNullExactlyAsWritten() {
    TableDef table = everyType(7, TableKind.USER);
    List<RowVersion> written = new ArrayList<>();
    for (long id = 1; id <= 50; id++) {
      written.add(RowVersion.of("u" + (id % 5), full(id, 100 + id)));
    }
    written.add(RowVersion.of("u1", nulls(51, 151)));

    FlushCommit commit = store.flush(table, "f1", 151, written.iterator());

    assertThat(commit.alreadyCommitted()).isFalse();
    assertThat(commit.rows()).isEqualTo(51);
    assertThat(commit.flushedSeq()).isEqualTo(151);
    assertThat(store.flushedSeq(table)).isEqualTo(151);
    assertThat(shown(drain(store.scan(table, null, null)))).isEqualTo(shown(written));
    assertThat(shown(drain(store.scan(table, "u1", null))))
        .isEqualTo(shown(written.stream().filter(v -> v.owner().equals("u1")).toList()));
  }

  @Test
  void shouldGiveEveryColumnAFieldIdAndPartitionByOwnerBucket() {
    TableDef table = everyType(7, TableKind.USER);
    store.ensureTable(table);
    Table t = store.find(table);

    Types.NestedField owner = t.schema().findField("_owner");
    Types.NestedField seq = t.schema().findField("_seq");
    assertThat(owner.fieldId()).isEqualTo(1);
    assertThat(owner.type()).isEqualTo(Types.StringType.get());
    assertThat(seq.fieldId()).isEqualTo(2);
    assertThat(seq.isRequired()).isTrue();
    for (int i = 0; i < table.columns().size(); i++) {
      ColumnDef c = table.columns().get(i);
      assertThat(t.schema().findField(c.name()).fieldId()).as(c.name()).isEqualTo(3 + i);
    }
    assertThat(t.schema().findField("id").isRequired()).isTrue();
    assertThat(t.schema().findField("created_at").type()).isEqualTo(Types.TimestampType.withZone());
    assertThat(t.schema().findField("price").type()).isEqualTo(Types.DecimalType.of(10, 2));
    PartitionField bucket = t.spec().fields().get(0);
    assertThat(t.spec().fields()).hasSize(1);
    assertThat(bucket.sourceId()).isEqualTo(1);
    assertThat(bucket.transform().toString()).isEqualTo("bucket[16]");
    assertThat(t.sortOrder().fields()).hasSize(2);
    assertThat(t.properties()).containsEntry(IcebergColdStore.TABLE_ID, "7");
    assertThat(t.location()).endsWith("/warehouse/chat/messages-7");
  }

  @Test
  void shouldRefuseStreamTablesAndKeepThemOutOfTheCatalog() {
    TableDef stream = everyType(9, TableKind.STREAM);

    assertThatThrownBy(() -> store.ensureTable(stream))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot keep chat.messages in the cold tier: STREAM tables never reach cold storage")
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(ErrorCode.INVALID_DEFINITION);
    assertThatThrownBy(() -> store.flush(stream, "f1", 1, versions()))
        .hasMessageContaining("STREAM tables never reach cold storage");
    assertThat(store.find(stream)).isNull();
    assertThat(drain(store.scan(stream, "u1", null))).isEmpty();
  }

  @Test
  void shouldCommitARetriedFlushOnlyOnce() {
    TableDef table = everyType(7, TableKind.USER);
    RowVersion a = RowVersion.of("u1", full(1, 10));
    RowVersion b = RowVersion.of("u2", full(2, 11));
    FlushCommit first = store.flush(table, "flush-1", 11, versions(a, b));
    long snapshots = count(store.find(table).snapshots());

    FlushCommit retry = store.flush(table, "flush-1", 11, versions(a, b));
    // A retry under a new id of a position already covered commits nothing either.
    FlushCommit covered = store.flush(table, "flush-1b", 11, versions(a, b));

    assertThat(retry.alreadyCommitted()).isTrue();
    assertThat(retry.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(covered.alreadyCommitted()).isTrue();
    assertThat(count(store.find(table).snapshots())).isEqualTo(snapshots);
    assertThat(drain(store.scan(table, null, null))).hasSize(2);
    assertThat(store.find(table).currentSnapshot().summary())
        .containsEntry(IcebergColdStore.FLUSH_ID, "flush-1")
        .containsEntry(IcebergColdStore.FLUSHED_SEQ, "11");
  }

  @Test
  void shouldLeaveNoStrayFileWhenAFlushIsRetriedAfterACrashBeforeItsCommit() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    store.flush(table, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));
    List<RowVersion> batch = new ArrayList<>();
    for (long id = 2; id <= 40; id++) {
      batch.add(RowVersion.of("u" + id, full(id, id)));
    }
    // The crashed attempt: its files are written, its commit never happens.
    List<org.apache.iceberg.DataFile> crashed =
        IcebergColdStore.write(store.find(table), table, "f2-40", batch); // flush id, position
    assertThat(crashed).isNotEmpty();

    FlushCommit retry = store.flush(table, "f2", 40, batch.iterator());

    assertThat(retry.alreadyCommitted()).isFalse();
    Table t = store.find(table);
    java.util.Set<String> referenced = new java.util.HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      tasks.forEach(task -> referenced.add(task.file().location()));
    }
    java.util.Set<String> onDisk;
    try (var files = java.nio.file.Files.walk(Path.of(t.location(), "data"))) {
      onDisk =
          files
              .filter(p -> p.toString().endsWith(".parquet"))
              .map(Path::toString)
              .collect(java.util.stream.Collectors.toSet());
    }
    assertThat(onDisk).isEqualTo(referenced);
    assertThat(drain(store.scan(table, null, null))).hasSize(40);
  }

  @Test
  void shouldReplaceSupersededVersionsAndDropDeletedKeysInOneCommit() {
    TableDef table = everyType(7, TableKind.USER);
    List<RowVersion> first = new ArrayList<>();
    for (long id = 1; id <= 20; id++) {
      first.add(RowVersion.of("u" + (id % 4), full(id, id)));
    }
    store.flush(table, "f1", 20, first.iterator());
    long snapshotsBefore = count(store.find(table).snapshots());

    Object[] updated = full(3, 30);
    updated[5] = "edited";
    store.flush(
        table,
        "f2",
        32,
        versions(
            RowVersion.of("u3", updated),
            RowVersion.tombstone("u0", nulls(4, 31)),
            RowVersion.of("u1", full(21, 32))));

    List<RowVersion> rows = drain(store.scan(table, null, null));
    assertThat(rows).hasSize(20);
    assertThat(rows).noneMatch(v -> v.row()[0].equals(4L));
    assertThat(rows.stream().filter(v -> v.row()[0].equals(3L)).toList())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.row()[5]).isEqualTo("edited");
              assertThat(v.seq()).isEqualTo(30L);
            });
    assertThat(count(store.find(table).snapshots())).isEqualTo(snapshotsBefore + 1);
    assertThat(store.find(table).currentSnapshot().operation()).isEqualTo("overwrite");
  }

  @Test
  void shouldRecordAnEmptyFlushAsTheFlushedPosition() {
    TableDef table = everyType(7, TableKind.USER);
    FlushCommit first = store.flush(table, "f1", 5, versions());
    store.flush(table, "f2", 9, versions(RowVersion.of("u1", full(1, 9))));
    FlushCommit third = store.flush(table, "f3", 12, versions());

    assertThat(first.alreadyCommitted()).isFalse();
    assertThat(first.files()).isZero();
    assertThat(third.flushedSeq()).isEqualTo(12);
    assertThat(store.flushedSeq(table)).isEqualTo(12);
    assertThat(drain(store.scan(table, "u1", null))).hasSize(1);
  }

  @Test
  void shouldAppendWithoutRewritingWhenAFlushOnlyAddsNewKeys() {
    TableDef table = everyType(7, TableKind.USER);
    store.flush(table, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));
    store.flush(table, "f2", 2, versions(RowVersion.of("u1", full(2, 2))));

    assertThat(store.find(table).currentSnapshot().operation()).isEqualTo("append");
    assertThat(drain(store.scan(table, "u1", null))).hasSize(2);
  }

  @Test
  void shouldPlanOnlyTheOwnersBucketForOneUsersScan() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    int flushes = 3;
    long seq = 0;
    for (int f = 0; f < flushes; f++) {
      List<RowVersion> batch = new ArrayList<>();
      for (int u = 0; u < 200; u++) {
        for (int k = 0; k < 5; k++) {
          seq++;
          batch.add(RowVersion.of("user-" + u, full(seq, seq)));
        }
      }
      store.flush(table, "f" + f, seq, batch.iterator());
    }
    Table t = store.find(table);
    int allFiles = count(t.newScan().planFiles());

    int oneUsersFiles =
        count(
            t.newScan()
                .filter(org.apache.iceberg.expressions.Expressions.equal("_owner", "user-42"))
                .planFiles());

    assertThat(allFiles).isEqualTo(16 * flushes);
    assertThat(oneUsersFiles).isEqualTo(flushes);
    assertThat(drain(store.scan(table, "user-42", null)))
        .hasSize(5 * flushes)
        .allMatch(v -> v.owner().equals("user-42"));
  }

  @Test
  void shouldPushThePredicateDownAndStillFilterEveryRow() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    for (int f = 0; f < 4; f++) {
      List<RowVersion> batch = new ArrayList<>();
      for (long id = f * 100L + 1; id <= f * 100L + 100; id++) {
        batch.add(RowVersion.of("u1", full(id, id)));
      }
      store.flush(table, "f" + f, f * 100L + 100, batch.iterator());
    }
    var where = Expressions.bindPredicate(table, "id BETWEEN 150 AND 160 AND n <> 1057");
    Table t = store.find(table);
    var pushed = PredicateTranslator.translate(table, where.tree()).expression();

    assertThat(count(t.newScan().filter(pushed).planFiles())).isEqualTo(1);
    assertThat(drain(store.scan(table, "u1", where)))
        .extracting(v -> v.row()[0])
        .containsExactlyInAnyOrder(150L, 152L, 153L, 154L, 155L, 156L, 157L, 158L, 159L, 160L);
  }

  @Test
  void shouldKeepTablesAndFlushesAcrossAReopen() {
    TableDef table = everyType(7, TableKind.SHARED);
    store.flush(table, "f1", 5, versions(RowVersion.of(null, full(1, 5))));
    store.close();

    store = IcebergColdStore.open(dir, 16);

    assertThat(store.flushedSeq(table)).isEqualTo(5);
    assertThat(drain(store.scan(table, null, null))).hasSize(1);
  }

  @Test
  void shouldKeepATableApartFromAnEarlierTableOfTheSameName() {
    // a DROP TABLE whose cold drop never ran (a crash after the catalog's append) left table 7's
    TableDef earlier = everyType(7, TableKind.USER);
    store.flush(earlier, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));
    TableDef again = everyType(8, TableKind.USER);

    store.ensureTable(again);
    store.flush(again, "f1", 1, versions(RowVersion.of("u1", full(2, 1))));

    assertThat(drain(store.scan(again, "u1", null)))
        .extracting(v -> v.row()[0])
        .containsExactly(2L);
    assertThat(drain(store.scan(earlier, "u1", null)))
        .extracting(v -> v.row()[0])
        .containsExactly(1L);
    assertThat(IcebergColdStore.identifier(again).name()).isEqualTo("messages_8");
    store.drop(earlier);
    assertThat(drain(store.scan(again, "u1", null))).hasSize(1);
  }

  @Test
  void shouldDropTheColdTablesOfTablesThatNoLongerExist() {
    TableDef dropped = everyType(7, TableKind.USER);
    TableDef kept = everyType(8, TableKind.USER);
    store.flush(dropped, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));
    store.flush(kept, "f1", 1, versions(RowVersion.of("u1", full(2, 1))));

    assertThat(store.dropOrphans(java.util.Set.of(8L))).isEqualTo(1);

    assertThat(store.find(dropped)).isNull();
    assertThat(drain(store.scan(kept, "u1", null))).hasSize(1);
    assertThat(store.dropOrphans(java.util.Set.of(8L))).isZero();
  }

  @Test
  void shouldRenameAColdTableNamedBeforeTablesWereNamedById() {
    TableDef table = everyType(7, TableKind.SHARED);
    store.flush(table, "f1", 3, versions(RowVersion.of(null, full(1, 3))));
    store
        .catalog()
        .renameTable(
            IcebergColdStore.identifier(table),
            org.apache.iceberg.catalog.TableIdentifier.of("chat", "messages"));

    assertThat(store.flushedSeq(table)).isEqualTo(3);
    assertThat(drain(store.scan(table, null, null))).hasSize(1);
    assertThat(store.catalog().tableExists(IcebergColdStore.identifier(table))).isTrue();
  }

  @Test
  void shouldRefuseBadFlushesAndChangeNothing() {
    TableDef table = everyType(7, TableKind.USER);
    store.flush(table, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));

    assertThatThrownBy(() -> store.flush(table, "bad id!", 2, versions()))
        .hasMessage("Cannot flush chat.messages: the flush id must be 1 to 64 of A-Z a-z 0-9 _ -");
    assertThatThrownBy(() -> store.flush(table, "f2", 2, versions(RowVersion.of(null, full(2, 2)))))
        .hasMessage("Cannot flush chat.messages: rows of a USER table need an owner");
    assertThatThrownBy(
            () -> store.flush(table, "f3", 3, versions(RowVersion.of("u1", new Object[] {1L, 3L}))))
        .hasMessage(
            "Cannot flush chat.messages: a row has 2 values, expected 12 (the columns and _seq)");
    Object[] wrong = full(4, 4);
    wrong[2] = "not an int";
    assertThatThrownBy(() -> store.flush(table, "f4", 4, versions(RowVersion.of("u1", wrong))))
        .hasMessage(
            "Cannot flush chat.messages: the value of column n is not a canonical INT (String)");

    assertThat(store.flushedSeq(table)).isEqualTo(1);
    assertThat(drain(store.scan(table, null, null))).hasSize(1);
  }

  @Test
  void shouldEraseOneOwnersRowsFromEveryFileOnDiskAndKeepEveryoneElses() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    store.ensureTable(table);
    // Uncompressed Parquet, so that a byte scan can see the marker at all (checked below).
    store
        .find(table)
        .updateProperties()
        .set(org.apache.iceberg.TableProperties.PARQUET_COMPRESSION, "uncompressed")
        .set(org.apache.iceberg.TableProperties.PARQUET_DICT_SIZE_BYTES, "1")
        .commit();
    String marker = "MARKER-7f3a9c";
    long seq = 0;
    List<RowVersion> others = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      List<RowVersion> batch = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        seq++;
        Object[] mine = full(seq, seq);
        mine[5] = marker + " " + seq;
        batch.add(RowVersion.of("victim", mine));
        seq++;
        RowVersion other = RowVersion.of("u" + (i % 7), full(seq, seq));
        batch.add(other);
        others.add(other);
      }
      if (f == 2) {
        Object[] updated = full(1, seq + 1); // supersedes a victim row: an older file version
        updated[5] = marker + " updated";
        batch.add(RowVersion.of("victim", updated));
        seq++;
      }
      store.flush(table, "f" + f, seq, batch.iterator());
    }
    assertThat(occurrences(dir, marker)).as("the byte scan sees the marker before").isPositive();

    long removed = store.erase(table, "victim");

    assertThat(removed).isEqualTo(90);
    assertThat(drain(store.scan(table, "victim", null))).isEmpty();
    assertThat(shown(drain(store.scan(table, null, null)))).isEqualTo(shown(others));
    assertThat(occurrences(dir, marker)).isZero();
    assertThat(store.flushedSeq(table)).isEqualTo(seq);
    Table t = store.find(table);
    assertThat(count(t.snapshots())).isEqualTo(1);
    // No manifest keeps the removed files (and their column statistics) as deleted entries.
    assertThat(t.currentSnapshot().allManifests(t.io()))
        .noneMatch(org.apache.iceberg.ManifestFile::hasDeletedFiles);
  }

  @Test
  void shouldRefuseToEraseFromASharedTable() {
    assertThatThrownBy(() -> store.erase(everyType(7, TableKind.SHARED), "u1"))
        .hasMessage("Cannot erase an owner's rows of chat.messages: only USER tables have owners");
  }

  @Test
  void shouldDropTheColdTableWithItsFiles() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    store.flush(table, "f1", 1, versions(RowVersion.of("u1", full(1, 1))));
    String location = store.find(table).location();

    store.drop(table);

    assertThat(store.find(table)).isNull();
    try (var files = java.nio.file.Files.walk(Path.of(location))) {
      assertThat(files.filter(java.nio.file.Files::isRegularFile).toList()).isEmpty();
    }
    // the name is free again for a new table
    store.ensureTable(everyType(8, TableKind.USER));
    assertThat(store.find(everyType(8, TableKind.USER))).isNotNull();
  }

  @Test
  void shouldExpireOldSnapshotsSoReplacedFilesLeaveTheDisk() throws Exception {
    TableDef table = everyType(7, TableKind.USER);
    for (long f = 1; f <= 25; f++) {
      store.flush(table, "f" + f, f, versions(RowVersion.of("u1", full(f, f))));
    }
    assertThat(count(store.find(table).snapshots())).isLessThanOrEqualTo(20);

    store.flush(table, "update", 26, versions(RowVersion.of("u1", full(1, 26))));

    Table t = store.find(table);
    assertThat(count(t.snapshots())).isEqualTo(10);
    long onDisk;
    try (var files = java.nio.file.Files.walk(Path.of(t.location(), "data"))) {
      onDisk = files.filter(p -> p.toString().endsWith(".parquet")).count();
    }
    int referencedByKept = 0;
    java.util.Set<String> live = new java.util.HashSet<>();
    for (org.apache.iceberg.Snapshot s : t.snapshots()) {
      try (CloseableIterable<FileScanTask> tasks =
          t.newScan().useSnapshot(s.snapshotId()).planFiles()) {
        tasks.forEach(task -> live.add(task.file().location()));
      }
    }
    referencedByKept = live.size();
    assertThat(onDisk).isEqualTo(referencedByKept);
    assertThat(drain(store.scan(table, "u1", null))).hasSize(25);
  }

  /** How many times the text occurs in the bytes of every file under the directory. */
  private static int occurrences(Path root, String text) throws java.io.IOException {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    int n = 0;
    try (var files = java.nio.file.Files.walk(root)) {
      for (Path p : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        byte[] bytes = java.nio.file.Files.readAllBytes(p);
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
          for (int j = 0; j < needle.length; j++) {
            if (bytes[i + j] != needle[j]) {
              continue outer;
            }
          }
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void shouldNotCreateTheColdTableForARefusedFlush() {
    TableDef table = everyType(7, TableKind.USER);

    assertThatThrownBy(() -> store.flush(table, "f1", 1, versions(RowVersion.of(null, full(1, 1)))))
        .hasMessage("Cannot flush chat.messages: rows of a USER table need an owner");
    assertThat(store.find(table)).isNull();
  }

  @Test
  void shouldLookUpTheColdVersionsOfSomeKeysOfOneOwner() {
    TableDef table = everyType(7, TableKind.USER);
    List<RowVersion> batch = new ArrayList<>();
    for (long id = 1; id <= 60; id++) {
      batch.add(RowVersion.of("u" + (id % 3), full(id, id)));
    }
    store.flush(table, "f1", 60, batch.iterator());

    List<RowVersion> found =
        store.lookup(
            table,
            "u1",
            List.<Object[]>of(new Object[] {1L}, new Object[] {4L}, new Object[] {2L}));

    // 2 belongs to u2, 99 to nobody: only u1's keys come back
    assertThat(found).extracting(v -> v.row()[0]).containsExactlyInAnyOrder(1L, 4L);
    assertThat(found).allMatch(v -> v.owner().equals("u1"));
    assertThat(store.lookup(table, "u1", List.<Object[]>of(new Object[] {99L}))).isEmpty();
    assertThat(store.lookup(table, "u1", List.<Object[]>of())).isEmpty();
    assertThatThrownBy(() -> store.lookup(table, "u1", List.<Object[]>of(new Object[] {"1"})))
        .hasMessage(
            "Cannot look up keys of chat.messages: a key does not fit its primary key [BIGINT]");
  }

  @Test
  void shouldReadNothingFromATableNeverFlushed() {
    TableDef table = everyType(7, TableKind.USER);
    assertThat(drain(store.scan(table, "u1", null))).isEmpty();
    assertThat(store.flushedSeq(table)).isEqualTo(-1);
    assertThat(store.find(table)).isNull();
  }

  private static int count(Iterable<?> items) throws RuntimeException {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    if (items instanceof CloseableIterable<?> c) {
      try {
        c.close();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return n;
  }
}
