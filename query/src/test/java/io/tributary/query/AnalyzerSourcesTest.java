package io.tributary.query;

import static io.tributary.query.AnalyzerAccountsTest.ADMIN;
import static io.tributary.query.AnalyzerAccountsTest.ALICE;
import static io.tributary.query.AnalyzerAccountsTest.CONFIG;
import static io.tributary.query.AnalyzerAccountsTest.NOTES;
import static io.tributary.query.AnalyzerAccountsTest.TYPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.SourceDef;
import io.tributary.query.catalog.SourcePosition;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.parse.Statement;
import io.tributary.query.parse.StatementParser;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CREATE, ALTER and DROP SOURCE: parsing, the catalog's checks, the records they make. */
class AnalyzerSourcesTest {
  private static final String CREATE =
      "CREATE SOURCE pg1 FROM POSTGRES WITH (url = 'postgresql://h:5432/db', user = 'u',"
          + " password = 'p', publication = 'tributary', slot = 'tributary_pg1')";

  CatalogState catalog;
  Analyzer analyzer;

  @BeforeEach
  void setUp() {
    catalog = new CatalogState();
    catalog.apply(CatalogRecord.namespace(new NamespaceDef("app", 0)));
    for (TableDef t : List.of(NOTES, CONFIG, TYPING)) {
      catalog.apply(CatalogRecord.table(t));
    }
    catalog.apply(CatalogRecord.user(ADMIN));
    analyzer = new Analyzer(catalog, new AnalyzerSubscribeTest.FixedEnvironment());
  }

  private Action run(String sql) {
    return analyzer.analyze(StatementParser.parse(sql), ADMIN, List.of());
  }

  private void create() {
    Action.SourceChange c = (Action.SourceChange) run(CREATE);
    catalog.apply(CatalogRecord.source(c.next()));
  }

  @Test
  void shouldParseAndAnalyzeCreateSource() {
    Action.SourceChange c = (Action.SourceChange) run(CREATE);
    assertThat(c.op()).isEqualTo(Statement.SourceOp.CREATE);
    assertThat(c.next().url()).isEqualTo("postgresql://h:5432/db");
    assertThat(c.next().password()).isEqualTo("p");
    assertThat(c.next().slot()).isEqualTo("tributary_pg1");
    assertThat(c.next().toString()).doesNotContain("p,").doesNotContain("password");
  }

  @Test
  void shouldRoundTripSourcesAndPositionsThroughCatalogRecords() {
    create();
    SourceDef def = catalog.source("pg1").orElseThrow();
    SourceDef mapped =
        def.withTable(new SourceDef.SourceTable("public", "rooms", "app", "config", null, 42));
    CatalogRecord r = CatalogRecord.source(mapped);
    assertThat(CatalogRecord.decode(r.key(), r.encodeValue()).value()).isEqualTo(mapped);
    CatalogRecord p = CatalogRecord.sourcePosition("pg1", new SourcePosition(1234));
    catalog.apply(CatalogRecord.decode(p.key(), p.encodeValue()));
    assertThat(catalog.sourcePosition("pg1")).contains(new SourcePosition(1234));
  }

  @Test
  void shouldCheckMapAgainstTheCatalog() {
    create();
    Action.SourceChange user =
        (Action.SourceChange)
            run("ALTER SOURCE pg1 MAP TABLE public.notes INTO app.notes OWNER COLUMN owner_name");
    assertThat(user.table().ownerColumn()).isEqualTo("owner_name");
    assertThat(user.target()).isEqualTo(NOTES);
    assertThat(user.next().tables()).hasSize(1);

    assertThatThrownBy(() -> run("ALTER SOURCE pg1 MAP TABLE public.notes INTO app.notes"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("is a USER table, so the mapping needs OWNER COLUMN");
    assertThatThrownBy(() -> run("ALTER SOURCE pg1 MAP TABLE public.t INTO app.typing"))
        .hasMessageContaining("is a STREAM table");
    assertThatThrownBy(() -> run("ALTER SOURCE pg1 MAP TABLE public.t INTO app.nope"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.TABLE_NOT_FOUND));
    assertThatThrownBy(() -> run("ALTER SOURCE pg2 UNMAP TABLE public.t"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SOURCE_NOT_FOUND));
    assertThatThrownBy(() -> run("ALTER SOURCE pg1 UNMAP TABLE public.t"))
        .hasMessage("Cannot unmap table public.t of source pg1: the table is not mapped");
  }

  @Test
  void shouldRefuseBadCreateAndOtherRoles() {
    create();
    assertThatThrownBy(() -> run(CREATE))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SOURCE_EXISTS));
    assertThatThrownBy(
            () ->
                run(
                    "CREATE SOURCE pg3 FROM POSTGRES WITH (url = 'postgresql://h/db', user = 'u',"
                        + " publication = 'p')"))
        .hasMessage("Cannot create source pg3: option 'slot' is required");
    assertThatThrownBy(
            () ->
                run(
                    "CREATE SOURCE pg3 FROM MYSQL WITH (url = 'postgresql://h/db', user = 'u',"
                        + " publication = 'p', slot = 's')"))
        .hasMessage("Cannot create source pg3: the source type must be POSTGRES, not MYSQL");
    // the url is shown back in system.sources: it may not carry a password
    for (String url :
        List.of(
            "postgresql://h/db?password=secret",
            "postgresql://h/db?ssl=true&sslpassword=secret",
            "jdbc:postgresql://h:5432/db?PASSWORD=secret",
            "postgresql://u:secret@h/db")) {
      assertThatThrownBy(
              () ->
                  run(
                      "CREATE SOURCE pg3 FROM POSTGRES WITH (url = '"
                          + url
                          + "', user = 'u', publication = 'p', slot = 's')"))
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
          .hasMessage(
              "Cannot create source pg3: url must not hold a password or user info (use the user"
                  + " and password options)");
    }
    assertThat(
            run(
                "CREATE SOURCE pg3 FROM POSTGRES WITH (url = 'postgresql://h/db?ssl=true',"
                    + " user = 'u', publication = 'p', slot = 's3')"))
        .isInstanceOf(Action.SourceChange.class);
    assertThatThrownBy(
            () -> analyzer.analyze(StatementParser.parse("DROP SOURCE pg1"), ALICE, List.of()))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
    assertThat(run("DROP SOURCE IF EXISTS nope")).isInstanceOf(Action.Done.class);
    assertThat(((Action.SourceChange) run("DROP SOURCE pg1")).next()).isNull();
    assertThatThrownBy(() -> StatementParser.parse("ALTER SOURCE pg1 REMAP TABLE a.b"))
        .isInstanceOfSatisfying(
            TributaryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR))
        .hasMessageContaining("expected MAP TABLE or UNMAP TABLE after ALTER SOURCE pg1");
  }
}
