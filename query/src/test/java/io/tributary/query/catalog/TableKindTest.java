package io.tributary.query.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the table kinds promise about expiry and the cold tier. */
class TableKindTest {
  private static TableDef table(TableKind kind, Map<String, String> options) {
    return new TableDef(
        1,
        "ns",
        "t",
        kind,
        List.of(new ColumnDef("id", ColumnType.BIGINT, false, null)),
        List.of("id"),
        options,
        0);
  }

  @Test
  void shouldKeepStreamEventsOutOfColdStorageAndLetOnlyThemExpire() {
    assertThat(TableKind.STREAM.reachesColdStorage()).isFalse();
    assertThat(TableKind.USER.reachesColdStorage()).isTrue();
    assertThat(TableKind.SHARED.reachesColdStorage()).isTrue();
    assertThat(TableKind.STREAM.expires()).isTrue();
    assertThat(TableKind.USER.expires()).isFalse();
    assertThat(TableKind.SHARED.expires()).isFalse();
  }

  @Test
  void shouldGiveTheTtlOfAStreamTableInMillisecondsAndNoneToOthers() {
    assertThat(table(TableKind.STREAM, Map.of("TTL_SECONDS", "30")).ttlMillis()).isEqualTo(30_000);
    assertThat(table(TableKind.USER, Map.of()).ttlMillis()).isZero();
    assertThat(table(TableKind.SHARED, Map.of("ACCESS_LEVEL", "public")).ttlMillis()).isZero();
  }
}
