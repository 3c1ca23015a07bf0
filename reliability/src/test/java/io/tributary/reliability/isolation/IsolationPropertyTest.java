package io.tributary.reliability.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.client.ErrorCode;
import io.tributary.client.Row;
import io.tributary.client.TributaryClient;
import io.tributary.client.TributaryException;
import io.tributary.reliability.isolation.Model.Account;
import io.tributary.reliability.isolation.Model.Session;
import io.tributary.server.e2e.SharedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Isolation as a property (RELIABILITY.md, "Isolation"): for random users with random roles and a
 * random sequence of statements — SELECT, INSERT, UPDATE, DELETE, each also through EXECUTE AS
 * USER, SUBSCRIBE (also as another user), DDL, reads of SHARED and system tables, a user dropped
 * and re-created, a password changed, a revoked token used — no principal ever sees or changes a
 * row the model says it must not, and every live subscriber receives exactly its account's rows.
 *
 * <p>Tries: {@code jqwik.tries.default}, set by this module's pom (20, or 500 with {@code
 * -Dreliability.full=true}; any number with {@code -Dreliability.isolation.tries=n}). jqwik prints
 * the seed of a failing run and re-runs that seed first next time (its database under {@code
 * target/}); {@code @Property(seed = "…")} pins one.
 *
 * <p>Each try has its own users (so its own USER rows) and its own key range of the SHARED tables,
 * on one server per JVM. The row's {@code owner} column names the account (name and generation)
 * that wrote it, so any row that reaches another account is caught by its owner.
 */
