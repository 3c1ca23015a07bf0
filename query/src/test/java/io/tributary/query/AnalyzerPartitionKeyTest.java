package io.tributary.query;

import static io.tributary.query.AnalyzerAccountsTest.ALICE;
import static io.tributary.query.AnalyzerAccountsTest.SVC;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.parse.StatementParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write to a SHARED table with a PARTITION_KEY names the one value of the key it touches, or,
 * when it spans values, is marked to apply across partitions (an INSERT with each row's value).
 */
class AnalyzerPartitionKeyTest {
  private static final TableDef ROOMS =
      AnalyzerSubscribeTest.table(
          31,
          "app",
          "rooms",
          TableKind.SHARED,
          Map.of("ACCESS_LEVEL", "public", "PARTITION_KEY", "c"),
          AnalyzerSubscribeTest.col("c", ColumnType.BIGINT, false),
          AnalyzerSubscribeTest.col("v", ColumnType.TEXT, true));

  private Analyzer analyzer;

  @BeforeEach
  void setUp() {
    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    catalog.apply(CatalogRecord.table(ROOMS));
    for (UserDef u : List.of(ALICE, SVC)) {
      catalog.apply(CatalogRecord.user(u));
    }
    analyzer = new Analyzer(catalog, new AnalyzerSubscribeTest.FixedEnvironment());
  }

  private Action.Write write(String sql) {
    return (Action.Write) analyzer.analyze(StatementParser.parse(sql), SVC, List.of());
  }

  @Test
  void shouldNameTheOneValueOfAStatementOnOneValue() {
    for (String sql :
        List.of(
            "INSERT INTO app.rooms VALUES (7, 'a'), (7, 'b')",
            "UPDATE app.rooms SET v = 'x' WHERE c = 7 AND v = 'a'",
            "DELETE FROM app.rooms WHERE v = 'a' AND c = 7")) {
      Action.Write w = write(sql);
      assertThat(w.partitionValue()).as(sql).isEqualTo("7");
      assertThat(w.rowPartitionValues()).as(sql).isNull();
      assertThat(w.spansPartitions()).as(sql).isFalse();
    }
  }

  @Test
  void shouldMarkAStatementThatSpansValues() {
    Action.Write insert = write("INSERT INTO app.rooms VALUES (7, 'a'), (8, 'b'), (7, 'c')");
    assertThat(insert.spansPartitions()).isTrue();
    assertThat(insert.partitionValue()).isNull();
    assertThat(insert.rowPartitionValues()).containsExactly("7", "8", "7");

    for (String sql :
        List.of(
            "UPDATE app.rooms SET v = 'x' WHERE v = 'a'",
            "UPDATE app.rooms SET v = 'x' WHERE c = 7 OR c = 8",
            "DELETE FROM app.rooms",
            "DELETE FROM app.rooms WHERE c > 7")) {
      Action.Write w = write(sql);
      assertThat(w.spansPartitions()).as(sql).isTrue();
      assertThat(w.rowPartitionValues()).as(sql).isNull();
    }
  }

  @Test
  void shouldKeepTheRowsValuesOfADelegatedInsert() {
    Action.Write w =
        write("EXECUTE AS USER 'alice' (INSERT INTO app.rooms VALUES (1, 'a'), (2, 'b'))");
    assertThat(w.rowPartitionValues()).containsExactly("1", "2");
    assertThat(w.command().accepted().delegation().userName()).isEqualTo("alice");
  }
}
