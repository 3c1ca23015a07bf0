package io.tributary.live.internal;

import static io.tributary.live.internal.Fixtures.FEED;
import static io.tributary.live.internal.Fixtures.OWNER;
import static io.tributary.live.internal.Fixtures.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.live.EventEncoder;
import io.tributary.live.LiveConfig;
import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.materializer.ChangeListener;
import io.tributary.query.Action;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.exec.HotCursor;
import io.tributary.query.exec.HotTier;
import io.tributary.query.live.LiveQuery;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub end to end without a protocol: subscriptions over an in-memory hot tier, changes handed
 * over by the materializer's listener, events read from recording sinks.
 */
class HubTest {
  private static final TableDef OTHER =
      new TableDef(
          8,
          "app",
          "other",
          TableKind.SHARED,
          List.of(new ColumnDef("id", ColumnType.BIGINT, false, null)),
          List.of("id"),
          Map.of(),
          0);

  /** Empty ranges, all of them at high-water mark 0. */
  private static final HotTier EMPTY =
      new HotTier() {
        @Override
        public List<Object[]> scan(TableDef table, String owner) {
          return List.of();
        }

        @Override
        public HotCursor open(TableDef table, String owner) {
          Iterator<Object[]> rows = Collections.emptyIterator();
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
              return 0;
            }

            @Override
            public void close() {}
          };
        }
      };

  private final CountDownLatch dispatching = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** Holds the dispatcher inside the encoding of change 1 until the test releases it. */
  private final EventEncoder stalling =
      new TextEncoder() {
        @Override
        public ChangeEncoding change(AppliedChange change) {
          if (change.table().id() == FEED.id() && change.seq() == 1) {
            dispatching.countDown();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return super.change(change);
        }
      };

  private Hub hub;

  @AfterEach
  void stop() {
    release.countDown();
    if (hub != null) {
      hub.close();
    }
  }

  private static Action.Subscribe subscribe(TableDef table) {
    return new Action.Subscribe(
        new LiveQuery(table, null, null, row -> true, List.of(), -1, -1, 500),
        OWNER.user(),
        Role.USER,
        OWNER.userId());
  }

  @Test
  void shouldNeverBlockTheMaterializerAndCloseTheSubscriptionsOfLostChangesToResume()
      throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    hub =
        new Hub(
            null,
            LiveConfig.defaults().withHandoffCapacity(4),
            registry,
            stalling,
            TimeSource.SYSTEM);
    hub.start(EMPTY);
    RecordingSink feedSink = new RecordingSink();
    String feedStream = hub.openStream(OWNER, feedSink);
    String feedSub = hub.subscribe(OWNER, feedStream, subscribe(FEED));
    RecordingSink otherSink = new RecordingSink();
    String otherStream = hub.openStream(OWNER, otherSink);
    String otherSub = hub.subscribe(OWNER, otherStream, subscribe(OTHER));
    ChangeListener listener = hub.changeListener();

    listener.changed(List.of(insert(1)));
    assertThat(dispatching.await(10, TimeUnit.SECONDS)).isTrue(); // the dispatcher is stuck
    // Four commands fill the handoff queue; three more find it full. None may wait.
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          for (long seq = 2; seq <= 8; seq++) {
            listener.changed(List.of(insert(seq)));
          }
        });
    assertThat(registry.get("tributary.live.handoff.overflows").counter().count()).isEqualTo(3);
    release.countDown();

    String error = feedSub + "|error SUBSCRIBER_TOO_SLOW 5";
    await().atMost(Duration.ofSeconds(10)).until(() -> feedSink.events().contains(error));
    assertThat(feedSink.events())
        .endsWith(
            feedSub + "|insert 1",
            feedSub + "|insert 2",
            feedSub + "|insert 3",
            feedSub + "|insert 4",
            feedSub + "|insert 5",
            error);
    assertThat(hub.systemLiveRows(OWNER.userId(), Role.USER))
        .extracting(row -> row[0])
        .containsExactly(otherSub);

    // The queue is taken again: the other range's subscription, which lost nothing, still gets
    // every change, and a new subscription to the first range gets its changes.
    String again = hub.subscribe(OWNER, feedStream, subscribe(FEED));
    listener.changed(
        List.of(
            new AppliedChange(
                RowChange.Kind.INSERT, OTHER, null, 20, null, new Object[] {1L, 20L}, 0)));
    listener.changed(List.of(insert(21)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> otherSink.events().contains(otherSub + "|insert 20"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> feedSink.events().contains(again + "|insert 21"));
  }

  @Test
  void shouldEndTheSubscriptionsOfATableAlteredUnderThemWithTheirPositionToResume() {
    hub =
        new Hub(
            null,
            LiveConfig.defaults(),
            new SimpleMeterRegistry(),
            new TextEncoder(),
            TimeSource.SYSTEM);
    hub.start(EMPTY);
    RecordingSink sink = new RecordingSink();
    String stream = hub.openStream(OWNER, sink);
    String before = hub.subscribe(OWNER, stream, subscribe(FEED));
    ChangeListener listener = hub.changeListener();
    listener.changed(List.of(insert(1)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sink.events().contains(before + "|insert 1"));

    // ALTER TABLE app.feed ADD COLUMN note TEXT: the next change comes under the new columns
    TableDef altered =
        new TableDef(
            FEED.id(),
            FEED.namespace(),
            FEED.name(),
            FEED.kind(),
            List.of(FEED.columns().get(0), new ColumnDef("note", ColumnType.TEXT, true, null)),
            FEED.primaryKey(),
            FEED.options(),
            FEED.createdAtMillis());
    String after = hub.subscribe(OWNER, stream, subscribe(altered));
    listener.changed(
        List.of(
            new AppliedChange(
                RowChange.Kind.INSERT, altered, null, 2, null, new Object[] {2L, "n", 2L}, 0)));

    String error = before + "|error SCHEMA_CHANGED 1";
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains(error));
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains(after + "|insert 2"));
    assertThat(sink.events()).doesNotContain(before + "|insert 2");
    assertThat(hub.systemLiveRows(OWNER.userId(), Role.USER))
        .extracting(row -> row[0])
        .containsExactly(after);
  }

  @Test
  void shouldStampHeartbeatsAndSubscriptionsWithTheInjectedClock() {
    ManualTime time = new ManualTime();
    hub = new Hub(null, LiveConfig.defaults(), new SimpleMeterRegistry(), new TextEncoder(), time);
    hub.start(EMPTY);
    RecordingSink sink = new RecordingSink();
    String stream = hub.openStream(OWNER, sink);
    long opened = time.millis();
    String sub = hub.subscribe(OWNER, stream, subscribe(FEED));
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains(sub + "|ready 0"));

    time.advance(Duration.ofSeconds(15));
    hub.heartbeat();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sink.events().contains("heartbeat " + (opened + 15_000)));
    assertThat(hub.systemLiveRows(OWNER.userId(), Role.USER))
        .singleElement()
        .satisfies(row -> assertThat(row[4]).isEqualTo(opened));
  }
}
