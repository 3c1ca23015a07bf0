package io.tributary.live.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.live.TimeSource;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.live.LiveQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The index hands out the candidates of a change grouped by stream (each stream's subscriptions in
 * one run, whatever order they subscribed in), so that the dispatcher takes each stream's lock once
 * per change; and it still finds exactly the subscriptions a change may concern.
 */
class SubscriptionIndexTest {
  private static final TableDef TABLE =
      new TableDef(
          7,
          "app",
          "feed",
          TableKind.SHARED,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("room", ColumnType.INT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  private final SubscriptionIndex index = new SubscriptionIndex();
  private final TextEncoder encoder = new TextEncoder();
  private int ids;

  @Test
  void shouldHandOutCandidatesGroupedByStream() {
    List<LiveStream> streams = List.of(stream("a"), stream("b"), stream("c"));
    List<Subscription> room1 = new ArrayList<>();
    // Subscribed interleaved, as concurrent connections do.
    for (int i = 0; i < 30; i++) {
      room1.add(add(streams.get(i % 3), room(1)));
      add(streams.get(i % 3), room(2));
    }
    List<Subscription> unfiltered =
        List.of(addUnfiltered(streams.get(1)), addUnfiltered(streams.get(0)));

    List<Subscription> out = candidates(new Object[] {1L, 1});

    assertThat(out).containsExactlyInAnyOrderElementsOf(concat(room1, unfiltered));
    assertGroupedByStreamWithinEachBucket(out, unfiltered.size());
  }

  @Test
  void shouldForgetRemovedSubscriptionsAndKeepTheRestGrouped() {
    LiveStream a = stream("a");
    LiveStream b = stream("b");
    List<Subscription> kept = new ArrayList<>();
    List<Subscription> removed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Subscription s = add(i % 2 == 0 ? a : b, room(1));
      (i % 4 < 2 ? kept : removed).add(s);
    }
    assertThat(candidates(new Object[] {1L, 1})).hasSize(20); // read once before the removals
    removed.forEach(index::remove);

    List<Subscription> out = candidates(new Object[] {1L, 1});

    assertThat(out).containsExactlyInAnyOrderElementsOf(kept);
    assertGroupedByStreamWithinEachBucket(out, 0);
    assertThat(index.size()).isEqualTo(kept.size());
    kept.forEach(index::remove);
    assertThat(candidates(new Object[] {1L, 1})).isEmpty();
    assertThat(index.size()).isZero();
  }

  @Test
  void shouldFindBothRoomsOfAnUpdateThatMovesARow() {
    LiveStream a = stream("a");
    Subscription in1 = add(a, room(1));
    Subscription in2 = add(a, room(2));
    add(a, room(3));

    assertThat(candidates(new Object[] {1L, 1}, new Object[] {1L, 2}))
        .containsExactlyInAnyOrder(in1, in2);
  }

  /** The unindexed bucket comes first ({@code unindexed} candidates), then the room's bucket. */
  private static void assertGroupedByStreamWithinEachBucket(List<Subscription> out, int unindexed) {
    assertGrouped(out.subList(0, unindexed));
    assertGrouped(out.subList(unindexed, out.size()));
  }

  private static void assertGrouped(List<Subscription> run) {
    Set<LiveStream> finished = new HashSet<>();
    for (int i = 0; i < run.size(); i++) {
      LiveStream stream = run.get(i).stream;
      assertThat(finished)
          .as("stream of candidate %d appeared before, apart", i)
          .doesNotContain(stream);
      if (i + 1 == run.size() || run.get(i + 1).stream != stream) {
        finished.add(stream);
      }
    }
  }

  private List<Subscription> candidates(Object[] newRow) {
    return candidates(null, newRow);
  }

  private List<Subscription> candidates(Object[] oldRow, Object[] newRow) {
    List<Subscription> out = new ArrayList<>();
    index.candidates(TABLE.id(), null, oldRow, newRow, out);
    return out;
  }

  private Subscription add(LiveStream stream, LiveQuery query) {
    Subscription s = Fixtures.subscription("sub-" + ids++, stream, query, encoder);
    index.add(s);
    return s;
  }

  /** {@code SUBSCRIBE TO app.feed WHERE room = n}. */
  private static LiveQuery room(int n) {
    return new LiveQuery(
        TABLE,
        null,
        "room = " + n,
        row -> Integer.valueOf(n).equals(row[1]),
        List.of(new LiveQuery.Equality(1, n)),
        -1,
        -1,
        LiveQuery.DEFAULT_BATCH_SIZE);
  }

  private Subscription addUnfiltered(LiveStream stream) {
    LiveQuery all = new LiveQuery(TABLE, null, null, row -> true, List.of(), -1, -1, 100);
    return add(stream, all);
  }

  private LiveStream stream(String id) {
    Executor never = r -> {}; // nothing is drained: only the index is under test
    return Fixtures.stream(id, new RecordingSink(), encoder, never, 100, TimeSource.SYSTEM);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