class IsolationPropertyTest {
  private static final Logger LOG = LoggerFactory.getLogger(IsolationPropertyTest.class);

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);
  private static final List<String> SHARED = List.of("iso.pub", "iso.rd", "iso.prv");
  private static final AtomicInteger TRIES = new AtomicInteger();
  private static final AtomicLong OPERATIONS = new AtomicLong();
  private static final long STARTED = System.nanoTime();
  private static TributaryClient root;

  enum Kind {
    INSERT,
    INSERT_AS,
    SELECT,
    SELECT_AS,
    UPDATE,
    UPDATE_AS,
    DELETE,
    DELETE_AS,
    SHARED_WRITE,
    SHARED_READ,
    SYSTEM_READ,
    DDL,
    DROP_AND_RECREATE,
    CHANGE_PASSWORD,
    REVOKED_TOKEN,
    SUBSCRIBE,
    SUBSCRIBE_AS
  }

  /** One operation: who acts, for whom (EXECUTE AS, drop, password), and a key or bound. */
  record Op(Kind kind, int actor, int target, int key) {}

  @Provide
  Arbitrary<List<String>> roles() {
    return Arbitraries.of(Model.ROLES).list().ofMinSize(2).ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Kind> kinds =
        Arbitraries.frequency(
            Tuple.of(6, Kind.INSERT),
            Tuple.of(4, Kind.INSERT_AS),
            Tuple.of(4, Kind.SELECT),
            Tuple.of(3, Kind.SELECT_AS),
            Tuple.of(2, Kind.UPDATE),
            Tuple.of(2, Kind.UPDATE_AS),
            Tuple.of(2, Kind.DELETE),
            Tuple.of(1, Kind.DELETE_AS),
            Tuple.of(3, Kind.SHARED_WRITE),
            Tuple.of(2, Kind.SHARED_READ),
            Tuple.of(1, Kind.SYSTEM_READ),
            Tuple.of(1, Kind.DDL),
            Tuple.of(1, Kind.DROP_AND_RECREATE),
            Tuple.of(1, Kind.CHANGE_PASSWORD),
            Tuple.of(1, Kind.REVOKED_TOKEN),
            Tuple.of(2, Kind.SUBSCRIBE),
            Tuple.of(2, Kind.SUBSCRIBE_AS));
    Arbitrary<Integer> who = Arbitraries.integers().between(0, 3);
    Arbitrary<Integer> key = Arbitraries.integers().between(0, 9);
    return Combinators.combine(kinds, who, who, key).as(Op::new).list().ofMinSize(10).ofMaxSize(35);
  }

  @Property(shrinking = ShrinkingMode.OFF)
  void shouldNeverLetAPrincipalSeeOrChangeARowItMustNot(
      @ForAll("roles") List<String> roles, @ForAll("ops") List<Op> ops) {
    long started = System.nanoTime();
    int tryId = TRIES.incrementAndGet();
    try (Run run = new Run(tryId, roles)) {
      for (Op op : ops) {
        run.apply(op);
        OPERATIONS.incrementAndGet();
      }
      run.checkEverything();
    }
    if (tryId % 10 == 0 || Boolean.getBoolean("reliability.isolation.verbose")) {
      LOG.info(
          "isolation: try {}, {} operations, {} s",
          tryId,
          ops.size(),
          String.format("%.1f", (System.nanoTime() - started) / 1e9));
    }
  }

  @AfterContainer
  static void report() {
    LOG.info(
        "isolation: {} tries, {} operations in {} s",
        TRIES.get(),
        OPERATIONS.get(),
        String.format("%.1f", (System.nanoTime() - STARTED) / 1e9));
    if (root != null) {
      root.close();
    }
  }

  private static synchronized TributaryClient root() {
    if (root == null) {
      root = TributaryClient.connect(SharedServer.url(), CALL_TIMEOUT);
      root.login("root", SharedServer.ROOT_PASSWORD);
      root.update(
          "CREATE NAMESPACE IF NOT EXISTS iso;"
              + "CREATE TABLE IF NOT EXISTS iso.notes (id INT PRIMARY KEY, owner TEXT, body TEXT);"
              + "CREATE SHARED TABLE IF NOT EXISTS iso.pub (id INT PRIMARY KEY, body TEXT)"
              + " WITH (ACCESS_LEVEL = 'public');"
              + "CREATE SHARED TABLE IF NOT EXISTS iso.rd (id INT PRIMARY KEY, body TEXT)"
              + " WITH (ACCESS_LEVEL = 'read');"
              + "CREATE SHARED TABLE IF NOT EXISTS iso.prv (id INT PRIMARY KEY, body TEXT)"
              + " WITH (ACCESS_LEVEL = 'private')");
    }
    return root;
  }

  /** One try: its accounts, its model, and the checks of each operation against the server. */
  private static final class Run implements AutoCloseable {
    private final int tryId;
    private final Model model = new Model();
    private final List<TributaryClient> clients = new ArrayList<>();
    private int written;

    Run(int tryId, List<String> roles) {
      this.tryId = tryId;
      StringBuilder create = new StringBuilder();
      for (int i = 0; i < roles.size(); i++) {
        Account account = new Account("i" + tryId + "_u" + i, roles.get(i), "first-password-" + i);
        model.accounts.add(account);
        create
            .append("CREATE USER '")
            .append(account.name)
            .append("' WITH PASSWORD '")
            .append(account.password)
            .append("' ROLE ")
            .append(account.role)
            .append(';');
      }
      root().update(create.toString());
      model.accounts.forEach(this::logIn);
      SHARED.forEach(t -> model.shared.put(t, new TreeMap<>()));
    }

    private void logIn(Account account) {
      TributaryClient client = TributaryClient.connect(SharedServer.url(), CALL_TIMEOUT);
      clients.add(client);
      String token = client.login(account.name, account.password).token();
      account.session = new Session(account, client, token);
      model.sessions.add(account.session);
    }

    private Account account(int index) {
      return model.accounts.get(index % model.accounts.size());
    }

    private String label(Account a) {
      return a.tag() + "(" + a.role + ")";
    }

    private static boolean mayActFor(Account actor, Account target) {
      return actor.rank() >= Model.rank("service") && target.rank() <= actor.rank();
    }

    private static String as(Account target, String sql) {
      return "EXECUTE AS USER '" + target.name + "' (" + sql + ")";
    }

    void apply(Op op) {
      Account actor = account(op.actor());
      Account target = account(op.target());
      TributaryClient client = actor.session.client;
      switch (op.kind()) {
        case INSERT -> insert(client, actor, actor, op.key(), false);
        case INSERT_AS -> insert(client, actor, target, op.key(), true);
        case SELECT -> select(client, actor, actor, false);
        case SELECT_AS -> select(client, actor, target, true);
        case UPDATE -> update(client, actor, actor, op.key(), false);
        case UPDATE_AS -> update(client, actor, target, op.key(), true);
        case DELETE -> delete(client, actor, actor, op.key(), false);
        case DELETE_AS -> delete(client, actor, target, op.key(), true);
        case SHARED_WRITE -> sharedWrite(client, actor, op.key());
        case SHARED_READ -> sharedRead(client, actor, SHARED.get(op.target() % SHARED.size()));
        case SYSTEM_READ -> systemRead(client, actor);
        case DDL -> ddl(client, actor, op.key());
        case DROP_AND_RECREATE -> dropAndRecreate(target, op.key());
        case CHANGE_PASSWORD -> changePassword(target, op.key() % 2 == 0);
        case REVOKED_TOKEN -> revokedToken(actor, op.key());
        case SUBSCRIBE -> subscribe(client, actor, actor, false);
        case SUBSCRIBE_AS -> subscribe(client, actor, target, true);
      }
    }

    private void insert(
        TributaryClient client, Account actor, Account target, int key, boolean as) {
      String body = "w" + (++written);
      String sql =
          "INSERT INTO iso.notes (id, owner, body) VALUES ("
              + key
              + ", '"
              + target.tag()
              + "', '"
              + body
              + "')";
      String what = label(actor) + " " + (as ? "as " + label(target) + " " : "") + sql;
      if (as && !mayActFor(actor, target)) {
        assertFails(what, () -> client.update(as(target, sql)), ErrorCode.PERMISSION_DENIED);
      } else if (target.rows.containsKey(key)) {
        assertFails(what, () -> client.update(as ? as(target, sql) : sql), ErrorCode.DUPLICATE_KEY);
      } else {
        assertThat(client.update(as ? as(target, sql) : sql)).as(what).isEqualTo(1);
        target.rows.put(key, body);
      }
    }

    private void select(TributaryClient client, Account actor, Account target, boolean as) {
      String sql = "SELECT id, owner, body FROM iso.notes";
      String what = label(actor) + " " + (as ? "as " + label(target) + " " : "") + sql;
      if (as && !mayActFor(actor, target)) {
        assertFails(what, () -> client.query(as(target, sql)), ErrorCode.PERMISSION_DENIED);
        return;
      }
      assertOwnRows(what, client.query(as ? as(target, sql) : sql).rows(), target);
    }

    private void update(
        TributaryClient client, Account actor, Account target, int key, boolean as) {
      String sql = "UPDATE iso.notes SET body = body || '+' WHERE id < " + key;
      String what = label(actor) + " " + (as ? "as " + label(target) + " " : "") + sql;
      if (as && !mayActFor(actor, target)) {
        assertFails(what, () -> client.update(as(target, sql)), ErrorCode.PERMISSION_DENIED);
        return;
      }
      long expected = target.rows.keySet().stream().filter(id -> id < key).count();
      assertThat(client.update(as ? as(target, sql) : sql)).as(what).isEqualTo(expected);
      target.rows.replaceAll((id, body) -> id < key ? body + "+" : body);
    }

    private void delete(
        TributaryClient client, Account actor, Account target, int key, boolean as) {
      int rest = key % 3;
      String sql = "DELETE FROM iso.notes WHERE id % 3 = " + rest;
      String what = label(actor) + " " + (as ? "as " + label(target) + " " : "") + sql;
      if (as && !mayActFor(actor, target)) {
        assertFails(what, () -> client.update(as(target, sql)), ErrorCode.PERMISSION_DENIED);
        return;
      }
      long expected = target.rows.keySet().stream().filter(id -> id % 3 == rest).count();
      assertThat(client.update(as ? as(target, sql) : sql)).as(what).isEqualTo(expected);
      target.rows.keySet().removeIf(id -> id % 3 == rest);
    }

    private int sharedKey(int key) {
      return tryId * 100 + key;
    }

    private void sharedWrite(TributaryClient client, Account actor, int key) {
      String table = SHARED.get((key + actor.rank()) % SHARED.size());
      Map<Integer, String> rows = model.shared.get(table);
      int id = sharedKey(key);
      String body = "s" + (++written);
      String sql = "INSERT INTO " + table + " VALUES (" + id + ", '" + body + "')";
      String what = label(actor) + " " + sql;
      boolean allowed = table.equals("iso.pub") || actor.rank() >= Model.rank("service");
      if (!allowed) {
        assertFails(what, () -> client.update(sql), ErrorCode.PERMISSION_DENIED);
      } else if (rows.containsKey(id)) {
        assertFails(what, () -> client.update(sql), ErrorCode.DUPLICATE_KEY);
      } else {
        assertThat(client.update(sql)).as(what).isEqualTo(1);
        rows.put(id, body);
      }
    }

    private void sharedRead(TributaryClient client, Account actor, String table) {
      String sql =
          "SELECT id, body FROM "
              + table
              + " WHERE id BETWEEN "
              + sharedKey(0)
              + " AND "
              + sharedKey(99);
      String what = label(actor) + " " + sql;
      if (table.equals("iso.prv") && actor.rank() < Model.rank("service")) {
        assertFails(what, () -> client.query(sql), ErrorCode.PERMISSION_DENIED);
        return;
      }
      Map<Integer, String> seen = new TreeMap<>();
      client.query(sql).rows().forEach(r -> seen.put(r.getInteger("id"), r.getString("body")));
      assertThat(seen).as(what).isEqualTo(model.shared.get(table));
    }

    private void systemRead(TributaryClient client, Account actor) {
      Set<String> names = new TreeSet<>();
      client
          .query("SELECT name FROM system.users")
          .rows()
          .forEach(r -> names.add(r.getString("name")));
      Set<String> tables = new TreeSet<>();
      client
          .query("SELECT name FROM system.tables WHERE namespace = 'iso'")
          .rows()
          .forEach(r -> tables.add(r.getString("name")));
      String what = label(actor) + " reading system.users and system.tables";
      if (actor.rank() < Model.rank("dba")) {
        // Roles user and service see only their own row of system.users.
        assertThat(names).as(what).containsExactly(actor.name);
      }
      if (actor.rank() == Model.rank("user")) {
        assertThat(tables).as(what).contains("notes", "pub", "rd").doesNotContain("prv");
      } else if (actor.rank() == Model.rank("service")) {
        assertThat(tables).as(what).contains("notes", "pub", "rd", "prv");
      } else {
        assertThat(names)
            .as(what)
            .containsAll(model.accounts.stream().map(a -> a.name).toList())
            .contains("root");
        assertThat(tables).as(what).contains("notes", "pub", "rd", "prv");
      }
    }

    private void ddl(TributaryClient client, Account actor, int key) {
      String table = "iso.d" + tryId + "_" + key;
      String create = "CREATE TABLE IF NOT EXISTS " + table + " (id INT PRIMARY KEY)";
      String drop = "DROP TABLE IF EXISTS " + table;
      if (actor.rank() >= Model.rank("dba")) {
        assertThat(client.update(create + ";" + drop)).as(label(actor) + " " + create).isZero();
      } else {
        assertFails(
            label(actor) + " " + create, () -> client.update(create), ErrorCode.PERMISSION_DENIED);
        assertFails(
            label(actor) + " DROP TABLE iso.notes",
            () -> client.update("DROP TABLE iso.notes"),
            ErrorCode.PERMISSION_DENIED);
      }
    }

    private void revoke(Account account) {
      for (Session s : model.sessions) {
        if (s.account == account && !s.revoked) {
          s.revoked = true;
          account.revokedTokens.add(s.token);
        }
      }
    }

    private void dropAndRecreate(Account target, int key) {
      String role = Model.ROLES.get(key % Model.ROLES.size());
      root()
          .update(
              "DROP USER '"
                  + target.name
                  + "'; CREATE USER '"
                  + target.name
                  + "' WITH PASSWORD 'again-password-"
                  + key
                  + "' ROLE "
                  + role);
      revoke(target);
      target.generation++;
      target.role = role;
      target.password = "again-password-" + key;
      target.rows.clear();
      logIn(target);
      assertOwnRows(
          label(target) + " re-created",
          target.session.client.query("SELECT id, owner, body FROM iso.notes").rows(),
          target);
    }

    private void changePassword(Account target, boolean bySelf) {
      String password = "changed-password-" + (++written);
      String sql = "ALTER USER '" + target.name + "' SET PASSWORD '" + password + "'";
      (bySelf ? target.session.client : root()).update(sql);
      revoke(target);
      target.password = password;
      logIn(target);
    }

    private void revokedToken(Account actor, int key) {
      if (actor.revokedTokens.isEmpty()) {
        return;
      }
      String token = actor.revokedTokens.get(key % actor.revokedTokens.size());
      TributaryClient stale =
          TributaryClient.connect(SharedServer.url(), CALL_TIMEOUT).withToken(token);
      clients.add(stale);
      String what = label(actor) + " with a revoked token";
      assertFails(
          what,
          () -> stale.query("SELECT id, owner, body FROM iso.notes"),
          ErrorCode.UNAUTHENTICATED);
      assertFails(
          what,
          () ->
              stale.update("INSERT INTO iso.notes (id, owner, body) VALUES (99, 'stale', 'stale')"),
          ErrorCode.UNAUTHENTICATED);
      assertFails(
          what,
          () -> stale.update("UPDATE iso.notes SET body = 'stale'"),
          ErrorCode.UNAUTHENTICATED);
      assertOwnRows(
          what + " (rows after)",
          actor.session.client.query("SELECT id, owner, body FROM iso.notes").rows(),
          actor);
    }

    private void subscribe(TributaryClient client, Account actor, Account target, boolean as) {
      String sql = "SUBSCRIBE TO iso.notes";
      String what = label(actor) + " " + (as ? "as " + label(target) + " " : "") + sql;
      if (as && !mayActFor(actor, target)) {
        Subscriber refused = new Subscriber(what, actor.session, target);
        assertFails(
            what, () -> client.subscribe(as(target, sql), refused), ErrorCode.PERMISSION_DENIED);
        return;
      }
      Subscriber subscriber = new Subscriber(what, actor.session, target);
      client.subscribe(as ? as(target, sql) : sql, subscriber);
      model.subscribers.add(subscriber);
    }

    /** At the end of a try: every account reads exactly its rows, every subscriber converged. */
    void checkEverything() {
      for (Account account : model.accounts) {
        assertOwnRows(
            label(account) + " at the end",
            account.session.client.query("SELECT id, owner, body FROM iso.notes").rows(),
            account);
      }
      for (Subscriber s : model.subscribers) {
        boolean alive = !s.opener.revoked && s.target.generation == s.targetGeneration;
        if (alive) {
          await(s.label)
              .atMost(CONVERGENCE)
              .untilAsserted(
                  () -> {
                    assertThat(s.error()).as(s.label + ": error").isNull();
                    assertThat(s.rows()).as(s.label + ": rows").isEqualTo(s.target.rows);
                  });
        } else {
          await(s.label)
              .atMost(CONVERGENCE)
              .untilAsserted(
                  () ->
                      assertThat(s.error())
                          .as(s.label + " after its session or account ended")
                          .isNotNull()
                          .extracting(TributaryException::errorCode)
                          .isEqualTo(ErrorCode.UNAUTHENTICATED));
        }
        assertThat(s.leaks()).as(s.label + ": rows of other accounts").isEmpty();
      }
    }

    private void assertOwnRows(String what, List<Row> rows, Account account) {
      Map<Integer, String> seen = new TreeMap<>();
      for (Row row : rows) {
        assertThat(row.getString("owner"))
            .as(what + ": owner of " + row.values())
            .isEqualTo(account.tag());
        seen.put(row.getInteger("id"), row.getString("body"));
      }
      assertThat(seen).as(what).isEqualTo(account.rows);
    }

    private static void assertFails(String what, Runnable call, ErrorCode code) {
      assertThatThrownBy(call::run)
          .as(what)
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> {
                assertThat(e.errorCode()).as(what + ": " + e.getMessage()).isEqualTo(code);
                assertThat(e.getMessage()).startsWith("Cannot ");
              });
    }

    @Override
    public void close() {
      clients.forEach(TributaryClient::close);
    }
  }
}
