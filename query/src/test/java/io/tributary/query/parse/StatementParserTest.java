package io.tributary.query.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.query.ErrorCode;
import io.tributary.query.TributaryException;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.Role;
import io.tributary.query.catalog.TableKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatementParserTest {

  @Test
  void shouldSplitAtSemicolonsOutsideQuotesAndComments() {
    List<String> parts =
        StatementParser.split(
            "SELECT 'a;b' AS x; -- a comment; still comment\n SELECT `we;ird` FROM t;; /* ; */ ");
    assertThat(parts)
        .containsExactly(
            "SELECT 'a;b' AS x", "-- a comment; still comment\n SELECT `we;ird` FROM t");
  }

  @Test
  void shouldRefuseOneStatementOverTheLimitBeforeSplittingIt() {
    String huge = "SELECT " + "1+".repeat(StatementLimits.MAX_STATEMENT_BYTES) + "1";

    assertThatThrownBy(() -> StatementParser.split(huge))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LARGE))
        .hasMessage(
            "Cannot run statement: its text and parameters are more than 262,144 bytes (256"
                + " KiB); split it into smaller statements");
    // Under the limit once its surrounding white space is gone: split as before.
    String padded = " ".repeat(StatementLimits.MAX_STATEMENT_BYTES) + "SELECT 1\n";
    assertThat(StatementParser.split(padded)).containsExactly("SELECT 1");
    // Several statements: each is checked on its own when it runs, as before.
    String many = "SELECT 1;" + " ".repeat(StatementLimits.MAX_STATEMENT_BYTES) + "SELECT 2";
    assertThat(StatementParser.split(many)).containsExactly("SELECT 1", "SELECT 2");
  }

  @Test
  void shouldParseTheChatTable() {
    Statement s =
        StatementParser.parse(
            "CREATE TABLE chat.messages (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(),"
                + " conversation_id BIGINT NOT NULL, role TEXT, content TEXT,"
                + " created_at TIMESTAMP DEFAULT NOW(), price DECIMAL(10, 2) DEFAULT -1.5)"
                + " WITH (TYPE = 'USER', FLUSH_POLICY = 'rows:10000,interval:300')");
    assertThat(s).isInstanceOf(Statement.CreateTable.class);
    Statement.CreateTable t = (Statement.CreateTable) s;
    assertThat(t.namespace()).isEqualTo("chat");
    assertThat(t.name()).isEqualTo("messages");
    assertThat(t.kind()).isEqualTo(TableKind.USER);
    assertThat(t.primaryKey()).containsExactly("id");
    assertThat(t.options()).isEqualTo(Map.of("FLUSH_POLICY", "rows:10000,interval:300"));
    assertThat(t.columns()).hasSize(6);
    assertThat(t.columns().get(0).defaultFunction()).isEqualTo("SNOWFLAKE_ID");
    assertThat(t.columns().get(1).notNull()).isTrue();
    assertThat(t.columns().get(4).defaultFunction()).isEqualTo("NOW");
    assertThat(t.columns().get(5).type()).isEqualTo(ColumnType.decimal(10, 2));
    assertThat(t.columns().get(5).defaultLiteral()).isEqualTo(new BigDecimal("-1.5"));
  }

  @Test
  void shouldParseEachFormOfAlterTable() {
    Statement.AlterTable add =
        (Statement.AlterTable) StatementParser.parse("ALTER TABLE chat.m ADD COLUMN tag TEXT NULL");
    assertThat(add.op()).isEqualTo(Statement.AlterOp.ADD_COLUMN);
    assertThat(add.namespace() + "." + add.name()).isEqualTo("chat.m");
    assertThat(add.added().name()).isEqualTo("tag");
    assertThat(add.added().type()).isEqualTo(ColumnType.TEXT);
    assertThat(add.added().notNull()).isFalse();
    Statement.AlterTable addShort =
        (Statement.AlterTable) StatementParser.parse("alter table chat.m add n DECIMAL(8, 2)");
    assertThat(addShort.added().type()).isEqualTo(ColumnType.decimal(8, 2));

    Statement.AlterTable rename =
        (Statement.AlterTable) StatementParser.parse("ALTER TABLE chat.m RENAME COLUMN a TO b");
    assertThat(rename.op()).isEqualTo(Statement.AlterOp.RENAME_COLUMN);
    assertThat(rename.column() + ">" + rename.newName()).isEqualTo("a>b");

    Statement.AlterTable drop =
        (Statement.AlterTable) StatementParser.parse("ALTER TABLE chat.m DROP c");
    assertThat(drop.op()).isEqualTo(Statement.AlterOp.DROP_COLUMN);
    assertThat(drop.column()).isEqualTo("c");

    Statement.AlterTable widen =
        (Statement.AlterTable)
            StatementParser.parse("ALTER TABLE chat.m ALTER COLUMN n SET DATA TYPE BIGINT");
    assertThat(widen.op()).isEqualTo(Statement.AlterOp.ALTER_COLUMN_TYPE);
    assertThat(widen.newType()).isEqualTo(ColumnType.BIGINT);

    assertThatThrownBy(() -> StatementParser.parse("ALTER TABLE chat.m SET (TTL_SECONDS = 5)"))
        .isInstanceOfSatisfying(
            TributaryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
              assertThat(e.getMessage())
                  .contains("expected ADD COLUMN, DROP COLUMN, RENAME COLUMN or ALTER COLUMN");
            });
  }

  @Test
  void shouldParseTableKindsAndCompositeKeys() {
    Statement.CreateTable t =
        (Statement.CreateTable)
            StatementParser.parse(
                "create shared table if not exists ns.rooms (a INT, b TEXT, primary key (a, b))");
    assertThat(t.kind()).isEqualTo(TableKind.SHARED);
    assertThat(t.ifNotExists()).isTrue();
    assertThat(t.primaryKey()).containsExactly("a", "b");
    Statement.CreateTable u =
        (Statement.CreateTable)
            StatementParser.parse("CREATE USER TABLE ns.t (id INT PRIMARY KEY)");
    assertThat(u.kind()).isEqualTo(TableKind.USER);
  }

  @Test
  void shouldRefuseAKindThatContradictsTheOptions() {
    assertThatThrownBy(
            () ->
                StatementParser.parse(
                    "CREATE SHARED TABLE ns.t (id INT PRIMARY KEY) WITH (TYPE = 'USER')"))
        .isInstanceOf(TributaryException.class)
        .hasMessage("Cannot create table ns.t: CREATE SHARED TABLE contradicts TYPE = 'USER'");
  }

  @Test
  void shouldParseUserManagement() {
    assertThat(StatementParser.parse("CREATE USER 'u1' WITH PASSWORD 'pw-pw-pw' ROLE service"))
        .isEqualTo(new Statement.CreateUser("u1", "pw-pw-pw", Role.SERVICE));
    assertThat(StatementParser.parse("ALTER USER 'u1' SET PASSWORD 'new-pw-pw'"))
        .isEqualTo(new Statement.AlterUser("u1", "new-pw-pw", null));
    assertThat(StatementParser.parse("ALTER USER u1 SET ROLE dba"))
        .isEqualTo(new Statement.AlterUser("u1", null, Role.DBA));
    assertThat(StatementParser.parse("DROP USER IF EXISTS 'u1'"))
        .isEqualTo(new Statement.DropUser("u1", true));
  }

  @Test
  void shouldParseExecuteAsWithItsInnerStatement() {
    Statement s =
        StatementParser.parse(
            "EXECUTE AS USER 'u1' (INSERT INTO chat.messages (conversation_id) VALUES (1))");
    assertThat(s).isInstanceOf(Statement.ExecuteAs.class);
    assertThat(((Statement.ExecuteAs) s).user()).isEqualTo("u1");
    assertThat(((Statement.ExecuteAs) s).inner()).isInstanceOf(Statement.Insert.class);
  }

  @Test
  void shouldMapPositionalParameters() {
    Statement.Query q =
        (Statement.Query)
            StatementParser.parse("SELECT * FROM t WHERE a = $2 AND b = '$1' AND c = $1 OR d = $2");
    assertThat(q.paramMap()).containsExactly(1, 0, 1);
    assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE a = ?  AND b = '$1' AND c = ?  OR d = ? ");
  }

  @Test
  void shouldNameThePositionOfASyntaxError() {
    assertThatThrownBy(() -> StatementParser.parse("CREATE NAMESPACE\n  chat extra"))
        .isInstanceOf(TributaryException.class)
        .hasMessage(
            "Cannot parse statement: expected the end of the statement, found 'extra' at line 2, column 8")
        .satisfies(
            e -> {
              TributaryException t = (TributaryException) e;
              assertThat(t.code()).isEqualTo(ErrorCode.SYNTAX_ERROR);
              assertThat(t.line()).isEqualTo(2);
              assertThat(t.column()).isEqualTo(8);
            });
    assertThatThrownBy(() -> StatementParser.parse("SELECT FROM WHERE"))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot parse statement: ")
        .satisfies(e -> assertThat(((TributaryException) e).line()).isEqualTo(1));
  }

  @Test
  void shouldRefuseUnsupportedStandardStatements() {
    assertThatThrownBy(
            () ->
                StatementParser.parse("MERGE INTO a.b USING a.c ON TRUE WHEN MATCHED THEN DELETE"))
        .isInstanceOf(TributaryException.class)
        .hasMessageStartingWith("Cannot");
  }

  @Test
  void shouldParseStorageFlush() {
    assertThat(StatementParser.parse("STORAGE FLUSH TABLE chat.messages"))
        .isEqualTo(new Statement.StorageFlush("chat", "messages"));
    assertThat(StatementParser.parse("storage flush all"))
        .isEqualTo(new Statement.StorageFlush(null, null));
    assertThat(StatementParser.parse("STORAGE FLUSH ALL IN chat"))
        .isEqualTo(new Statement.StorageFlush("chat", null));
    assertThat(StatementParser.parse("STORAGE FLUSH ALL IN NAMESPACE chat"))
        .isEqualTo(new Statement.StorageFlush("chat", null));
    for (String bad :
        List.of(
            "STORAGE FLUSH",
            "STORAGE FLUSH chat.messages",
            "STORAGE FLUSH TABLE messages",
            "STORAGE FLUSH ALL IN",
            "STORAGE FLUSH ALL chat")) {
      assertThatThrownBy(() -> StatementParser.parse(bad))
          .as(bad)
          .isInstanceOfSatisfying(
              TributaryException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.SYNTAX_ERROR));
    }
  }
}
