package io.tributary.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.live.LiveQuery.Equality;
import io.tributary.query.parse.StatementParser;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Analysis of SUBSCRIBE TO and KILL LIVE QUERY. */
class AnalyzerSubscribeTest {
  static final long T0 = Instant.parse("2024-01-02T03:04:05.678Z").toEpochMilli();

  static final TableDef MESSAGES =
      table(
          10,
          "chat",
          "messages",
          TableKind.USER,
          Map.of(),
          col("id", ColumnType.BIGINT, false),
          col("conversation_id", ColumnType.BIGINT, false),
          col("role", ColumnType.TEXT, true),
          col("content", ColumnType.TEXT, true),
          col("created_at", ColumnType.TIMESTAMP, true));

  static final TableDef ROOMS =
      table(
          11,
          "chat",
          "rooms",
          TableKind.SHARED,
          Map.of(),
          col("id", ColumnType.BIGINT, false),
          col("name", ColumnType.TEXT, true));

  static final TableDef SECRETS =
      table(
          12,
          "chat",
          "secrets",
          TableKind.SHARED,
          Map.of("ACCESS_LEVEL", "private"),
          col("id", ColumnType.BIGINT, false),
          col("secret", ColumnType.TEXT, true));

  static final TableDef LOBBY =
      table(
          13,
          "chat",
          "lobby",
          TableKind.SHARED,
          Map.of("ACCESS_LEVEL", "public"),
          col("id", ColumnType.BIGINT, false));

  static final TableDef TYPING =
      table(
          14,
          "chat",
          "typing",
          TableKind.STREAM,
          Map.of("TTL_SECONDS", "60"),
          col("id", ColumnType.BIGINT, false),
          col("conversation_id", ColumnType.BIGINT, false));

  static final TableDef TYPES =
      table(
          20,
          "lab",
          "types",
          TableKind.USER,
          Map.of(),
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
          col("u", ColumnType.UUID, true));

  // column indexes of lab.types
  static final int K = 0;
  static final int B = 1;
  static final int I = 2;
  static final int L = 3;
  static final int D = 4;
  static final int AMOUNT = 5;
  static final int T = 6;
  static final int J = 8;
  static final int TS = 9;
  static final int DT = 10;
  static final int U = 11;

  static ColumnDef col(String name, ColumnType type, boolean nullable) {
    return new ColumnDef(name, type, nullable, null);
  }

  static TableDef table(
      long id,
      String ns,
      String name,
      TableKind kind,
      Map<String, String> options,
      ColumnDef... columns) {
    return new TableDef(
        id, ns, name, kind, List.of(columns), List.of(columns[0].name()), options, 0);
  }

  /** A deterministic environment. */
  static final class FixedEnvironment implements Environment {
    final AtomicLong ids = new AtomicLong(1000);

    @Override
    public long nowMillis() {
      return T0;
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
      return "hash:" + password;
    }
  }

