package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.SystemTables;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueryEngineTest {
  static final long T0 = Instant.parse("2024-01-02T03:04:05.678Z").toEpochMilli();

  static final TableDef MESSAGES =
      table(
          10,
          "chat",
          "messages",
          List.of(
              col("id", ColumnType.BIGINT, false),
              col("conversation_id", ColumnType.BIGINT, false),
              col("role", ColumnType.TEXT, true),
              col("content", ColumnType.TEXT, true),
              col("created_at", ColumnType.TIMESTAMP, true)));

  static final TableDef CONVERSATIONS =
      table(
          11,
          "chat",
          "conversations",
          List.of(col("id", ColumnType.BIGINT, false), col("title", ColumnType.TEXT, true)));

  static final TableDef TYPES =
      table(
          12,
          "lab",
          "types",
          List.of(
              col("k", ColumnType.INT, false),
              col("b", ColumnType.BOOLEAN, true),
              col("i", ColumnType.INT, true),
              col("l", ColumnType.BIGINT, true),
              col("d", ColumnType.DOUBLE, true),
              col("amount", ColumnType.decimal(10, 2), true),
              col("t", ColumnType.TEXT, true),
              col("bin", ColumnType.BYTES, true),
              col("j", ColumnType.JSON, true),
              col("ts", ColumnType.TIMESTAMP, true),
              col("dt", ColumnType.DATE, true),
              col("u", ColumnType.UUID, true)));

  static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return new ColumnDef(name, type, nullable, null);
  }

  static TableDef table(long id, String ns, String name, List<ColumnDef> columns) {
    return new TableDef(
        id, ns, name, TableKind.USER, columns, List.of(columns.get(0).name()), Map.of(), 0);
  }

  /** An in-memory row source that records every scan and can deny tables. */
  static final class MemorySource implements RowSource {
    final Map<Long, List<Object[]>> rows = new HashMap<>();
    final List<TableDef> scans = Collections.synchronizedList(new ArrayList<>());
    final Set<String> denied = new HashSet<>();

    MemorySource put(TableDef table, Object[]... tableRows) {
      rows.put(table.id(), List.of(tableRows));
      return this;
    }

    @Override
    public Iterable<Object[]> scan(TableDef table) {
      scans.add(table);
      if (denied.contains(table.qualifiedName())) {
        throw TributaryException.of(
            ErrorCode.PERMISSION_DENIED,
            "Cannot read %s: permission denied",
            table.qualifiedName());
      }
      return rows.getOrDefault(table.id(), List.of());
    }
  }

  CatalogState catalog;
  QueryEngine engine;
  MemorySource source;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("chat", 0)));
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("lab", 0)));
    catalog.apply(CatalogRecord.table(MESSAGES));
    catalog.apply(CatalogRecord.table(CONVERSATIONS));
    catalog.apply(CatalogRecord.table(TYPES));
    engine = new QueryEngine(catalog);
    source =
        new MemorySource()
            .put(
                MESSAGES,
                new Object[] {1L, 1L, "user", "hi", T0, 101L},
                new Object[] {2L, 1L, "assistant", "hello!", T0 + 1000, 102L},
                new Object[] {3L, 2L, "user", "anyone?", T0 + 2000, 103L},
                new Object[] {4L, 2L, null, null, null, 104L})
            .put(
                CONVERSATIONS,
                new Object[] {1L, "greetings", 11L},
                new Object[] {2L, "silence", 12L})
            .put(
                SystemTables.USERS,
                new Object[] {"root", "system", T0},
                new Object[] {"u1", "user", T0 + 1});
  }

  QueryResult select(String sql, Object... params) {
    return engine.select(sql, Arrays.asList(params), source);
  }

  static List<List<Object>> rows(QueryResult result) {
    return result.rows().stream().map(r -> Arrays.asList(r)).toList();
  }

  static void assertFails(Runnable query, ErrorCode code, String message) {
    assertThatThrownBy(query::run)
        .isInstanceOf(TributaryException.class)
        .hasMessage(message)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(code);
  }

  @Test
  void shouldSelectWithWhere() {
    QueryResult r =
        select("SELECT id, content FROM chat.messages WHERE conversation_id = 1 AND role = 'user'");
    assertThat(r.columns())
        .containsExactly(
            new ResultColumn("id", ColumnType.BIGINT, false),
            new ResultColumn("content", ColumnType.TEXT, true));
    assertThat(rows(r)).containsExactly(List.of(1L, "hi"));
  }

  @Test
  void shouldExposeSeqAsTheLastColumn() {
    QueryResult r = select("SELECT * FROM chat.messages WHERE id = 1");
    assertThat(r.columns())
        .extracting(ResultColumn::name)
        .containsExactly("id", "conversation_id", "role", "content", "created_at", "_seq");
    assertThat(r.columns().get(5)).isEqualTo(new ResultColumn("_seq", ColumnType.BIGINT, false));
    assertThat(rows(r)).containsExactly(Arrays.asList(1L, 1L, "user", "hi", T0, 101L));
    assertThat(rows(select("SELECT id FROM chat.messages WHERE _seq > 102")))
        .containsExactly(List.of(3L), List.of(4L));
  }

  @Test
  void shouldOrderLimitAndOffset() {
    assertThat(rows(select("SELECT id FROM chat.messages ORDER BY id DESC LIMIT 2")))
        .containsExactly(List.of(4L), List.of(3L));
    assertThat(rows(select("SELECT id FROM chat.messages ORDER BY id LIMIT 2 OFFSET 1")))
        .containsExactly(List.of(2L), List.of(3L));
    assertThat(
            rows(
                select(
                    "SELECT id FROM chat.messages ORDER BY id OFFSET 3 ROWS FETCH NEXT 5 ROWS ONLY")))
        .containsExactly(List.of(4L));
    assertThat(rows(select("SELECT role, id FROM chat.messages ORDER BY role NULLS FIRST, id")))
        .extracting(r -> r.get(1))
        .containsExactly(4L, 2L, 1L, 3L);
  }

  @Test
  void shouldGroupAndAggregate() {
    QueryResult r =
        select(
            "SELECT conversation_id, COUNT(*) AS n, COUNT(role) AS roles, SUM(id) AS s, AVG(id) AS a,"
                + " MIN(created_at) AS first, MAX(content) AS last FROM chat.messages"
                + " GROUP BY conversation_id ORDER BY conversation_id");
    assertThat(r.columns())
        .extracting(ResultColumn::name, ResultColumn::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("conversation_id", ColumnType.BIGINT),
            org.assertj.core.groups.Tuple.tuple("n", ColumnType.BIGINT),
            org.assertj.core.groups.Tuple.tuple("roles", ColumnType.BIGINT),
            org.assertj.core.groups.Tuple.tuple("s", ColumnType.BIGINT),
            org.assertj.core.groups.Tuple.tuple("a", ColumnType.DOUBLE),
            org.assertj.core.groups.Tuple.tuple("first", ColumnType.TIMESTAMP),
            org.assertj.core.groups.Tuple.tuple("last", ColumnType.TEXT));
    assertThat(rows(r))
        .containsExactly(
            List.of(1L, 2L, 2L, 3L, 1.5, T0, "hi"),
            Arrays.asList(2L, 2L, 1L, 7L, 3.5, T0 + 2000, "anyone?"));
  }

  @Test
  void shouldFilterGroupsWithHaving() {
    assertThat(
            rows(
                select(
                    "SELECT role, COUNT(*) FROM chat.messages GROUP BY role HAVING COUNT(*) > 1")))
        .containsExactly(List.of("user", 2L));
  }

  @Test
  void shouldJoinTwoTables() {
    QueryResult r =
        select(
            "SELECT c.title, m.content FROM chat.messages m JOIN chat.conversations c"
                + " ON m.conversation_id = c.id WHERE m.role = 'user' ORDER BY m.id");
    assertThat(rows(r)).containsExactly(List.of("greetings", "hi"), List.of("silence", "anyone?"));
    assertThat(
            rows(
                select(
                    "SELECT c.id, COUNT(m.id) FROM chat.conversations c LEFT JOIN chat.messages m"
                        + " ON m.conversation_id = c.id AND m.role = 'assistant' GROUP BY c.id ORDER BY c.id")))
        .containsExactly(List.of(1L, 1L), List.of(2L, 0L));
  }

  @Test
  void shouldRunSubqueriesUnionsAndValues() {
    assertThat(
            rows(
                select(
                    "SELECT id FROM chat.messages WHERE conversation_id IN"
                        + " (SELECT id FROM chat.conversations WHERE title = 'silence') ORDER BY id")))
        .containsExactly(List.of(3L), List.of(4L));
    assertThat(rows(select("SELECT id FROM chat.conversations UNION SELECT 7 ORDER BY 1")))
        .containsExactly(List.of(1L), List.of(2L), List.of(7L));
    assertThat(rows(select("VALUES (1, 'a'), (2, 'bb')")))
        .containsExactly(List.of(1, "a"), List.of(2, "bb"));
    assertThat(
            rows(
                select(
                    "WITH c AS (SELECT conversation_id, COUNT(*) AS n FROM chat.messages GROUP BY conversation_id)"
                        + " SELECT MAX(n) FROM c")))
        .containsExactly(List.of(2L));
    assertThat(rows(select("SELECT 1"))).containsExactly(List.of(1));
  }

  @Test
  void shouldBindParameters() {
    assertThat(
            rows(
                select(
                    "SELECT id FROM chat.messages WHERE conversation_id = ? AND role = ?",
                    2L,
                    "user")))
        .containsExactly(List.of(3L));
    assertThat(
            rows(select("SELECT id FROM chat.messages WHERE conversation_id = ? ORDER BY id", 1)))
        .containsExactly(List.of(1L), List.of(2L));
    assertThat(
            rows(
                select(
                    "SELECT id FROM chat.messages WHERE created_at > ?",
                    Instant.ofEpochMilli(T0 + 1500))))
        .containsExactly(List.of(3L));
    assertThat(
            rows(
                select(
                    "SELECT id FROM chat.messages WHERE created_at >= ? ORDER BY id", T0 + 1000)))
        .containsExactly(List.of(2L), List.of(3L));
    assertThat(
            rows(
                select("SELECT id FROM chat.messages WHERE role = ? OR ? IS NULL", "nobody", null)))
        .hasSize(4);
    assertThat(rows(select("SELECT CAST(? AS INTEGER) + 1, CAST(? AS VARCHAR) || '!'", 41, "hi")))
        .containsExactly(List.of(42, "hi!"));
  }

  @Test
  void shouldRunTheSameQueryWithNewParametersAndSources() {
    String sql = "SELECT content FROM chat.messages WHERE id = ?";
    assertThat(rows(select(sql, 1L))).containsExactly(List.of("hi"));
    assertThat(rows(select(sql, 2L))).containsExactly(List.of("hello!"));
    MemorySource other =
        new MemorySource().put(MESSAGES, new Object[] {1L, 1L, "user", "other", T0, 1L});
    assertThat(rows(engine.select(sql, List.of(1L), other))).containsExactly(List.of("other"));
    assertThat(other.scans).containsExactly(MESSAGES);
  }

  @Test
  void shouldRoundTripEveryColumnType() {
    TimeZone saved = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
    try {
      Object[] full =
          new Object[] {
            1,
            true,
            42,
            5_000_000_000L,
            2.5,
            new BigDecimal("12.34"),
            "text",
            new byte[] {0, 1, (byte) 255},
            "{\"a\":[1,2]}",
            T0,
            (int) LocalDate.parse("1969-12-31").toEpochDay(),
            "5f1e2b0c-1111-2222-3333-444455556666",
            900L
          };
      Object[] empty = new Object[13];
      empty[0] = 2;
      empty[12] = 901L;
      source.put(TYPES, full, empty);
      QueryResult r = select("SELECT * FROM lab.types ORDER BY k");
      assertThat(r.columns())
          .extracting(ResultColumn::type)
          .containsExactly(
              ColumnType.INT,
              ColumnType.BOOLEAN,
              ColumnType.INT,
              ColumnType.BIGINT,
              ColumnType.DOUBLE,
              ColumnType.decimal(10, 2),
              ColumnType.TEXT,
              ColumnType.BYTES,
              ColumnType.JSON,
              ColumnType.TIMESTAMP,
              ColumnType.DATE,
              ColumnType.UUID,
              ColumnType.BIGINT);
      assertThat(r.rows()).hasSize(2);
      Object[] first = r.rows().get(0);
      for (int i = 0; i < full.length; i++) {
        if (full[i] instanceof byte[] b) {
          assertThat((byte[]) first[i]).containsExactly(b);
        } else {
          assertThat(first[i]).as(r.columns().get(i).name()).isEqualTo(full[i]);
        }
      }
      assertThat(Arrays.asList(r.rows().get(1))).containsExactly(empty);

      QueryResult filtered =
          select(
              "SELECT k FROM lab.types WHERE ts = ? AND dt = ? AND u = ? AND bin = ? AND amount = ?"
                  + " AND b = ? AND d = ?",
              Instant.ofEpochMilli(T0),
              LocalDate.parse("1969-12-31"),
              UUID.fromString("5f1e2b0c-1111-2222-3333-444455556666"),
              new byte[] {0, 1, (byte) 255},
              new BigDecimal("12.34"),
              true,
              2.5);
      assertThat(rows(filtered)).containsExactly(List.of(1));
      assertThat(
              rows(
                  select(
                      "SELECT CAST(ts AS VARCHAR), CAST(dt AS VARCHAR), ts = TIMESTAMP '2024-01-02 03:04:05.678' FROM lab.types WHERE k = 1")))
          .containsExactly(List.of("2024-01-02 03:04:05", "1969-12-31", true));
    } finally {
      TimeZone.setDefault(saved);
    }
  }

  @Test
  void shouldQuerySystemTables() {
    QueryResult r = select("SELECT * FROM system.users WHERE role = 'user'");
    assertThat(r.columns())
        .extracting(ResultColumn::name)
        .containsExactly("name", "role", "created_at");
    assertThat(rows(r)).containsExactly(List.of("u1", "user", T0 + 1));
    assertThat(source.scans).containsExactly(SystemTables.USERS);
    assertThat(rows(select("SELECT COUNT(*) FROM `system`.users"))).containsExactly(List.of(2L));
  }

  @Test
  void shouldScanEachTableWithItsDefinition() {
    select("SELECT * FROM chat.messages");
    assertThat(source.scans).singleElement().isSameAs(MESSAGES);
    source.scans.clear();
    select(
        "SELECT m.id FROM chat.messages m JOIN chat.conversations c ON m.conversation_id = c.id"
            + " JOIN chat.messages m2 ON m2.id = m.id");
    assertThat(source.scans).containsExactlyInAnyOrder(MESSAGES, CONVERSATIONS, MESSAGES);
    source.scans.clear();
    select("SELECT 1");
    assertThat(source.scans).isEmpty();
  }

  @Test
  void shouldSurfaceTheSourcesPermissionDenied() {
    source.denied.add("chat.conversations");
    TributaryException thrown =
        org.junit.jupiter.api.Assertions.assertThrows(
            TributaryException.class,
            () ->
                select(
                    "SELECT m.id FROM chat.messages m JOIN chat.conversations c ON m.conversation_id = c.id"));
    assertThat(thrown.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(thrown).hasMessage("Cannot read chat.conversations: permission denied");
    // the same query works again once the source allows it
    source.denied.clear();
    assertThat(
            select(
                    "SELECT m.id FROM chat.messages m JOIN chat.conversations c ON m.conversation_id = c.id")
                .rows())
        .hasSize(4);
  }

  @Test
  void shouldReportMissingTables() {
    assertFails(
        () -> select("SELECT * FROM chat.nope"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table chat.nope");
    assertFails(
        () -> select("SELECT * FROM nons.t"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table nons.t");
    assertFails(
        () -> select("SELECT * FROM system.nope"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table system.nope");
    assertFails(
        () -> select("SELECT * FROM messages"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table messages");
    assertFails(
        () -> select("SELECT * FROM metadata.TABLES"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table metadata.TABLES");
  }

  @Test
  void shouldReportMissingColumns() {
    assertThatThrownBy(() -> select("SELECT id, nope FROM chat.messages"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot resolve column 'nope'")
        .satisfies(
            e -> {
              TributaryException te = (TributaryException) e;
              assertThat(te.code()).isEqualTo(ErrorCode.COLUMN_NOT_FOUND);
              assertThat(te.line()).isEqualTo(1);
              assertThat(te.column()).isEqualTo(12);
            });
    assertFails(
        () -> select("SELECT m.nope FROM chat.messages m"),
        ErrorCode.COLUMN_NOT_FOUND,
        "Cannot resolve column 'nope' in table m");
  }

  @Test
  void shouldReportSyntaxErrorsWithTheirPosition() {
    assertThatThrownBy(() -> select("SELECT id\nFROM chat.messages\nWHERE id = = 1"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot parse statement: Encountered \"= =\" at line 3, column 10.")
        .satisfies(
            e -> {
              TributaryException te = (TributaryException) e;
              assertThat(te.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
              assertThat(te.line()).isEqualTo(3);
              assertThat(te.column()).isEqualTo(10);
            });
    // positions after a quoted system namespace still point into the text as written
    String sql = "SELECT * FROM system.users WHERE name = = 'x'";
    int column = sql.indexOf("= =") + 1;
    assertThatThrownBy(() -> select(sql))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot parse statement: Encountered \"= =\" at line 1, column " + column + ".")
        .satisfies(e -> assertThat(((TributaryException) e).column()).isEqualTo(column));
  }

  @Test
  void shouldReportOtherFailures() {
    assertFails(
        () -> select("INSERT INTO chat.conversations (id, title) VALUES (3, 'x')"),
        ErrorCode.UNSUPPORTED_STATEMENT,
        "Cannot run query: expected a SELECT, VALUES or set operation, not INSERT");
    assertFails(
        () -> select("SELECT id / 0 FROM chat.messages"),
        ErrorCode.INVALID_ARGUMENT,
        "Cannot run query: division by zero");
    assertFails(
        () -> select("SELECT id FROM chat.messages WHERE id = ?", 1L, 2L),
        ErrorCode.INVALID_ARGUMENT,
        "Cannot run query: it has 1 parameter(s), but 2 value(s) were given");
    assertFails(
        () -> select("SELECT id FROM chat.messages WHERE id = ?", "abc"),
        ErrorCode.TYPE_MISMATCH,
        "Cannot run query: parameter 1 ('abc') is not a valid BIGINT");
    assertFails(
        () -> select("SELECT id FROM chat.messages WHERE created_at = TRUE"),
        ErrorCode.TYPE_MISMATCH,
        "Cannot run query: Cannot apply '=' to arguments of type '<TIMESTAMP(3)> = <BOOLEAN>'."
            + " Supported form(s): '<COMPARABLE_TYPE> = <COMPARABLE_TYPE>'");
    assertFails(
        () -> select("SELECT nofunction(id) FROM chat.messages"),
        ErrorCode.FUNCTION_NOT_FOUND,
        "Cannot run query: function nofunction does not exist");
    assertFails(
        () -> select("SELECT id, COUNT(*) FROM chat.messages"),
        ErrorCode.INVALID_ARGUMENT,
        "Cannot run query: Expression 'id' is not being grouped");
  }

  @Test
  void shouldSeeCatalogChangesBetweenQueries() {
    assertThat(select("SELECT * FROM chat.conversations").columns()).hasSize(3);
    TableDef replaced =
        table(
            21,
            "chat",
            "conversations",
            List.of(
                col("id", ColumnType.BIGINT, false),
                col("title", ColumnType.TEXT, true),
                col("topic", ColumnType.TEXT, true)));
    catalog.apply(CatalogRecord.table(replaced));
    source.put(replaced, new Object[] {5L, "new", "t", 1L});
    QueryResult r = select("SELECT * FROM chat.conversations");
    assertThat(r.columns())
        .extracting(ResultColumn::name)
        .containsExactly("id", "title", "topic", "_seq");
    assertThat(rows(r)).containsExactly(List.of(5L, "new", "t", 1L));

    TableDef later = table(22, "later", "t", List.of(col("x", ColumnType.INT, false)));
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("later", 0)));
    catalog.apply(CatalogRecord.table(later));
    source.put(later, new Object[] {7, 1L});
    assertThat(rows(select("SELECT x FROM later.t"))).containsExactly(List.of(7));

    catalog.apply(CatalogRecord.tombstone(CatalogRecord.Kind.TABLE, "later.t"));
    assertFails(
        () -> select("SELECT x FROM later.t"),
        ErrorCode.TABLE_NOT_FOUND,
        "Cannot find table later.t");
  }

  @Test
  void shouldRunQueriesConcurrentlyEachOnItsOwnSource() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long id = t;
        tasks.add(
            () -> {
              MemorySource own =
                  new MemorySource()
                      .put(MESSAGES, new Object[] {id, 1L, "user", "from " + id, T0, 1L});
              for (int i = 0; i < 50; i++) {
                QueryResult r =
                    engine.select(
                        "SELECT id, content FROM chat.messages WHERE role = ?",
                        List.of("user"),
                        own);
                if (!rows(r).equals(List.of(List.of(id, "from " + id)))) {
                  return false;
                }
              }
              return true;
            });
      }
      for (Future<Boolean> f : pool.invokeAll(tasks)) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldReadAHistoryViewThroughTheSource() {
    TableDef history = io.tributary.query.catalog.HistoryTables.of(MESSAGES);
    source.put(
        history,
        new Object[] {1L, 1L, "user", "hi", T0, "ann", "u-ann", 101L},
        new Object[] {2L, 1L, "user", "yo", T0, "bob", "u-bob", 102L},
        new Object[] {3L, 1L, "user", "hm", T0, null, "u-gone", 103L});
    QueryResult r =
        select(
            "SELECT _owner_id, COUNT(*) AS n FROM chat.`messages$history` GROUP BY _owner_id"
                + " ORDER BY _owner_id");
    assertThat(rows(r))
        .containsExactly(List.of("u-ann", 1L), List.of("u-bob", 1L), List.of("u-gone", 1L));
  }
}
