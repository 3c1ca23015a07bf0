package io.tributary.query.parse;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import java.util.Map;
import org.apache.calcite.sql.SqlKind;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE TO and KILL LIVE QUERY. */
class LiveStatementParserTest {

  private static Statement.Subscribe subscribe(String sql) {
    Statement s = StatementParser.parse(sql);
    assertThat(s).isInstanceOf(Statement.Subscribe.class);
    return (Statement.Subscribe) s;
  }

  private static TributaryException syntaxError(String sql) {
    try {
      StatementParser.parse(sql);
    } catch (TributaryException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
      return e;
    }
    throw new AssertionError("parsed: " + sql);
  }

  @Test
  void shouldParseABareSubscription() {
    Statement.Subscribe s = subscribe("SUBSCRIBE TO chat.messages");
    assertThat(s.namespace()).isEqualTo("chat");
    assertThat(s.table()).isEqualTo("messages");
    assertThat(s.where()).isNull();
    assertThat(s.paramMap()).isEmpty();
    assertThat(s.options()).isEmpty();
  }

  @Test
  void shouldBeCaseInsensitiveForKeywordsAndKeepTheCaseOfNames() {
    Statement.Subscribe s = subscribe("subscribe to Chat.`My Table` where Role = 'x'");
    assertThat(s.namespace()).isEqualTo("Chat");
    assertThat(s.table()).isEqualTo("My Table");
    assertThat(SqlParsing.unparse(s.where())).isEqualTo("`Role` = 'x'");
  }

  @Test
  void shouldParseTheWhereClauseWithCalcite() {
    Statement.Subscribe s =
        subscribe(
            "SUBSCRIBE TO chat.messages WHERE conversation_id = 1 AND (role = 'user' OR role IS"
                + " NULL) AND content LIKE '%OPTIONS (%'");
    assertThat(s.where().getKind()).isEqualTo(SqlKind.AND);
    assertThat(SqlParsing.unparse(s.where()))
        .isEqualTo(
            "`conversation_id` = 1 AND (`role` = 'user' OR `role` IS NULL) AND `content` LIKE"
                + " '%OPTIONS (%'");
    assertThat(s.options()).isEmpty();
  }

  @Test
  void shouldMapParametersOfTheWhereClause() {
    Statement.Subscribe s =
        subscribe("SUBSCRIBE TO chat.messages WHERE conversation_id = $2 AND role = $1");
    assertThat(s.paramMap()).containsExactly(1, 0);
    assertThat(SqlParsing.unparse(s.where())).isEqualTo("`conversation_id` = ? AND `role` = ?");
    Statement.Subscribe q = subscribe("SUBSCRIBE TO chat.messages WHERE a = ? OR b = ?");
    assertThat(q.paramMap()).containsExactly(0, 1);
  }

  @Test
  void shouldParseTheWhereClauseAndTheOptions() {
    Statement.Subscribe s =
        subscribe(
            "SUBSCRIBE TO chat.messages WHERE conversation_id = $1 AND f(x) IN (1, 2)"
                + " OPTIONS (last_rows = 50, BATCH_SIZE = 10)");
    assertThat(SqlParsing.unparse(s.where()))
        .isEqualTo("`conversation_id` = ? AND `f`(`x`) IN (1, 2)");
    assertThat(s.paramMap()).containsExactly(0);
    assertThat(s.options())
        .containsExactly(Map.entry("last_rows", "50"), Map.entry("batch_size", "10"));
  }

  @Test
  void shouldParseOptionsWithoutAWhereClause() {
    Statement.Subscribe s =
        subscribe("SUBSCRIBE TO chat.messages OPTIONS (from_seq = 1234, batch_size = '7')");
    assertThat(s.where()).isNull();
    assertThat(s.options())
        .containsExactly(Map.entry("from_seq", "1234"), Map.entry("batch_size", "7"));
  }

  @Test
  void shouldKeepNegativeAndWordValuesForTheAnalyzerToJudge() {
    Statement.Subscribe s =
        subscribe("SUBSCRIBE TO chat.messages OPTIONS (last_rows = -1, colour = blue)");
    assertThat(s.options())
        .containsExactly(Map.entry("last_rows", "-1"), Map.entry("colour", "blue"));
  }

  @Test
  void shouldTreatAColumnNamedOptionsAsPartOfTheCondition() {
    Statement.Subscribe s =
        subscribe("SUBSCRIBE TO ns.t WHERE options = 1 OPTIONS (last_rows = 3)");
    assertThat(SqlParsing.unparse(s.where())).isEqualTo("`options` = 1");
    assertThat(s.options()).containsExactly(Map.entry("last_rows", "3"));
  }