  CatalogState catalog;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("chat", 0)));
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("lab", 0)));
    for (TableDef t : List.of(MESSAGES, ROOMS, SECRETS, LOBBY, TYPING, TYPES)) {
      catalog.apply(CatalogRecord.table(t));
    }
    for (Object[] u :
        new Object[][] {
          {"alice", Role.USER},
          {"bob", Role.USER},
          {"svc", Role.SERVICE},
          {"admin", Role.DBA},
          {"root", Role.SYSTEM}
        }) {
      catalog.apply(CatalogRecord.user(new UserDef((String) u[0], (Role) u[1], "hash", 0)));
    }
    analyzer = new Analyzer(catalog, new FixedEnvironment());
  }

  Action analyze(String sql, String user, Role role, Object... params) {
    return analyzer.analyze(StatementParser.parse(sql), user, role, Arrays.asList(params));
  }

  Action.Subscribe subscribe(String sql, Object... params) {
    return subscribeAs("alice", Role.USER, sql, params);
  }

  Action.Subscribe subscribeAs(String user, Role role, String sql, Object... params) {
    Action action = analyze(sql, user, role, params);
    assertThat(action).isInstanceOf(Action.Subscribe.class);
    return (Action.Subscribe) action;
  }

  LiveQuery live(String sql, Object... params) {
    return subscribe(sql, params).query();
  }

  List<Equality> equalities(String where, Object... params) {
    return live("SUBSCRIBE TO lab.types WHERE " + where, params).equalities();
  }

  void assertFails(
      String sql, String user, Role role, ErrorCode code, String message, Object... params) {
    assertThatThrownBy(() -> analyze(sql, user, role, params))
        .isInstanceOf(TributaryException.class)
        .hasMessage(message)
        .extracting(e -> ((TributaryException) e).code())
        .isEqualTo(code);
  }

  void assertFails(String sql, ErrorCode code, String message, Object... params) {
    assertFails(sql, "alice", Role.USER, code, message, params);
  }

  /** A row of chat.messages followed by its _seq. */
  static Object[] message(long id, long conversation, String role, Long createdAt) {
    return new Object[] {id, conversation, role, "hi", createdAt, 1L};
  }

  @Nested
  class Subscriptions {
    @Test
    void shouldSubscribeToAllOfTheUsersRowsByDefault() {
      Action.Subscribe s = subscribe("SUBSCRIBE TO chat.messages");
      assertThat(s.user()).isEqualTo("alice");
      assertThat(s.role()).isEqualTo(Role.USER);
      LiveQuery q = s.query();
      assertThat(q.table()).isEqualTo(MESSAGES);
      assertThat(q.owner()).isEqualTo("alice");
      assertThat(q.whereSql()).isNull();
      assertThat(q.predicate().test(message(1, 1, null, null))).isTrue();
      assertThat(q.equalities()).isEmpty();
      assertThat(q.lastRows()).isEqualTo(-1);
      assertThat(q.fromSeq()).isEqualTo(-1);
      assertThat(q.resumes()).isFalse();
      assertThat(q.batchSize()).isEqualTo(LiveQuery.DEFAULT_BATCH_SIZE);
    }

    @Test
    void shouldInlineParametersIntoTheFilter() {
      LiveQuery q =
          live("SUBSCRIBE TO chat.messages WHERE conversation_id = $2 AND role = $1", "user", 7L);
      assertThat(q.whereSql()).isEqualTo("`conversation_id` = 7 AND `role` = 'user'");
      assertThat(q.predicate().test(message(1, 7, "user", null))).isTrue();
      assertThat(q.predicate().test(message(1, 7, "assistant", null))).isFalse();
      assertThat(q.predicate().test(message(1, 8, "user", null))).isFalse();
      assertThat(q.equalities()).containsExactly(new Equality(1, 7L), new Equality(2, "user"));
    }

    @Test
    void shouldInlineNonDeterministicFunctions() {
      LiveQuery q =
          live(
              "SUBSCRIBE TO chat.messages WHERE created_at > NOW() - INTERVAL '1' HOUR"
                  + " AND role = CURRENT_USER");
      assertThat(q.whereSql())
          .isEqualTo(
              "`created_at` > TIMESTAMP '2024-01-02 03:04:05.678' - INTERVAL '1' HOUR"
                  + " AND `role` = 'alice'");
      assertThat(q.predicate().test(message(1, 1, "alice", T0 - 1000))).isTrue();
      assertThat(q.predicate().test(message(1, 1, "alice", T0 - 3_600_000))).isFalse();
      assertThat(q.equalities()).containsExactly(new Equality(2, "alice"));
    }

    @Test
    void shouldInlineFunctionsWrittenWithoutParenthesesLikeCalcite() {
      LiveQuery q =
          live(
              "SUBSCRIBE TO chat.messages WHERE role = current_user AND created_at <="
                  + " CURRENT_TIMESTAMP");
      assertThat(q.whereSql())
          .isEqualTo("`role` = 'alice' AND `created_at` <= TIMESTAMP '2024-01-02 03:04:05.678'");
      assertFails(
          "SUBSCRIBE TO chat.messages WHERE content = `USER`",
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot resolve column 'USER' in table chat.messages");
      Action delete =
          analyze("DELETE FROM chat.messages WHERE role = SESSION_USER", "alice", Role.USER);
      assertThat(((Action.Write) delete).command())
          .isEqualTo(
              io.tributary.query.command.WriteCommand.DeleteRows.bound(
                      "req-1001",
                      MESSAGES.id(),
                      "alice",
                      io.tributary.query.expr.Expressions.bindPredicate(
                          MESSAGES, "`role` = 'alice'"))
                  // Every write carries the time its node accepted it.
                  .withAccepted(new io.tributary.query.command.WriteCommand.Accepted(T0, null)));
    }

    @Test
    void shouldSeeAllRowsOfASharedTable() {
      LiveQuery q = live("SUBSCRIBE TO chat.rooms WHERE id = 3");
      assertThat(q.owner()).isNull();
      assertThat(q.table()).isEqualTo(ROOMS);
      assertThat(live("SUBSCRIBE TO chat.lobby").owner()).isNull();
      assertThat(subscribeAs("svc", Role.SERVICE, "SUBSCRIBE TO chat.secrets").query().owner())
          .isNull();
      assertThat(subscribeAs("admin", Role.DBA, "SUBSCRIBE TO chat.secrets").query().owner())
          .isNull();
    }

    @Test
    void shouldSeeTheUsersOwnRowsOfAStreamTable() {
      LiveQuery q = live("SUBSCRIBE TO chat.typing WHERE conversation_id = 5");
      assertThat(q.owner()).isEqualTo("alice");
      assertThat(q.equalities()).containsExactly(new Equality(1, 5L));
    }

    @Test
    void shouldSubscribeForTheUserActedFor() {
      Action.Subscribe s =
          subscribeAs(
              "svc",
              Role.SERVICE,
              "EXECUTE AS USER 'bob' (SUBSCRIBE TO chat.messages WHERE role = CURRENT_USER"
                  + " AND conversation_id = $1)",
              9);
      assertThat(s.user()).isEqualTo("bob");
      assertThat(s.role()).isEqualTo(Role.USER);
      assertThat(s.query().owner()).isEqualTo("bob");
      assertThat(s.query().whereSql()).isEqualTo("`role` = 'bob' AND `conversation_id` = 9");
      assertThat(s.query().equalities())
          .containsExactly(new Equality(2, "bob"), new Equality(1, 9L));
      assertFails(
          "EXECUTE AS USER 'bob' (SUBSCRIBE TO chat.messages)",
          ErrorCode.PERMISSION_DENIED,
          "Cannot execute as user bob: only roles service, dba and system may act for other"
              + " users");
    }
  }

  @Nested
  class Options {
    @Test
    void shouldReadTheOptions() {
      LiveQuery q = live("SUBSCRIBE TO chat.messages OPTIONS (last_rows = 20, batch_size = 5)");
      assertThat(q.lastRows()).isEqualTo(20);
      assertThat(q.fromSeq()).isEqualTo(-1);
      assertThat(q.batchSize()).isEqualTo(5);
      LiveQuery r =
          live(
              "SUBSCRIBE TO chat.messages WHERE id = 1 OPTIONS (from_seq = 123456789012,"
                  + " batch_size = 10000)");
      assertThat(r.fromSeq()).isEqualTo(123456789012L);
      assertThat(r.resumes()).isTrue();
      assertThat(r.lastRows()).isEqualTo(-1);
      assertThat(r.batchSize()).isEqualTo(LiveQuery.MAX_BATCH_SIZE);
      LiveQuery zero = live("SUBSCRIBE TO chat.messages OPTIONS (LAST_ROWS = 0, batch_size = 1)");
      assertThat(zero.lastRows()).isZero();
      assertThat(zero.batchSize()).isEqualTo(1);
      assertThat(live("SUBSCRIBE TO chat.messages OPTIONS (from_seq = 0)").fromSeq()).isZero();
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "last_rows = -1 | last_rows must be a non-negative integer, not '-1'",
          "last_rows = 'ten' | last_rows must be a non-negative integer, not 'ten'",
          "last_rows = 1.5 | last_rows must be a non-negative integer, not '1.5'",
          "last_rows = 99999999999999999999 | last_rows must be a non-negative integer, not"
              + " '99999999999999999999'",
          "from_seq = -7 | from_seq must be a non-negative integer, not '-7'",
          "from_seq = latest | from_seq must be a non-negative integer, not 'latest'",
          "batch_size = 0 | batch_size must be an integer from 1 to 10000, not '0'",
          "batch_size = 10001 | batch_size must be an integer from 1 to 10000, not '10001'",
          "batch_size = big | batch_size must be an integer from 1 to 10000, not 'big'",
          "colour = 1 | unknown option colour (expected last_rows, from_seq or batch_size)",
          "last_rows = 1, from_seq = 2 | last_rows and from_seq cannot be combined (from_seq"
              + " resumes without a snapshot)",
        })
    void shouldRefuseBadOptions(String options, String reason) {
      assertFails(
          "SUBSCRIBE TO chat.messages OPTIONS (" + options + ")",
          ErrorCode.INVALID_ARGUMENT,
          "Cannot subscribe to chat.messages: " + reason);
    }
  }

  @Nested
  class Refusals {
    @Test
    void shouldRefuseAMissingTable() {
      assertFails(
          "SUBSCRIBE TO chat.nope",
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot subscribe to chat.nope: the table does not exist");
      assertFails(
          "SUBSCRIBE TO nowhere.messages WHERE id = 1",
          ErrorCode.TABLE_NOT_FOUND,
          "Cannot subscribe to nowhere.messages: the table does not exist");
    }

    @Test
    void shouldRefuseSystemTables() {
      for (String table : List.of("users", "live", "nope")) {
        assertFails(
            "SUBSCRIBE TO system." + table,
            "root",
            Role.SYSTEM,
            ErrorCode.PERMISSION_DENIED,
            "Cannot subscribe to system."
                + table
                + ": system tables do not support live subscriptions");
      }
    }

    @Test
    void shouldRefusePrivateSharedTablesToRoleUser() {
      assertFails(
          "SUBSCRIBE TO chat.secrets WHERE id = 1",
          ErrorCode.PERMISSION_DENIED,
          "Cannot subscribe to chat.secrets: role user may not read this SHARED table (access"
              + " level private)");
      assertFails(
          "EXECUTE AS USER 'bob' (SUBSCRIBE TO chat.secrets)",
          "svc",
          Role.SERVICE,
          ErrorCode.PERMISSION_DENIED,
          "Cannot subscribe to chat.secrets: role user may not read this SHARED table (access"
              + " level private)");
    }

    @Test
    void shouldValidateTheFilterAgainstTheTable() {
      assertFails(
          "SUBSCRIBE TO chat.messages WHERE nope = 1",
          ErrorCode.COLUMN_NOT_FOUND,
          "Cannot resolve column 'nope' in table chat.messages");
      assertThatThrownBy(
              () -> analyze("SUBSCRIBE TO chat.messages WHERE content = 1", "alice", Role.USER))
          .isInstanceOf(TributaryException.class)
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
      assertThatThrownBy(
              () -> analyze("SUBSCRIBE TO chat.messages WHERE id + 1", "alice", Role.USER))
          .isInstanceOf(TributaryException.class)
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.TYPE_MISMATCH);
      assertThatThrownBy(
              () -> analyze("SUBSCRIBE TO chat.messages WHERE RAND() > 0.5", "alice", Role.USER))
          .isInstanceOf(TributaryException.class)
          .extracting(e -> ((TributaryException) e).code())
          .isEqualTo(ErrorCode.UNSUPPORTED_STATEMENT);
    }

    @Test
    void shouldRefuseAMissingParameter() {
      assertFails(
          "SUBSCRIBE TO chat.messages WHERE id = $2",
          ErrorCode.INVALID_ARGUMENT,
          "Cannot bind parameters: parameter $2 has no value (1 given)",
          1L);
    }
  }

  @Nested
  class EqualityExtraction {
    @Test
    void shouldTakeTopLevelAndedEqualities() {
      assertThat(equalities("i = 1 AND t = 'x' AND l > 3"))
          .containsExactly(new Equality(I, 1), new Equality(T, "x"));
      assertThat(equalities("(i = 1 AND (t = 'x' AND b = TRUE)) AND NOT (l = 2)"))
          .containsExactly(new Equality(I, 1), new Equality(T, "x"), new Equality(B, true));
    }

    @Test
    void shouldTakeNothingFromDisjunctionsOrNegations() {
      assertThat(equalities("i = 1 OR l = 2")).isEmpty();
      assertThat(equalities("NOT (i = 1)")).isEmpty();
      assertThat(equalities("i <> 1 AND l >= 2 AND t LIKE 'x%' AND i IN (1, 2)")).isEmpty();
    }

    @Test
    void shouldAcceptTheLiteralOnEitherSide() {
      assertThat(equalities("1 = l AND 'x' = t"))
          .containsExactly(new Equality(L, 1L), new Equality(T, "x"));
    }

    @Test
    void shouldCoerceToTheCanonicalValueOfTheColumn() {
      List<Equality> e = equalities("l = 1");
      assertThat(e).containsExactly(new Equality(L, 1L));
      assertThat(e.get(0).value()).isInstanceOf(Long.class);
      assertThat(equalities("i = 1").get(0).value()).isInstanceOf(Integer.class).isEqualTo(1);
      assertThat(equalities("d = 1").get(0).value()).isInstanceOf(Double.class).isEqualTo(1.0);
      assertThat(equalities("d = 2.5E0").get(0).value()).isEqualTo(2.5);
      assertThat(equalities("amount = 1.5").get(0).value()).isEqualTo(new BigDecimal("1.50"));
      assertThat(equalities("l = -5").get(0).value()).isEqualTo(-5L);
      assertThat(equalities("i = 2.0").get(0).value()).isEqualTo(2);
      assertThat(equalities("l = '42'").get(0).value()).isEqualTo(42L);
      assertThat(equalities("ts = TIMESTAMP '2024-01-02 03:04:05.678'").get(0).value())
          .isEqualTo(T0);
      assertThat(equalities("ts = '2024-01-02T05:04:05.678+02:00'").get(0).value()).isEqualTo(T0);
      int day = (int) LocalDate.parse("2024-01-02").toEpochDay();
      assertThat(equalities("dt = DATE '2024-01-02'").get(0).value()).isEqualTo(day);
      assertThat(equalities("dt = '2024-01-02'").get(0).value()).isEqualTo(day);
      assertThat(equalities("u = '5F1E2B0C-1111-2222-3333-444455556666'").get(0).value())
          .isEqualTo("5f1e2b0c-1111-2222-3333-444455556666");
      assertThat(equalities("b = TRUE").get(0).value()).isEqualTo(true);
    }

    @Test
    void shouldCoerceInlinedParameters() {
      assertThat(equalities("l = $1 AND t = $2 AND amount = $3", 5, "x", 2))
          .containsExactly(
              new Equality(L, 5L),
              new Equality(T, "x"),
              new Equality(AMOUNT, new BigDecimal("2.00")));
      assertThat(equalities("l = $1", "5")).containsExactly(new Equality(L, 5L));
      assertThat(equalities("ts = $1", Instant.ofEpochMilli(T0)))
          .containsExactly(new Equality(TS, T0));
    }

    @Test
    void shouldSkipTermsThatDoNotConvertExactly() {
      assertThat(equalities("i = 1.5")).isEmpty();
      assertThat(equalities("i = 3000000000")).isEmpty();
      assertThat(equalities("amount = 1.005")).isEmpty();
      assertThat(equalities("amount = '1.005'")).isEmpty();
      assertThat(equalities("l = '1.5'")).isEmpty();
      assertThat(equalities("amount = '1.5'"))
          .containsExactly(new Equality(AMOUNT, new BigDecimal("1.50")));
      assertThat(equalities("ts = DATE '2024-01-02'")).isEmpty();
      assertThat(equalities("bin = X'01'")).isEmpty();
      assertThat(equalities("i = NULL")).isEmpty();
      assertThat(equalities("i = k")).isEmpty();
      assertThat(equalities("i = 1 + 1")).isEmpty();
      assertThat(equalities("_seq = 5")).isEmpty();
      assertThat(equalities("i = 1.5 AND l = 2")).containsExactly(new Equality(L, 2L));
    }

    @Test
    void shouldListARepeatedTermOnce() {
      assertThat(equalities("i = 1 AND 1 = i AND i = 2"))
          .containsExactly(new Equality(I, 1), new Equality(I, 2));
    }

    @Test
    void shouldExtractValuesThatRowsOfTheFilterHold() {
      LiveQuery q =
          live(
              "SUBSCRIBE TO lab.types WHERE k = 3 AND b = FALSE AND i = -1 AND l = 1 AND d ="
                  + " 0.1 AND amount = 7 AND t = 'x' AND j = '{\"a\": 1}' AND ts ="
                  + " '2024-01-02 03:04:05.678' AND dt = '2024-01-02' AND u ="
                  + " '5f1e2b0c-1111-2222-3333-444455556666'");
      assertThat(q.equalities()).hasSize(11);
      Object[] row = new Object[TYPES.columns().size() + 1];
      for (Equality e : q.equalities()) {
        row[e.column()] = e.value();
      }
      row[row.length - 1] = 1L;
      assertThat(q.predicate().test(row)).isTrue();
      assertThat(row[K]).isEqualTo(3);
      assertThat(row[D]).isEqualTo(0.1);
      assertThat(row[J]).isEqualTo("{\"a\": 1}");
      assertThat(row[TS]).isEqualTo(T0);
      assertThat(row[DT]).isEqualTo((int) LocalDate.parse("2024-01-02").toEpochDay());
      assertThat(row[U]).isEqualTo("5f1e2b0c-1111-2222-3333-444455556666");
      for (Equality e : q.equalities()) {
        Object[] other = row.clone();
        other[e.column()] = null;
        assertThat(q.predicate().test(other)).as("without %s", e).isFalse();
      }
    }
  }

  @Nested
  class KillLiveQuery {
    @Test
    void shouldLetDbaAndSystemKillLiveQueries() {
      assertThat(analyze("KILL LIVE QUERY 'sub-1'", "admin", Role.DBA))
          .isEqualTo(new Action.KillLiveQuery("sub-1"));
      assertThat(analyze("KILL LIVE QUERY 'sub-2'", "root", Role.SYSTEM))
          .isEqualTo(new Action.KillLiveQuery("sub-2"));
    }

    @Test
    void shouldNotKillLiveQueriesThroughExecuteAs() {
      assertFails(
          "EXECUTE AS USER 'admin' (KILL LIVE QUERY 'sub-3')",
          "root",
          Role.SYSTEM,
          ErrorCode.UNSUPPORTED_STATEMENT,
          "Cannot execute as user admin: EXECUTE AS USER runs only data statements (SELECT,"
              + " INSERT, UPDATE, DELETE, SUBSCRIBE), not KILL LIVE QUERY");
    }

    @Test
    void shouldRefuseOtherRoles() {
      assertFails(
          "KILL LIVE QUERY 'sub-1'",
          ErrorCode.PERMISSION_DENIED,
          "Cannot kill live query 'sub-1': role user may not kill live queries (dba or system"
              + " required)");
      assertFails(
          "KILL LIVE QUERY 'sub-1'",
          "svc",
          Role.SERVICE,
          ErrorCode.PERMISSION_DENIED,
          "Cannot kill live query 'sub-1': role service may not kill live queries (dba or system"
              + " required)");
    }

    @Test
    void shouldRefuseAnEmptyId() {
      assertFails(
          "KILL LIVE QUERY ' '",
          "admin",
          Role.DBA,
          ErrorCode.INVALID_ARGUMENT,
          "Cannot kill live query: the id is empty");
    }
  }
}
