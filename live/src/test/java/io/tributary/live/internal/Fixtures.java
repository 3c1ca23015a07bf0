package io.tributary.live.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.live.EventEncoder;
import io.tributary.live.Sink;
import io.tributary.live.StreamOwner;
import io.tributary.live.TimeSource;
import io.tributary.materializer.AppliedChange;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.command.RowChange;
import io.tributary.query.live.LiveQuery;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/** The table, streams and subscriptions the live module's unit tests share. */
final class Fixtures {
  private Fixtures() {}

  /** {@code app.feed (id BIGINT PRIMARY KEY)}, SHARED: a row is {@code {id, _seq}}. */
  static final TableDef FEED =
      new TableDef(
          7,
          "app",
          "feed",
          TableKind.SHARED,
          List.of(new ColumnDef("id", ColumnType.BIGINT, false, null)),
          List.of("id"),
          Map.of(),
          0);

  static final StreamOwner OWNER = new StreamOwner("u1", "u1", 0);

  static LiveMetrics metrics(TimeSource time) {
    return new LiveMetrics(new SimpleMeterRegistry(), () -> 0, time);
  }

  static LiveStream stream(
      String id, Sink sink, EventEncoder encoder, Executor writers, int capacity, TimeSource time) {
    return new LiveStream(
        id, OWNER, sink, encoder, writers, capacity, metrics(time), time, /* oneShot= */ false);
  }

  static Subscription subscription(
      String id, LiveStream stream, LiveQuery query, EventEncoder encoder) {
    return new Subscription(
        id,
        stream,
        query,
        query.columns(),
        OWNER.userId(),
        OWNER.user(),
        0,
        encoder,
        encoder.subscriptionHead(id));
  }

  /** {@code SUBSCRIBE TO app.feed}. */
  static LiveQuery everyRow() {
    return new LiveQuery(FEED, null, null, row -> true, List.of(), -1, -1, 500);
  }

  /** {@code SELECT * FROM app.feed ORDER BY id LIMIT n}, live. */
  static LiveQuery firstRows(int n) {
    return new LiveQuery(
        FEED,
        null,
        null,
        row -> true,
        List.of(),
        -1,
        -1,
        500,
        LiveQuery.allColumns(FEED),
        List.of(new LiveQuery.SortKey(0, false, false)),
        n);
  }

  /** Row {@code id} inserted at {@code seq}. */
  static AppliedChange insert(long id, long seq) {
    return new AppliedChange(
        RowChange.Kind.INSERT, FEED, null, seq, null, new Object[] {id, seq}, 0);
  }

  /** Row {@code seq} inserted at {@code seq}. */
  static AppliedChange insert(long seq) {
    return insert(seq, seq);
  }
}