  @Test
  void shouldQuoteTheSystemNamespaceInsideTheCondition() {
    Statement.Subscribe s = subscribe("SUBSCRIBE TO ns.t WHERE system.x = 1");
    assertThat(SqlParsing.unparse(s.where())).isEqualTo("`system`.`x` = 1");
  }

  @Test
  void shouldParseSubscriptionsInsideExecuteAs() {
    Statement s =
        StatementParser.parse("EXECUTE AS USER 'u1' (SUBSCRIBE TO chat.messages WHERE a = $1)");
    assertThat(s).isInstanceOf(Statement.ExecuteAs.class);
    Statement.Subscribe inner = (Statement.Subscribe) ((Statement.ExecuteAs) s).inner();
    assertThat(inner.table()).isEqualTo("messages");
    assertThat(inner.paramMap()).containsExactly(0);
  }

  @Test
  void shouldParseTheStatementFromAScript() {
    var parsed =
        StatementParser.parseAll(
            "SUBSCRIBE TO a.b WHERE x = ';' OPTIONS (batch_size = 1); KILL LIVE QUERY 'q;1'");
    assertThat(parsed).hasSize(2);
    assertThat(parsed.get(0).statement()).isInstanceOf(Statement.Subscribe.class);
    assertThat(parsed.get(1).statement()).isEqualTo(new Statement.KillLiveQuery("q;1"));
  }

  @Test
  void shouldReportCalciteErrorsAtTheirPositionInTheWholeStatement() {
    TributaryException e = syntaxError("SUBSCRIBE TO chat.messages WHERE a = 1 b");
    assertThat(e.line()).isEqualTo(1);
    assertThat(e.column()).isEqualTo(40);
    assertThat(e.getMessage())
        .isEqualTo("Cannot parse statement: Encountered \"b\" at line 1, column 40.");
    assertThat(syntaxError("SUBSCRIBE TO chat.messages WHERE a = = 1 OPTIONS (x = 1)").column())
        .isEqualTo(36);

    TributaryException multiline =
        syntaxError("SUBSCRIBE TO chat.messages\n  WHERE a = 1 AND\n    b = = 2\n OPTIONS (x = 1)");
    assertThat(multiline.line()).isEqualTo(3);
    assertThat(multiline.column()).isEqualTo(7);
  }

  @Test
  void shouldReportAMissingCondition() {
    TributaryException e = syntaxError("SUBSCRIBE TO chat.messages WHERE OPTIONS (last_rows = 1)");
    assertThat(e.getMessage())
        .isEqualTo(
            "Cannot parse statement: expected a condition after WHERE, found 'OPTIONS' at line 1,"
                + " column 34");
    assertThat(syntaxError("SUBSCRIBE TO chat.messages WHERE").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected a condition after WHERE at end of statement at line"
                + " 1, column 33");
  }

