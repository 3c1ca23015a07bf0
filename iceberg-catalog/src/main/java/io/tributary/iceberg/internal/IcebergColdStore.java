package io.tributary.iceberg.internal;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowCodec;
import io.tributary.query.exec.ColdCursor;
import io.tributary.query.exec.ColdTier;
import io.tributary.query.exec.FlushCommit;
import io.tributary.query.exec.RowVersion;
import io.tributary.query.expr.BoundExpression;
import io.tributary.query.expr.Expressions;
import io.tributary.query.expr.RowPredicate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.jdbc.JdbcClientPool;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cold tier on Iceberg: a {@link JdbcCatalog} on an embedded H2 database and a {@link
 * LocalFileIO}, both under one directory ({@code catalog.mv.db} and {@code warehouse/}). One
 * Iceberg table per USER or SHARED table, named {@code <namespace>.<table>} and located at {@code
 * warehouse/<namespace>/<table>-<id>} (so a re-created table never shares files with its
 * predecessor); its schema, partitioning and sort order are {@link ColdSchema}'s.
 *
 * <p><b>Flush.</b> One flush is one Iceberg commit: an append when it only adds new keys, an
 * overwrite (copy-on-write) when it supersedes or deletes keys already in cold files, which are
 * rewritten without them. No delete files are ever written (Iceberg's Arrow reader refuses them,
 * and external engines read plain data files). The snapshot summary records the flush id and the
 * table's flushed position, which makes a retried flush a no-op. Data file names derive from the
 * flush id, so a retry after a crash before the commit overwrites the files of the failed attempt
 * instead of leaving them behind.
 *
 * <p><b>Scan.</b> The bound predicate is translated once into an Iceberg expression ({@link
 * PredicateTranslator}) that prunes partitions, files and row groups; rows are read as Arrow
 * batches and filtered by the compiled predicate ({@link ArrowColdCursor}).
 */
public final class IcebergColdStore implements ColdTier {
  /** Table property: the Tributary table id the Iceberg table belongs to. */
  public static final String TABLE_ID = "tributary.table-id";

  /**
   * Table property, "true" once ALTER TABLE added a column after data files were written: files
   * then differ in their columns, which Iceberg's Arrow reader cannot read (scans use the generic
   * reader, {@link GenericColdCursor}).
   */
  public static final String SPARSE_COLUMNS = "tributary.sparse-columns";

  /** Snapshot summary property: the id of the flush that made the snapshot. */
  public static final String FLUSH_ID = "tributary.flush-id";

  /** Snapshot summary property: the table's flushed position after the snapshot. */
  public static final String FLUSHED_SEQ = "tributary.flushed-seq";

  private static final Logger LOG = LoggerFactory.getLogger(IcebergColdStore.class);
  private static final Pattern FLUSH_ID_PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final int SCAN_BATCH_ROWS = 4096;
  private static final int OWNER_FILTER_LIMIT = 1000;

  /**
   * Snapshots kept after a flush that rewrote files (or once there are twice as many): older ones
   * are expired and the files only they referenced are deleted, so copy-on-write does not make the
   * disk grow without bound. A retry of a flush whose snapshot was expired is still recognised by
   * the flushed position.
   */
  private static final int SNAPSHOTS_KEPT = 10;

  private final JdbcCatalog catalog;
  private final Path warehouse;
  private final int buckets;

  private IcebergColdStore(JdbcCatalog catalog, Path warehouse, int buckets) {
    this.catalog = catalog;
    this.warehouse = warehouse;
    this.buckets = buckets;
  }

