package io.tributary.query.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.ColumnType;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A row written before ALTER TABLE ... ADD COLUMN holds fewer values than the table has columns: it
 * decodes with NULL in the columns it lacks; a row written after decodes under the definition
 * before by its first values.
 */
class RowCodecShortRowTest {
  private static final List<ColumnType> BEFORE =
      List.of(ColumnType.BIGINT, ColumnType.TEXT, ColumnType.decimal(8, 2));
  private static final List<ColumnType> AFTER =
      List.of(
          ColumnType.BIGINT,
          ColumnType.TEXT,
          ColumnType.decimal(8, 2),
          ColumnType.INT,
          ColumnType.BYTES);

  @Test
  void shouldReadTheColumnsAnOldRowLacksAsNull() {
    byte[] old = RowCodec.encode(BEFORE, new Object[] {1L, "one", new BigDecimal("1.50")});

    Object[] row = RowCodec.decode(AFTER, old, AFTER.size() + 1);

    assertThat(row).containsExactly(1L, "one", new BigDecimal("1.50"), null, null, null);
  }

  @Test
  void shouldReadANewRowUnderTheOldColumnsByItsFirstValues() {
    byte[] wide =
        RowCodec.encode(
            AFTER, new Object[] {2L, null, new BigDecimal("2.00"), 7, new byte[] {1, 2}});

    assertThat(RowCodec.decode(BEFORE, wide)).containsExactly(2L, null, new BigDecimal("2.00"));
    assertThat(RowCodec.decode(AFTER, wide)[3]).isEqualTo(7);
  }

  @Test
  void shouldKeepTheBytesOfATableNeverAltered() {
    Object[] values = {3L, "three", null};
    assertThat(RowCodec.decode(BEFORE, RowCodec.encode(BEFORE, values))).containsExactly(values);
  }
}
