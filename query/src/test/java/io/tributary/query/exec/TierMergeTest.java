package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.expr.Expressions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class TierMergeTest {
  private static final TableDef TABLE =
      new TableDef(
          1,
          "chat",
          "messages",
          TableKind.USER,
          List.of(
              new ColumnDef("id", ColumnType.BIGINT, false, null),
              new ColumnDef("content", ColumnType.TEXT, true, null)),
          List.of("id"),
          Map.of(),
          0);

  private static RowVersion live(String owner, long id, String content, long seq) {
    return RowVersion.of(owner, new Object[] {id, content, seq});
  }

  private static RowVersion deleted(String owner, long id, long seq) {
    return RowVersion.tombstone(owner, new Object[] {id, null, seq});
  }

  private static List<String> merged(List<RowVersion> hot, List<RowVersion> cold) {
    return TierMerge.mergeToList(TABLE, hot, cold.iterator(), null).stream()
        .map(Arrays::toString)
        .sorted()
        .toList();
  }

  @Test
  void shouldLetTheNewestSeqWinAcrossTiers() {
    List<String> rows =
        merged(
            List.of(live("u1", 1, "edited", 20), live("u1", 3, "hot only", 21)),
            List.of(live("u1", 1, "original", 5), live("u1", 2, "cold only", 6)));

    assertThat(rows).containsExactly("[1, edited, 20]", "[2, cold only, 6]", "[3, hot only, 21]");
  }

  @Test
  void shouldHideAColdRowBehindANewerHotTombstone() {
    assertThat(merged(List.of(deleted("u1", 1, 30)), List.of(live("u1", 1, "gone", 5)))).isEmpty();
  }

  @Test
  void shouldNeverShowAHotVersionOlderThanTheColdOne() {
    assertThat(merged(List.of(live("u1", 1, "stale", 4)), List.of(live("u1", 1, "fresh", 9))))
        .containsExactly("[1, fresh, 9]");
    assertThat(merged(List.of(live("u1", 1, "stale", 4)), List.of(deleted("u1", 1, 9)))).isEmpty();
  }

  @Test
  void shouldKeyByOwnerAndPrimaryKey() {
    assertThat(merged(List.of(deleted("u2", 1, 30)), List.of(live("u1", 1, "u1's row", 5))))
        .containsExactly("[1, u1's row, 5]");
  }

  @Test
  void shouldTakeTheNewestOfSeveralHotVersions() {
    assertThat(
            merged(
                List.of(live("u1", 1, "b", 12), deleted("u1", 1, 11), live("u1", 1, "a", 10)),
                List.of(live("u1", 1, "cold", 1))))
        .containsExactly("[1, b, 12]");
  }

  @Test
  void shouldFilterHotWinnersButLetAFailingHotVersionHideAMatchingColdOne() {
    var where = Expressions.predicate(TABLE, "content LIKE 'keep%'");
    List<RowVersion> hot = List.of(live("u1", 1, "drop now", 20), live("u1", 2, "keep hot", 21));
    // cold is already filtered, as ColdTier.scan returns it
    List<RowVersion> cold = List.of(live("u1", 1, "keep old", 5), live("u1", 3, "keep cold", 6));

    List<String> rows =
        TierMerge.mergeToList(TABLE, hot, cold.iterator(), where).stream()
            .map(Arrays::toString)
            .sorted()
            .toList();

    assertThat(rows).containsExactly("[2, keep hot, 21]", "[3, keep cold, 6]");
  }

  /** The merge equals replaying every version in _seq order onto an empty table. */
  @RepeatedTest(20)
  void shouldEqualReplayingAllVersionsInSeqOrder() {
    Random random = new Random();
    List<RowVersion> history = new ArrayList<>();
    long seq = 0;
    for (int i = 0; i < 200; i++) {
      String owner = "u" + random.nextInt(3);
      long id = random.nextInt(20);
      seq += 1 + random.nextInt(3);
      history.add(
          random.nextInt(4) == 0 ? deleted(owner, id, seq) : live(owner, id, "v" + seq, seq));
    }
    int flushedUpTo = random.nextInt(history.size());
    // cold: the newest version of each key among the flushed ones, tombstones removed
    Map<String, RowVersion> cold = new HashMap<>();
    for (RowVersion v : history.subList(0, flushedUpTo)) {
      cold.put(v.owner() + "/" + v.row()[0], v);
    }
    cold.values().removeIf(RowVersion::deleted);
    List<RowVersion> hot = new ArrayList<>(history.subList(flushedUpTo, history.size()));
    java.util.Collections.shuffle(hot, random);
    Map<String, RowVersion> replay = new HashMap<>();
    for (RowVersion v : history) {
      replay.put(v.owner() + "/" + v.row()[0], v);
    }
    List<String> expected =
        replay.values().stream()
            .filter(v -> !v.deleted())
            .map(v -> Arrays.toString(v.row()))
            .sorted()
            .toList();

    assertThat(merged(hot, new ArrayList<>(cold.values()))).isEqualTo(expected);
  }
}