  @Test
  void shouldReportMalformedSubscriptions() {
    assertThat(syntaxError("SUBSCRIBE chat.messages").getMessage())
        .isEqualTo("Cannot parse statement: expected TO, found 'chat' at line 1, column 11");
    assertThat(syntaxError("SUBSCRIBE TO messages").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected a qualified table name namespace.table, found"
                + " 'messages' at line 1, column 14");
    TributaryException trailing =
        syntaxError("SUBSCRIBE TO a.b OPTIONS (last_rows = 1) WHERE x = 1");
    assertThat(trailing.getMessage())
        .isEqualTo(
            "Cannot parse statement: expected the end of the statement, found 'WHERE' at line 1,"
                + " column 42");
    assertThat(trailing.column()).isEqualTo(42);
    assertThat(syntaxError("SUBSCRIBE TO a.b OPTIONS (last_rows 1)").getMessage())
        .isEqualTo("Cannot parse statement: expected '=', found '1' at line 1, column 37");
    assertThat(syntaxError("SUBSCRIBE TO a.b OPTIONS ()").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected an option name, found ')' at line 1, column 27");
    assertThat(syntaxError("SUBSCRIBE TO a.b OPTIONS (last_rows = 1").getMessage())
        .isEqualTo("Cannot parse statement: expected ')' at end of statement at line 1, column 40");
    assertThat(syntaxError("SUBSCRIBE TO a.b OPTIONS (a = 1, A = 2)").getMessage())
        .isEqualTo(
            "Cannot parse statement: option a is given twice, found 'A' at line 1, column 34");
    assertThat(syntaxError("SUBSCRIBE TO a.b OPTIONS (a = ,)").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected an option value, found ',' at line 1, column 31");
  }

  @Test
  void shouldParseKillLiveQuery() {
    assertThat(StatementParser.parse("KILL LIVE QUERY 'sub-42'"))
        .isEqualTo(new Statement.KillLiveQuery("sub-42"));
    assertThat(StatementParser.parse("kill live query 'it''s'"))
        .isEqualTo(new Statement.KillLiveQuery("it's"));
    assertThat(syntaxError("KILL LIVE QUERY sub42").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected the live query id as a quoted string, found 'sub42'"
                + " at line 1, column 17");
    assertThat(syntaxError("KILL QUERY 'x'").getMessage())
        .isEqualTo("Cannot parse statement: expected LIVE, found 'QUERY' at line 1, column 6");
    assertThat(syntaxError("KILL LIVE QUERY 'x' now").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected the end of the statement, found 'now' at line 1,"
                + " column 21");
  }

  private static Statement.LiveSelect liveSelect(String sql) {
    Statement s = StatementParser.parseLive(sql);
    assertThat(s).isInstanceOf(Statement.LiveSelect.class);
    return (Statement.LiveSelect) s;
  }

  @Test
  void shouldParseALiveSelectWithItsOptions() {
    Statement.LiveSelect s =
        liveSelect(
            "SELECT id, options FROM chat.messages WHERE options(1) = $2 ORDER BY id LIMIT $1"
                + " OPTIONS (batch_size = 5, from_seq = 9)");
    assertThat(s.query().node().getKind()).isEqualTo(SqlKind.ORDER_BY);
    assertThat(SqlParsing.unparse(s.query().node()))
        .isEqualTo(
            "SELECT `id`, `options`\nFROM `chat`.`messages`\nWHERE `options`(1) = ?\nORDER BY"
                + " `id`\nFETCH NEXT ? ROWS ONLY");
    assertThat(s.query().paramMap()).containsExactly(1, 0);
    assertThat(s.options())
        .containsExactly(Map.entry("batch_size", "5"), Map.entry("from_seq", "9"));
    assertThat(liveSelect("select * from chat.messages").options()).isEmpty();
  }

  @Test
  void shouldParseALiveSelectInsideExecuteAs() {
    Statement s =
        StatementParser.parseLive(
            "EXECUTE AS USER 'u1' (SELECT * FROM chat.messages LIMIT 3 OPTIONS (batch_size = 1))");
    Statement.LiveSelect inner = (Statement.LiveSelect) ((Statement.ExecuteAs) s).inner();
    assertThat(inner.options()).containsExactly(Map.entry("batch_size", "1"));
    assertThat(StatementParser.parseLive("SUBSCRIBE TO a.b"))
        .isInstanceOf(Statement.Subscribe.class);
  }

  @Test
  void shouldLeaveSelectsToCalciteOutsideLiveQueries() {
    assertThat(StatementParser.parse("SELECT * FROM chat.messages"))
        .isInstanceOf(Statement.Query.class);
    assertThat(
            ((Statement.ExecuteAs) StatementParser.parse("EXECUTE AS USER 'u' (SELECT 1)")).inner())
        .isInstanceOf(Statement.Query.class);
    assertThat(syntaxError("SELECT * FROM a.b OPTIONS (batch_size = 1)").getMessage())
        .isEqualTo("Cannot parse statement: Encountered \"=\" at line 1, column 39.");
  }

  @Test
  void shouldReportErrorsOfALiveSelectAtTheirPositionInTheWholeStatement() {
    TributaryException e = syntaxErrorLive("SELECT * FROM a.b WHERE = 1 OPTIONS (batch_size = 1)");
    assertThat(e.line()).isEqualTo(1);
    assertThat(e.column()).isEqualTo(25);
    assertThat(syntaxErrorLive("SELECT * FROM a.b OPTIONS (batch_size = 1) x").getMessage())
        .isEqualTo(
            "Cannot parse statement: expected the end of the statement, found 'x' at line 1,"
                + " column 44");
    assertThat(syntaxErrorLive("SELECT * FROM a.b OPTIONS (batch_size 1)").getMessage())
        .isEqualTo("Cannot parse statement: expected '=', found '1' at line 1, column 39");
  }

  private static TributaryException syntaxErrorLive(String sql) {
    try {
      StatementParser.parseLive(sql);
    } catch (TributaryException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
      return e;
    }
    throw new AssertionError("parsed: " + sql);
  }
}
