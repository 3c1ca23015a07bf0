package io.tributary.query;

import static io.tributary.query.AnalyzerAccountsTest.ALICE;
import static io.tributary.query.AnalyzerAccountsTest.CONFIG;
import static io.tributary.query.AnalyzerAccountsTest.NOTES;
import static io.tributary.query.AnalyzerAccountsTest.SVC;
import static io.tributary.query.AnalyzerAccountsTest.TYPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.catalog.UserDef;
import io.tributary.query.command.WriteCommand;
import io.tributary.query.parse.StatementParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every write command carries the time its node accepted it; one of EXECUTE AS USER also carries
 * who acted for whom (the audit, system.audit).
 */
class AnalyzerAuditTest {
  private static final TableDef BOARD =
      AnalyzerSubscribeTest.table(
          23,
          "app",
          "board",
          TableKind.SHARED,
          Map.of("ACCESS_LEVEL", "public"),
          AnalyzerSubscribeTest.col("k", ColumnType.TEXT, false),
          AnalyzerSubscribeTest.col("v", ColumnType.TEXT, true));

  private Analyzer analyzer;

  @BeforeEach
  void setUp() {
    CatalogState catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    for (TableDef t : List.of(NOTES, CONFIG, TYPING, BOARD)) {
      catalog.apply(CatalogRecord.table(t));
    }
    for (UserDef u : List.of(ALICE, SVC)) {
      catalog.apply(CatalogRecord.user(u));
    }
    analyzer = new Analyzer(catalog, new AnalyzerSubscribeTest.FixedEnvironment());
  }

  private WriteCommand command(String sql, UserDef actor) {
    return ((Action.Write) analyzer.analyze(StatementParser.parse(sql), actor, List.of()))
        .command();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "INSERT INTO app.notes (id) VALUES (1)",
        "UPDATE app.notes SET author = 'x' WHERE id = 1",
        "DELETE FROM app.notes WHERE id = 1",
        "INSERT INTO app.typing VALUES (1)"
      })
  void shouldRecordTheActingAndTheTargetAccountOfADelegatedWrite(String sql) {
    WriteCommand command = command("EXECUTE AS USER 'alice' (" + sql + ")", SVC);

    assertThat(command.owner()).isEqualTo(ALICE.id());
    assertThat(command.accepted())
        .isEqualTo(
            new WriteCommand.Accepted(
                AnalyzerSubscribeTest.T0,
                new WriteCommand.Delegation(SVC.id(), "svc", ALICE.id(), "alice")));
  }

  @Test
  void shouldRecordTheDelegationOfAWriteToASharedTableToo() {
    WriteCommand command =
        command("EXECUTE AS USER 'alice' (INSERT INTO app.board VALUES ('k', 'v'))", SVC);

    assertThat(command.owner()).isNull();
    assertThat(command.accepted().delegation().userName()).isEqualTo("alice");
    assertThat(command.accepted().delegation().actorName()).isEqualTo("svc");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "INSERT INTO app.notes (id) VALUES (1)",
        "UPDATE app.notes SET author = 'x' WHERE id = 1",
        "DELETE FROM app.notes WHERE id = 1"
      })
  void shouldRecordTheTimeButNoDelegationOfAWriteAsOneself(String sql) {
    assertThat(command(sql, SVC).accepted())
        .isEqualTo(new WriteCommand.Accepted(AnalyzerSubscribeTest.T0, null));
    assertThat(command(sql, ALICE).accepted().delegation()).isNull();
  }
}
