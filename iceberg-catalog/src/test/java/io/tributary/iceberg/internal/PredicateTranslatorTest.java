package io.tributary.iceberg.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.expr.Bound;
import io.tributary.query.expr.Expressions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PredicateTranslatorTest {
  private static final TableDef TABLE = ColdFixtures.everyType(7, TableKind.USER);

  private static PredicateTranslator.Translation translate(String where) {
    return PredicateTranslator.translate(TABLE, Expressions.bindPredicate(TABLE, where).tree());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "id = 5                        | ref(name=\"id\") == 5",
        "5 < id                        | ref(name=\"id\") > 5",
        "NOT (id < 5)                  | ref(name=\"id\") >= 5",
        "n <> 3                        | ref(name=\"n\") != 3",
        "content = 'hi'                | ref(name=\"content\") == \"hi\"",
        "content LIKE 'ab%'            | ref(name=\"content\") startsWith \"\"ab\"\"",
        "content IS NULL               | is_null(ref(name=\"content\"))",
        "NOT (content IS NULL)         | not_null(ref(name=\"content\"))",
        "flag                          | ref(name=\"flag\") == true",
        "NOT flag                      | ref(name=\"flag\") == false",
        "_seq > 100                    | ref(name=\"_seq\") > 100",
        "price = 1.5                   | ref(name=\"price\") == 1.50",
        "born = DATE '2024-01-02'      | ref(name=\"born\") == 19724",
        "created_at >= TIMESTAMP '2024-01-01 00:00:00.250' | ref(name=\"created_at\") >= 1704067200250000",
        "id = 1 AND n = 2              | (ref(name=\"id\") == 1 and ref(name=\"n\") == 2)",
        "NOT (id = 1 OR n = 2)         | (ref(name=\"id\") != 1 and ref(name=\"n\") != 2)",
      })
  void shouldTranslateWhatMapsExactly(String where, String expected) {
    PredicateTranslator.Translation t = translate(where);

    assertThat(t.expression().toString()).isEqualTo(expected);
    assertThat(t.complete()).isTrue();
  }

  @Test
  void shouldTranslateInListsAndRanges() {
    assertThat(translate("id IN (1, 2, 3)").expression().toString())
        .isEqualTo("((ref(name=\"id\") == 1 or ref(name=\"id\") == 2) or ref(name=\"id\") == 3)");
    assertThat(translate("n BETWEEN 2 AND 8").expression().toString())
        .isEqualTo("(ref(name=\"n\") >= 2 and ref(name=\"n\") <= 8)");
  }

  @Test
  void shouldKeepWhatDoesNotMapAsAResidualOnly() {
    PredicateTranslator.Translation t = translate("id = 5 AND n + 1 > 3");

    assertThat(t.expression().toString()).isEqualTo("ref(name=\"id\") == 5");
    assertThat(t.complete()).isFalse();
  }

  @Test
  void shouldGiveUpOnAnOrWithAnUntranslatableSide() {
    PredicateTranslator.Translation t = translate("id = 5 OR UPPER(content) = 'X'");

    assertThat(t.expression().toString()).isEqualTo("true");
    assertThat(t.complete()).isFalse();
  }

  /** content (column 5) compared with a literal the SQL parser cannot take in plain quotes. */
  private static PredicateTranslator.Translation translateContent(Bound.Operator op, String v) {
    Bound.Type varchar =
        new Bound.Type(
            Bound.TypeName.VARCHAR, 1 << 20, Bound.Type.UNSPECIFIED, true, "UTF-16LE", null);
    Bound.Type bool =
        new Bound.Type(
            Bound.TypeName.BOOLEAN,
            Bound.Type.UNSPECIFIED,
            Bound.Type.UNSPECIFIED,
            true,
            null,
            null);
    Bound call =
        new Bound.Call(
            op, List.of(new Bound.Column(5, varchar), new Bound.Literal(v, varchar)), bool);
    return PredicateTranslator.translate(TABLE, call);
  }

  @Test
  void shouldNotPushWhatIcebergOrdersDifferently() {
    // NaN sorts apart in Iceberg's statistics; characters from U+D800 up sort differently in
    // UTF-16.
    assertThat(translate("score < 2.5").expression().toString()).isEqualTo("true");
    assertThat(translateContent(Bound.Operator.LESS_THAN, "\uE000").expression().toString())
        .isEqualTo("true");
    assertThat(translateContent(Bound.Operator.EQUALS, "\uE000").expression().toString())
        .isEqualTo("ref(name=\"content\") == \"\uE000\"");
    // NOT (x IS TRUE) also holds for NULL, so it may not become x = false.
    assertThat(translate("NOT (flag IS TRUE)").expression().toString()).isEqualTo("true");
  }
}
