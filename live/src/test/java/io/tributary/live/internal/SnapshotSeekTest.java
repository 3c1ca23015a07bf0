package io.tributary.live.internal;

import static io.tributary.live.internal.Fixtures.FEED;
import static io.tributary.live.internal.Fixtures.OWNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.live.LiveConfig;
import io.tributary.live.TimeSource;
import io.tributary.query.Action;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.live.LiveQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A snapshot asks the hot tier for the primary key prefix its filter fixes (so the store seeks it)
 * and for the whole range otherwise, and sends what the cursor returns with its high-water mark.
 */
class SnapshotSeekTest {
  private final List<List<Object>> asked = new CopyOnWriteArrayList<>();

  /** Answers a key prefix with the one row 7 (at high-water mark 9), the whole range with none. */
  private final HotTier hot =
      new HotTier() {
        @Override
        public List<Object[]> scan(TableDef table, String owner) {
          return List.of();
        }

        @Override
        public HotCursor open(TableDef table, String owner) {
          return open(table, owner, List.of());
        }

        @Override
        public HotCursor open(TableDef table, String owner, List<Object> keyPrefix) {
          asked.add(keyPrefix);
          Iterator<Object[]> rows =
              keyPrefix.isEmpty()
                  ? Collections.emptyIterator()
                  : List.<Object[]>of(new Object[] {7L, 3L}).iterator();
          return new HotCursor() {
            @Override
            public boolean hasNext() {
              return rows.hasNext();
            }

            @Override
            public Object[] next() {
              return rows.next();
            }

            @Override
            public long highWater() {
              return 9;
            }

            @Override
            public void close() {}
          };
        }
      };

  private Hub hub;

  @AfterEach
  void stop() {
    if (hub != null) {
      hub.close();
    }
  }

  @Test
  void shouldAskTheHotTierForTheKeyTheFilterFixes() {
    hub =
        new Hub(
            null,
            LiveConfig.defaults(),
            new SimpleMeterRegistry(),
            new TextEncoder(),
            TimeSource.SYSTEM);
    hub.start(hot);
    RecordingSink sink = new RecordingSink();
    String stream = hub.openStream(OWNER, sink);

    String point =
        hub.subscribe(
            OWNER,
            stream,
            subscribe(List.of(new LiveQuery.Equality(0, 7L)), row -> row[0].equals(7L)));
    String all = hub.subscribe(OWNER, stream, subscribe(List.of(), row -> true));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                sink.events().contains(point + "|ready 9")
                    && sink.events().contains(all + "|ready 9"));
    assertThat(asked).containsExactly(List.of(7L), List.of());
    assertThat(sink.events()).contains(point + "|rows 1", all + "|rows 0");
  }

  private static Action.Subscribe subscribe(
      List<LiveQuery.Equality> equalities, io.tributary.query.expr.RowPredicate predicate) {
    return new Action.Subscribe(
        new LiveQuery(FEED, null, "id = 7", predicate, new ArrayList<>(equalities), -1, -1, 500),
        OWNER.user(),
        Role.USER,
        OWNER.userId());
  }
}
