package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubscribeSqlTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "SUBSCRIBE TO t | SUBSCRIBE TO t OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t WHERE a = 1; | SUBSCRIBE TO t WHERE a = 1 OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t -- live\\n | SUBSCRIBE TO t OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t /* c */ ; ; | SUBSCRIBE TO t OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t OPTIONS (last_rows = 20) | SUBSCRIBE TO t OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t options(LAST_ROWS=20,batch_size=5) | SUBSCRIBE TO t OPTIONS (batch_size=5,"
            + " from_seq = 42)",
        "SUBSCRIBE TO t OPTIONS (from_seq = 7, batch_size = 5); | SUBSCRIBE TO t OPTIONS (batch_size"
            + " = 5, from_seq = 42)",
        "SUBSCRIBE TO t WHERE f(a, b) = 1 OPTIONS () | SUBSCRIBE TO t WHERE f(a, b) = 1 OPTIONS"
            + " (from_seq = 42)",
        "SUBSCRIBE TO t WHERE s = 'OPTIONS (x)' | SUBSCRIBE TO t WHERE s = 'OPTIONS (x)' OPTIONS"
            + " (from_seq = 42)",
        "SUBSCRIBE TO t WHERE \"options\" IN (1, 2) | SUBSCRIBE TO t WHERE \"options\" IN (1, 2)"
            + " OPTIONS (from_seq = 42)",
        "SUBSCRIBE TO t WHERE s = 'it''s' | SUBSCRIBE TO t WHERE s = 'it''s' OPTIONS (from_seq ="
            + " 42)",
      })
  void shouldMergeFromSeqIntoTheOptionsClause(String sql, String resumed) {
    assertThat(SubscribeSql.resumingAfter(sql.replace("\\n", "\n"), 42)).isEqualTo(resumed);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SUBSCRIBE TO t OPTIONS (from_seq = 7) | SUBSCRIBE TO t",
        "SUBSCRIBE TO t OPTIONS (last_rows = 3, from_seq = 7) | SUBSCRIBE TO t OPTIONS (last_rows ="
            + " 3)",
        "SUBSCRIBE TO t WHERE a = 1 | SUBSCRIBE TO t WHERE a = 1",
      })
  void shouldDropFromSeqForANewSnapshot(String sql, String snapshotting) {
    assertThat(SubscribeSql.snapshotting(sql)).isEqualTo(snapshotting);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT * FROM t ORDER BY a LIMIT 3 | true",
        "  select a from t order by a desc limit 10 | true",
        "EXECUTE AS USER 'u' (SELECT a FROM t ORDER BY a LIMIT 2) | true",
        "SELECT a FROM t WHERE b = 'no limit here' | false",
        "SUBSCRIBE TO t WHERE c = 'LIMIT 3' | false",
        "SELECT * FROM t | false",
      })
  void shouldRecognizeWindowsThatCannotResume(String sql, boolean window) {
    assertThat(SubscribeSql.isWindow(sql)).isEqualTo(window);
  }
}