  /**
   * Opens (creating on first use) the cold tier under {@code directory}.
   *
   * @param buckets the number of owner buckets of tables created from now on
   */
  public static IcebergColdStore open(Path directory, int buckets) {
    if (buckets < 1 || buckets > 1024) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot open the cold tier: owner buckets must be 1..1024, not %d",
          buckets);
    }
    Path root = directory.toAbsolutePath().normalize();
    Path warehouse = root.resolve("warehouse");
    try {
      Files.createDirectories(warehouse);
    } catch (IOException e) {
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE, "Cannot open the cold tier at %s: %s", root, e.getMessage());
    }
    Map<String, String> props = new HashMap<>();
    // Lower-case identifiers: JdbcCatalog looks its columns up in lower case when it checks its
    // schema at start-up, and with H2's default (upper case) it would try to add them again.
    // No write delay: a commit (the pointer to a table's new metadata) is in the file before it
    // returns, so a process crash right after a flush cannot undo the flush (FlushCrashTest; H2
    // 2.5 passed it without the setting too: it is stated, not relied on by luck).
    props.put(
        CatalogProperties.URI,
        "jdbc:h2:file:" + root.resolve("catalog") + ";DATABASE_TO_LOWER=TRUE;WRITE_DELAY=0");
    props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse.toString());
    props.put("jdbc.schema-version", "V1");
    props.put(CatalogProperties.CLIENT_POOL_SIZE, "2");
    JdbcCatalog catalog =
        new JdbcCatalog(
            p -> new LocalFileIO(), p -> new JdbcClientPool(p.get(CatalogProperties.URI), p), true);
    try {
      catalog.initialize("tributary", props);
    } catch (RuntimeException e) {
      throw new TributaryException(
          ErrorCode.UNAVAILABLE,
          String.format("Cannot open the cold tier catalog at %s: %s", root, e.getMessage()),
          e);
    }
    return new IcebergColdStore(catalog, warehouse, buckets);
  }

  /** The Iceberg catalog (for the REST endpoint and tests). */
  public JdbcCatalog catalog() {
    return catalog;
  }

  /**
   * The Iceberg name of a table's cold table: {@code <namespace>.<name>_<table id>}. Named by id,
   * so a table re-created under a dropped one's name gets a cold table of its own, even when a
   * crash kept the dropped one's cold table (which then belongs to no table).
   */
  public static TableIdentifier identifier(TableDef table) {
    return TableIdentifier.of(
        Namespace.of(table.namespace()), table.name() + "_" + Long.toUnsignedString(table.id()));
  }

  /** The name cold tables had before they were named by id ({@code <namespace>.<name>}). */
  private static TableIdentifier legacyIdentifier(TableDef table) {
    return TableIdentifier.of(Namespace.of(table.namespace()), table.name());
  }

  @Override
  public void ensureTable(TableDef table) {
    if (table.kind() == TableKind.STREAM) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot keep %s in the cold tier: STREAM tables never reach cold storage",
          table.qualifiedName());
    }
    if (find(table) != null) {
      return;
    }
    Namespace ns = Namespace.of(table.namespace());
    try {
      if (!catalog.namespaceExists(ns)) {
        catalog.createNamespace(ns, Map.of());
      }
    } catch (AlreadyExistsException e) {
      // created meanwhile
    }
    Schema schema = ColdSchema.schema(table);
    Map<String, String> props = new LinkedHashMap<>();
    props.put(TABLE_ID, Long.toString(table.id()));
    props.put(TableProperties.FORMAT_VERSION, "2");
    props.put(TableProperties.PARQUET_COMPRESSION, "zstd");
    props.put(TableProperties.DEFAULT_WRITE_METRICS_MODE, "truncate(16)");
    // Old metadata files go with the commits that replace them: they would keep listing expired
    // snapshots (and the disk would grow with every flush).
    props.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
    props.put(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "10");
    try {
      catalog
          .buildTable(identifier(table), schema)
          .withPartitionSpec(ColdSchema.spec(schema, buckets))
          .withSortOrder(ColdSchema.sortOrder(schema))
          .withLocation(
              warehouse
                  .resolve(table.namespace())
                  .resolve(table.name() + "-" + table.id())
                  .toString())
          .withProperties(props)
          .create();
    } catch (AlreadyExistsException e) {
      if (find(table) == null) {
        throw e;
      }
    }
  }

  /**
   * The Iceberg table of a Tributary table, refreshed; null when it has none. Fails when the
   * Iceberg table of that name belongs to another (dropped) table.
   */
  public Table find(TableDef table) {
    Table t;
    try {
      t = catalog.loadTable(identifier(table));
    } catch (NoSuchTableException e) {
      t = renameLegacy(table);
      if (t == null) {
        return null;
      }
    }
    String owner = t.properties().get(TABLE_ID);
    if (!Long.toString(table.id()).equals(owner)) {
      throw TributaryException.of(
          ErrorCode.INVALID_DEFINITION,
          "Cannot use the cold table of %s: it belongs to an earlier table of that name (id %s);"
              + " drop it first",
          table.qualifiedName(),
          owner);
    }
    return evolve(t, table);
  }

  /**
   * Brings the Iceberg table's schema to the table's definition after ALTER TABLE, through
   * Iceberg's own schema evolution: a column added to the definition is added (Iceberg gives it the
   * next field id, which is {@link ColdSchema}'s {@code 3 + position}, as columns are only ever
   * appended), a renamed one is renamed (same field id, so files written before read it under the
   * new name, also in other engines). Applied whenever the store opens the table, before a flush or
   * a scan uses it: the catalog holds the truth, so a crash between the catalog change and this
   * commit is repaired by the next open, and a repeated call changes nothing.
   */
  private Table evolve(Table t, TableDef table) {
    Schema wanted = ColdSchema.schema(table);
    Schema current = t.schema();
    List<Types.NestedField> add = new ArrayList<>();
    Map<String, String> renames = new LinkedHashMap<>();
    List<Types.NestedField> widen = new ArrayList<>();
    for (Types.NestedField field : wanted.columns()) {
      Types.NestedField have = current.findField(field.fieldId());
      if (have == null) {
        add.add(field);
        continue;
      }
      if (!have.name().equals(field.name())) {
        renames.put(have.name(), field.name());
      }
      if (!have.type().equals(field.type())) {
        widen.add(field);
      }
    }
    if (add.isEmpty() && renames.isEmpty() && widen.isEmpty()) {
      return t;
    }
    try {
      // Renames first, in a commit of their own: a column added may take a name renamed away.
      if (!renames.isEmpty()) {
        UpdateSchema rename = t.updateSchema();
        renames.forEach(rename::renameColumn);
        rename.commit();
      }
      if (!widen.isEmpty()) {
        // Files written before hold the narrower type: the generic reader promotes it.
        if (t.currentSnapshot() != null && !sparse(t)) {
          t.updateProperties().set(SPARSE_COLUMNS, "true").commit();
        }
        UpdateSchema update = t.updateSchema();
        for (Types.NestedField field : widen) {
          update.updateColumn(field.name(), field.type().asPrimitiveType());
        }
        update.commit();
      }
      if (!add.isEmpty()) {
        if (t.currentSnapshot() != null && !sparse(t)) {
          t.updateProperties().set(SPARSE_COLUMNS, "true").commit();
        }
        UpdateSchema update = t.updateSchema();
        for (Types.NestedField field : add) {
          update.addColumn(field.name(), field.type());
        }
        update.commit();
      }
    } catch (CommitFailedException e) {
      LOG.info("The schema of {} changed meanwhile; reloading", table.qualifiedName());
    }
    t.refresh();
    for (Types.NestedField field : wanted.columns()) {
      Types.NestedField have = t.schema().findField(field.fieldId());
      if (have == null || !have.name().equals(field.name()) || !have.type().equals(field.type())) {
        throw TributaryException.of(
            ErrorCode.INTERNAL,
            "Cannot use the cold table of %s: its column %d is %s, not %s %s",
            table.qualifiedName(),
            field.fieldId(),
            have == null ? "missing" : have.name() + " " + have.type(),
            field.name(),
            field.type());
      }
    }
    LOG.info(
        "Evolved the cold schema of {}: added {}, renamed {}, widened {}",
        table.qualifiedName(),
        add.stream().map(Types.NestedField::name).toList(),
        renames,
        widen.stream().map(f -> f.name() + " " + f.type()).toList());
    return t;
  }

  /**
   * A cold table made before cold tables were named by id: renamed to its id's name when it belongs
   * to this table (its {@link #TABLE_ID}); null otherwise (none, or an earlier table's, which no
   * table reads).
   */
  private Table renameLegacy(TableDef table) {
    Table legacy;
    try {
      legacy = catalog.loadTable(legacyIdentifier(table));
    } catch (NoSuchTableException e) {
      return null;
    }
    if (!Long.toString(table.id()).equals(legacy.properties().get(TABLE_ID))) {
      return null;
    }
    try {
      catalog.renameTable(legacyIdentifier(table), identifier(table));
    } catch (NoSuchTableException | AlreadyExistsException e) {
      // renamed meanwhile
    }
    try {
      return catalog.loadTable(identifier(table));
    } catch (NoSuchTableException e) {
      return null;
    }
  }

  private Table require(TableDef table) {
    ensureTable(table);
    return find(table);
  }

  @Override
  public void evolve(TableDef table) {
    if (table.kind() != TableKind.STREAM) {
      find(table); // evolves the schema of the table it finds
    }
  }

  @Override
  public long flushedSeq(TableDef table) {
    Table t = find(table);
    return t == null ? -1 : flushedSeq(t.currentSnapshot());
  }

  private static long flushedSeq(Snapshot snapshot) {
    if (snapshot == null) {
      return -1;
    }
    String v = snapshot.summary().get(FLUSHED_SEQ);
    return v == null ? -1 : Long.parseLong(v);
  }

  @Override
  public FlushCommit flush(
      TableDef table, String flushId, long upToSeq, Iterator<RowVersion> versions) {
    if (flushId == null || !FLUSH_ID_PATTERN.matcher(flushId).matches()) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot flush %s: the flush id must be 1 to 64 of A-Z a-z 0-9 _ -",
          table.qualifiedName());
    }
    if (table.kind() == TableKind.STREAM) {
      ensureTable(table); // refuses it
    }
    // Bad input is refused before anything is created or written.
    Batch batch = new Batch(table);
    versions.forEachRemaining(batch::add);
    Table t = require(table);
    Snapshot current = t.currentSnapshot();
    long flushed = flushedSeq(current);
    Snapshot earlier = committedFlush(t, flushId);
    if (earlier != null || (current != null && upToSeq <= flushed)) {
      Snapshot s = earlier != null ? earlier : current;
      return new FlushCommit(flushId, flushed, 0, 0, s.snapshotId(), true);
    }
    Rewrite rewrite = current == null ? new Rewrite() : findRewrites(t, table, batch);
    List<RowVersion> rows = new ArrayList<>(rewrite.kept);
    for (RowVersion v : batch.newest.values()) {
      if (!v.deleted()) {
        rows.add(v);
      }
    }
    // Named after the flush id and its position: a retry rewrites the same names, and no file of a
    // committed flush can be overwritten (a flush with the same id and position is a no-op above).
    List<DataFile> written = write(t, table, flushId + "-" + upToSeq, rows);
    long newFlushed = Math.max(flushed, upToSeq);
    try {
      if (rewrite.files.isEmpty()) {
        AppendFiles append = t.newAppend();
        written.forEach(append::appendFile);
        append.set(FLUSH_ID, flushId).set(FLUSHED_SEQ, Long.toString(newFlushed)).commit();
      } else {
        OverwriteFiles overwrite = t.newOverwrite();
        rewrite.files.forEach(overwrite::deleteFile);
        written.forEach(overwrite::addFile);
        overwrite
            .validateFromSnapshot(current.snapshotId())
            .set(FLUSH_ID, flushId)
            .set(FLUSHED_SEQ, Long.toString(newFlushed))
            .commit();
      }
    } catch (CommitStateUnknownException e) {
      // The files may be committed: they must stay. A retry finds out through the flush id.
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot tell whether flush %s of %s committed: %s",
          flushId,
          table.qualifiedName(),
          e.getMessage());
    } catch (RuntimeException e) {
      for (DataFile f : written) {
        t.io().deleteFile(f.location());
      }
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot commit flush %s of %s: %s",
          flushId,
          table.qualifiedName(),
          e.getMessage());
    }
    t.refresh();
    if (rewrite.files.size() > 0 || count(t.snapshots()) > 2 * SNAPSHOTS_KEPT) {
      expire(t, SNAPSHOTS_KEPT);
    }
    LOG.debug(
        "Flushed {} versions of {} into {} files ({} rewritten)",
        batch.newest.size(),
        table.qualifiedName(),
        written.size(),
        rewrite.files.size());
    return new FlushCommit(
        flushId,
        newFlushed,
        batch.newest.size(),
        written.size(),
        t.currentSnapshot().snapshotId(),
        false);
  }

  /** The snapshot an earlier attempt of this flush committed, if it is still retained. */
  private static Snapshot committedFlush(Table t, String flushId) {
    for (Snapshot s : t.snapshots()) {
      if (flushId.equals(s.summary().get(FLUSH_ID))) {
        return s;
      }
    }
    return null;
  }

  /** The newest version of each key of one flush, validated. */
  private static final class Batch {
    final TableDef table;
    final int[] pk;
    final List<ColumnType> pkTypes;
    final Map<Key, RowVersion> newest = new HashMap<>();
    final Set<String> owners = new HashSet<>();

    Batch(TableDef table) {
      this.table = table;
      this.pk = table.primaryKeyIndexes();
      this.pkTypes = table.primaryKeyTypes();
    }

    void add(RowVersion v) {
      int width = table.columns().size() + 1;
      if (v.row().length != width) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot flush %s: a row has %d values, expected %d (the columns and _seq)",
            table.qualifiedName(),
            v.row().length,
            width);
      }
      boolean user = table.kind() == TableKind.USER;
      if (user != (v.owner() != null)) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot flush %s: rows of a %s table %s an owner",
            table.qualifiedName(),
            table.kind(),
            user ? "need" : "have no");
      }
      for (int i = 0; i < width - 1; i++) {
        ColumnDef c = table.columns().get(i);
        Object value = v.row()[i];
        // A tombstone needs its key only; a live row every NOT NULL column too.
        boolean needed = isKey(i) || (!v.deleted() && !c.nullable());
        if (value == null ? needed : !ColdSchema.isCanonical(c.type(), value)) {
          throw TributaryException.of(
              ErrorCode.INVALID_ARGUMENT,
              "Cannot flush %s: the value of column %s is not a canonical %s (%s)",
              table.qualifiedName(),
              c.name(),
              c.type(),
              value == null ? "NULL" : value.getClass().getSimpleName());
        }
      }
      newest.merge(key(v.owner(), v.row()), v, (a, b) -> b.seq() > a.seq() ? b : a);
      owners.add(v.owner());
    }

    private boolean isKey(int column) {
      for (int k : pk) {
        if (k == column) {
          return true;
        }
      }
      return false;
    }

    Key key(String owner, Object[] row) {
      Object[] values = new Object[pk.length];
      for (int i = 0; i < pk.length; i++) {
        values[i] = row[pk[i]];
      }
      return new Key(owner, RowCodec.encode(pkTypes, values));
    }
  }

  private record Key(String owner, byte[] pk) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Objects.equals(owner, k.owner) && Arrays.equals(pk, k.pk);
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hashCode(owner) + Arrays.hashCode(pk);
    }
  }

  /** The cold files holding older versions of a flush's keys, and their rows to keep. */
  private static final class Rewrite {
    final List<DataFile> files = new ArrayList<>();
    final List<RowVersion> kept = new ArrayList<>();
  }

  /**
   * Finds the files that hold a key of the batch. Files are pruned by partition and owner
   * statistics first, then by the bounds of the first key column (new keys, such as snowflake ids,
   * fall above every existing file); only the remaining candidates are read.
   */
  private Rewrite findRewrites(Table t, TableDef table, Batch batch) {
    Rewrite rewrite = new Rewrite();
    if (batch.newest.isEmpty()) {
      return rewrite;
    }
    Expression filter = org.apache.iceberg.expressions.Expressions.alwaysTrue();
    if (table.kind() == TableKind.USER && batch.owners.size() <= OWNER_FILTER_LIMIT) {
      filter = org.apache.iceberg.expressions.Expressions.in(ColdSchema.OWNER, batch.owners);
    }
    int firstKey = table.primaryKeyIndexes()[0];
    ColumnType keyType = table.columns().get(firstKey).type();
    int keyFieldId = ColdSchema.FIRST_COLUMN_ID + firstKey;
    Type icebergKeyType = t.schema().findType(keyFieldId);
    Comparator<Object> cmp = Comparators.forType(icebergKeyType.asPrimitiveType());
    TreeSet<Object> keys = new TreeSet<>(cmp);
    for (RowVersion v : batch.newest.values()) {
      keys.add(ColdSchema.toLiteral(keyType, v.row()[firstKey]));
    }
    try (CloseableIterable<FileScanTask> tasks = t.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        if (!mayHoldKey(file, keyFieldId, icebergKeyType, keys, cmp)) {
          continue;
        }
        List<RowVersion> rows = readFile(t, table, file);
        List<RowVersion> kept = new ArrayList<>();
        for (RowVersion v : rows) {
          if (!batch.newest.containsKey(batch.key(v.owner(), v.row()))) {
            kept.add(v);
          }
        }
        if (kept.size() < rows.size()) {
          rewrite.files.add(file);
          rewrite.kept.addAll(kept);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rewrite;
  }

  private static boolean mayHoldKey(
      DataFile file, int fieldId, Type type, TreeSet<Object> keys, Comparator<Object> cmp) {
    Map<Integer, ByteBuffer> lowers = file.lowerBounds();
    Map<Integer, ByteBuffer> uppers = file.upperBounds();
    if (lowers == null || uppers == null) {
      return true;
    }
    ByteBuffer lower = lowers.get(fieldId);
    ByteBuffer upper = uppers.get(fieldId);
    if (lower == null || upper == null) {
      return true;
    }
    Object lo = Conversions.fromByteBuffer(type, lower);
    Object hi = Conversions.fromByteBuffer(type, upper);
    Object first = keys.ceiling(lo);
    return first != null && cmp.compare(first, hi) <= 0;
  }

  private static List<RowVersion> readFile(Table t, TableDef table, DataFile file) {
    Schema schema = t.schema();
    List<RowVersion> out = new ArrayList<>();
    try (CloseableIterable<Record> records =
        Parquet.read(t.io().newInputFile(file.location()))
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
            .build()) {
      for (Record r : records) {
        out.add(fromRecord(table, r));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static RowVersion fromRecord(TableDef table, Record r) {
    int n = table.columns().size();
    Object[] row = new Object[n + 1];
    for (int i = 0; i < n; i++) {
      row[i] = ColdSchema.fromGeneric(table.columns().get(i).type(), r.get(2 + i));
    }
    row[n] = r.get(1);
    return RowVersion.of((String) r.get(0), row);
  }

  private static Record toRecord(Schema schema, TableDef table, RowVersion v) {
    GenericRecord r = GenericRecord.create(schema);
    r.set(0, v.owner());
    int n = table.columns().size();
    r.set(1, v.row()[n]);
    for (int i = 0; i < n; i++) {
      r.set(2 + i, ColdSchema.toGeneric(table.columns().get(i).type(), v.row()[i]));
    }
    return r;
  }

  /**
   * Writes the rows, one file per owner bucket, each sorted by owner then {@code _seq}. The files
   * are named after {@code name} and the bucket, so a retry of a flush whose attempt crashed before
   * its commit overwrites that attempt's files rather than leaving them behind.
   */
  static List<DataFile> write(Table t, TableDef table, String flushId, List<RowVersion> rows) {
    Schema schema = t.schema();
    PartitionKey partition = new PartitionKey(t.spec(), schema);
    TreeMap<Integer, List<Record>> byBucket = new TreeMap<>();
    Map<Integer, PartitionKey> keys = new HashMap<>();
    for (RowVersion v : rows) {
      Record r;
      try {
        r = toRecord(schema, table, v);
      } catch (ClassCastException e) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot flush %s: a value is not canonical for its column (%s)",
            table.qualifiedName(),
            e.getMessage());
      }
      partition.partition(r);
      Integer bucket = partition.get(0, Integer.class);
      int b = bucket == null ? -1 : bucket;
      byBucket.computeIfAbsent(b, x -> new ArrayList<>()).add(r);
      keys.computeIfAbsent(b, x -> partition.copy());
    }
    Comparator<Record> order =
        Comparator.comparing(
                (Record r) -> (String) r.get(0), Comparator.nullsFirst(String::compareTo))
            .thenComparing(r -> (Long) r.get(1));
    List<DataFile> files = new ArrayList<>();
    try {
      for (Map.Entry<Integer, List<Record>> e : byBucket.entrySet()) {
        List<Record> records = e.getValue();
        records.sort(order);
        PartitionKey key = keys.get(e.getKey());
        String name =
            "flush-" + flushId + "-" + (e.getKey() < 0 ? "null" : e.getKey()) + ".parquet";
        OutputFile out =
            t.io().newOutputFile(t.locationProvider().newDataLocation(t.spec(), key, name));
        DataWriter<Record> writer =
            Parquet.writeData(out)
                .forTable(t)
                .withSpec(t.spec())
                .withPartition(key)
                .withSortOrder(t.sortOrder())
                .createWriterFunc(GenericParquetWriter::create)
                .overwrite()
                .build();
        try (writer) {
          for (Record r : records) {
            writer.write(r);
          }
        }
        files.add(writer.toDataFile());
      }
    } catch (IOException e) {
      for (DataFile f : files) {
        t.io().deleteFile(f.location());
      }
      throw TributaryException.of(
          ErrorCode.UNAVAILABLE,
          "Cannot write flush %s of %s: %s",
          flushId,
          table.qualifiedName(),
          e.getMessage());
    }
    return files;
  }

  private static int count(Iterable<?> items) {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  /**
   * Expires every snapshot but the newest {@code keep}, deleting every file that no kept snapshot
   * references. The snapshots are named by id, which makes Iceberg clean up by reachability: its
   * incremental cleanup (used when expiring by age) would keep a file that the current snapshot
   * itself removed until that snapshot expires too, so an erased owner's rows would stay on disk.
   */
  private static void expire(Table t, int keep) {
    List<Snapshot> snapshots = new ArrayList<>();
    t.snapshots().forEach(snapshots::add);
    snapshots.sort(Comparator.comparingLong(Snapshot::sequenceNumber));
    long current = t.currentSnapshot().snapshotId();
    org.apache.iceberg.ExpireSnapshots expire = t.expireSnapshots();
    boolean any = false;
    for (Snapshot s : snapshots.subList(0, Math.max(0, snapshots.size() - keep))) {
      if (s.snapshotId() != current) {
        expire.expireSnapshotId(s.snapshotId());
        any = true;
      }
    }
    if (any) {
      expire.commit();
      t.refresh();
    }
  }

  @Override
  public long erase(TableDef table, String owner) {
    if (table.kind() != TableKind.USER || owner == null) {
      throw TributaryException.of(
          ErrorCode.INVALID_ARGUMENT,
          "Cannot erase an owner's rows of %s: only USER tables have owners",
          table.qualifiedName());
    }
    Table t = find(table);
    if (t == null || t.currentSnapshot() == null) {
      return 0;
    }
    Snapshot current = t.currentSnapshot();
    List<DataFile> rewritten = new ArrayList<>();
    List<RowVersion> kept = new ArrayList<>();
    long removed = 0;
    Expression filter = org.apache.iceberg.expressions.Expressions.equal(ColdSchema.OWNER, owner);
    try (CloseableIterable<FileScanTask> tasks = t.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        List<RowVersion> rows = readFile(t, table, task.file());
        List<RowVersion> others = rows.stream().filter(v -> !owner.equals(v.owner())).toList();
        if (others.size() < rows.size()) {
          rewritten.add(task.file());
          kept.addAll(others);
          removed += rows.size() - others.size();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!rewritten.isEmpty()) {
      String id = "erase-" + java.util.UUID.randomUUID();
      List<DataFile> written = write(t, table, id, kept);
      OverwriteFiles overwrite = t.newOverwrite();
      rewritten.forEach(overwrite::deleteFile);
      written.forEach(overwrite::addFile);
      // The summary keeps the flushed position; it names no owner.
      overwrite
          .validateFromSnapshot(current.snapshotId())
          .set(FLUSHED_SEQ, Long.toString(flushedSeq(current)))
          .commit();
      t.refresh();
      // The overwrite's manifests still list the removed files as DELETED entries, with their
      // column statistics (bounds that may hold the owner's values): rewrite the manifests so the
      // current snapshot lists live files only.
      t.rewriteManifests()
          .clusterBy(file -> file.specId())
          .rewriteIf(m -> true)
          .set(FLUSHED_SEQ, Long.toString(flushedSeq(current)))
          .commit();
      t.refresh();
    }
    // Older snapshots may reference files with the owner's rows (also older versions that a
    // copy-on-write flush replaced): expire them all, which deletes those files and manifests.
    expire(t, 1);
    return removed;
  }

  @Override
  public int dropOrphans(Set<Long> tableIds) {
    int dropped = 0;
    for (Namespace ns : catalog.listNamespaces()) {
      for (TableIdentifier id : catalog.listTables(ns)) {
        String owner;
        try {
          owner = catalog.loadTable(id).properties().get(TABLE_ID);
        } catch (NoSuchTableException e) {
          continue;
        }
        if (owner != null && !tableIds.contains(Long.parseLong(owner))) {
          catalog.dropTable(id, true);
          dropped++;
        }
      }
    }
    return dropped;
  }

  @Override
  public void drop(TableDef table) {
    if (find(table) != null) {
      catalog.dropTable(identifier(table), true);
    }
  }

  @Override
  public ColdCursor scan(TableDef table, String owner, BoundExpression where) {
    Table t = table.kind() == TableKind.STREAM ? null : find(table);
    if (t == null || t.currentSnapshot() == null) {
      return ArrowColdCursor.empty();
    }
    String scanOwner = table.kind() == TableKind.USER ? owner : null;
    Expression filter =
        PredicateTranslator.translate(table, where == null ? null : where.tree()).expression();
    if (scanOwner != null) {
      filter =
          org.apache.iceberg.expressions.Expressions.and(
              filter,
              org.apache.iceberg.expressions.Expressions.equal(ColdSchema.OWNER, scanOwner));
    }
    RowPredicate predicate = where == null ? null : Expressions.predicate(table, where);
    return cursor(table, t, filter, scanOwner, predicate);
  }

  private static boolean sparse(Table t) {
    return "true".equals(t.properties().get(SPARSE_COLUMNS));
  }

  /** A scan with the Arrow reader, or the generic one when files differ in their columns. */
  private static ColdCursor cursor(
      TableDef table, Table t, Expression filter, String owner, RowPredicate predicate) {
    if (sparse(t)) {
      return new GenericColdCursor(table, t, filter, owner, predicate);
    }
    return new ArrowColdCursor(
        table, t.newScan().filter(filter), SCAN_BATCH_ROWS, owner, predicate);
  }

  @Override
  public List<RowVersion> lookup(TableDef table, String owner, List<Object[]> keys) {
    int[] pk = table.primaryKeyIndexes();
    List<ColumnType> pkTypes = table.primaryKeyTypes();
    String scanOwner = table.kind() == TableKind.USER ? owner : null;
    Set<Key> wanted = new HashSet<>();
    List<Object> firstValues = new ArrayList<>();
    for (Object[] key : keys) {
      boolean fits = key.length == pk.length;
      for (int i = 0; fits && i < pk.length; i++) {
        fits = key[i] != null && ColdSchema.isCanonical(pkTypes.get(i), key[i]);
      }
      if (!fits) {
        throw TributaryException.of(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot look up keys of %s: a key does not fit its primary key %s",
            table.qualifiedName(),
            pkTypes);
      }
      wanted.add(new Key(scanOwner, RowCodec.encode(pkTypes, key)));
      firstValues.add(ColdSchema.toLiteral(pkTypes.get(0), key[0]));
    }
    Table t = table.kind() == TableKind.STREAM ? null : find(table);
    if (keys.isEmpty() || t == null || t.currentSnapshot() == null) {
      return List.of();
    }
    Expression filter = org.apache.iceberg.expressions.Expressions.alwaysTrue();
    if (scanOwner != null) {
      filter = org.apache.iceberg.expressions.Expressions.equal(ColdSchema.OWNER, scanOwner);
    }
    if (firstValues.size() <= OWNER_FILTER_LIMIT) {
      filter =
          org.apache.iceberg.expressions.Expressions.and(
              filter,
              org.apache.iceberg.expressions.Expressions.in(
                  table.primaryKey().get(0), firstValues));
    }
    RowPredicate isWanted =
        row -> {
          Object[] values = new Object[pk.length];
          for (int i = 0; i < pk.length; i++) {
            values[i] = row[pk[i]];
          }
          return wanted.contains(new Key(scanOwner, RowCodec.encode(pkTypes, values)));
        };
    List<RowVersion> found = new ArrayList<>();
    try (ColdCursor cursor = cursor(table, t, filter, scanOwner, isWanted)) {
      cursor.forEachRemaining(found::add);
    }
    return found;
  }

  @Override
  public void close() {
    try {
      catalog.close();
    } catch (RuntimeException e) {
      LOG.warn("Cannot close the cold tier catalog cleanly: {}", e.getMessage());
    }
  }
}
