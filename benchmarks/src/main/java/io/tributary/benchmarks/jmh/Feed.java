package io.tributary.benchmarks.jmh;

import io.tributary.query.Action;
import io.tributary.query.Analyzer;
import io.tributary.query.Environment;
import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.live.LiveQuery;
import io.tributary.query.parse.StatementParser;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fan-out benchmark's table, {@code bench.feed (id BIGINT PRIMARY KEY, room INT, body TEXT)},
 * in a catalog of its own, and live queries on it analyzed exactly as the server analyzes a
 * client's {@code SUBSCRIBE TO}: parsed by {@link StatementParser}, bound and compiled by {@link
 * Analyzer}. The micro-benchmarks share it so that they run what the server runs.
 */
public final class Feed {
  /** The fan-out benchmark's change body: 70 characters. */
  public static final String BODY =
      "fan-out benchmark payload: seventy characters of text in each change!!";

  private final CatalogState catalog = new CatalogState();
  private final Analyzer analyzer;
  private final TableDef table;

  public Feed() {
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("bench", 0)));
    catalog.apply(CatalogRecord.user(new UserDef("reader", Role.USER, "unused", 0)));
    analyzer = new Analyzer(catalog, new FixedEnvironment());
    Action created =
        analyze(
            "CREATE SHARED TABLE bench.feed (id BIGINT PRIMARY KEY, room INT, body TEXT)",
            Role.DBA);
    ((Action.CatalogChange) created).records().forEach(catalog::apply);
    table = catalog.table("bench", "feed").orElseThrow();
  }

  public TableDef table() {
    return table;
  }

  /** The live query of {@code SUBSCRIBE TO bench.feed WHERE <where>} by a user-role reader. */
  public LiveQuery subscribe(String where) {
    Action a = analyze("SUBSCRIBE TO bench.feed WHERE " + where, Role.USER);
    return ((Action.Subscribe) a).query();
  }

  /** A row as the live hub sees it: canonical values, then {@code _seq}. */
  public static Object[] row(long id, int room, String body, long seq) {
    return new Object[] {id, room, body, seq};
  }

  private Action analyze(String sql, Role role) {
    return analyzer.analyze(StatementParser.parse(sql), "reader", role, List.of());
  }

  /** Deterministic ids and times: nothing here is written anywhere. */
  private static final class FixedEnvironment implements Environment {
    private final AtomicLong ids = new AtomicLong(1);

    @Override
    public long nowMillis() {
      return 0;
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
      return "bench-" + ids.incrementAndGet();
    }

    @Override
    public String hashPassword(String password) {
      return "unused";
    }
  }
}
