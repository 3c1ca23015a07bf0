package io.tributary.reliability.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;

/**
 * A grammar-aware generator of Tributary SQL (docs/sql.md): DDL, users, INSERT/UPDATE/DELETE,
 * SELECT with expressions, joins, aggregates and subqueries, SUBSCRIBE, EXECUTE AS, SHOW, DESCRIBE,
 * KILL LIVE QUERY and the statements the server refuses. Most statements are valid against {@link
 * #SCHEMA}; some pick a wrong name, type, argument or role on purpose. Deterministic for a given
 * {@link Random}.
 *
 * <p>DDL and user management touch only scratch objects (namespace {@value #SCRATCH_NAMESPACE},
 * users {@code fzu_*}), so the fuzz tables stay in place for the statements that read them.
 */
final class SqlGenerator {
  static final String NAMESPACE = "fz";
  static final String SCRATCH_NAMESPACE = "fzd";

  record Col(String name, String type) {}

  /** The columns of every fuzz table; {@code id} is the primary key. */
  static final List<Col> COLUMNS =
      List.of(
          new Col("id", "INT"),
          new Col("n", "BIGINT"),
          new Col("x", "DOUBLE"),
          new Col("amt", "DECIMAL(10,2)"),
          new Col("s", "TEXT"),
          new Col("flag", "BOOLEAN"),
          new Col("doc", "JSON"),
          new Col("raw", "BYTES"),
          new Col("ts", "TIMESTAMP"),
          new Col("born", "DATE"),
          new Col("uid", "UUID"));

  /** The fuzz tables: one of each kind and access level. */
  static final List<String> TABLES = List.of("fz.u", "fz.ev", "fz.sh", "fz.shr", "fz.shp");

  /** The statements that create the fuzz schema (run by root before the fuzzing). */
  static final List<String> SCHEMA = schema();

  private static final List<String> TYPES =
      List.of(
          "INT",
          "INTEGER",
          "BIGINT",
          "DOUBLE",
          "DOUBLE PRECISION",
          "DECIMAL(10,2)",
          "NUMERIC",
          "DECIMAL(38,0)",
          "DECIMAL(39,2)",
          "TEXT",
          "VARCHAR",
          "STRING",
          "BOOLEAN",
          "BOOL",
          "BYTES",
          "BYTEA",
          "JSON",
          "TIMESTAMP",
          "DATE",
          "UUID",
          "FLOAT",
          "BLOB",
          "INT8");
  private static final List<String> FUNCTIONS_1 =
      List.of(
          "UPPER",
          "LOWER",
          "CHAR_LENGTH",
          "TRIM",
          "ABS",
          "FLOOR",
          "CEIL",
          "SQRT",
          "LN",
          "EXP",
          "SIGN",
          "INITCAP",
          "REVERSE",
          "NO_SUCH_FUNCTION");
  private static final List<String> ROLES = List.of("user", "service", "dba", "system", "king");

  private final Random random;
  private final SqlMutator mutator;

  SqlGenerator(Random random) {
    this.random = random;
    this.mutator = new SqlMutator(random);
  }

  private static List<String> schema() {
    StringJoiner cols = new StringJoiner(", ");
    for (Col c : COLUMNS) {
      cols.add(c.name() + " " + c.type() + (c.name().equals("id") ? " PRIMARY KEY" : ""));
    }
    String body = " (" + cols + ")";
    return List.of(
        "CREATE NAMESPACE IF NOT EXISTS " + NAMESPACE,
        "CREATE NAMESPACE IF NOT EXISTS " + SCRATCH_NAMESPACE,
        "CREATE USER TABLE IF NOT EXISTS fz.u" + body,
        "CREATE STREAM TABLE IF NOT EXISTS fz.ev" + body + " WITH (TTL_SECONDS = 3600)",
        "CREATE SHARED TABLE IF NOT EXISTS fz.sh" + body + " WITH (ACCESS_LEVEL = 'public')",
        "CREATE SHARED TABLE IF NOT EXISTS fz.shr" + body + " WITH (ACCESS_LEVEL = 'read')",
        "CREATE SHARED TABLE IF NOT EXISTS fz.shp" + body + " WITH (ACCESS_LEVEL = 'private')");
  }

  /** A statement: mostly well-formed, one in five made slightly invalid by the mutator. */
  String next() {
    String sql = statement();
    return random.nextInt(5) == 0 ? mutator.mutate(sql) : sql;
  }

  /** A well-formed statement of a random kind (it may still fail: wrong name, type, role). */
  String statement() {
    int kind = random.nextInt(100);
    if (kind < 30) {
      return select();
    } else if (kind < 48) {
      return insert();
    } else if (kind < 58) {
      return update();
    } else if (kind < 64) {
      return delete();
    } else if (kind < 72) {
      return ddl();
    } else if (kind < 79) {
      return users();
    } else if (kind < 86) {
      return executeAs();
    } else if (kind < 91) {
      return show();
    } else if (kind < 94) {
      return subscribe();
    } else if (kind < 97) {
      return unsupported();
    }
    return multi();
  }

  // ------------------------------------------------------------------ reading

  String select() {
    return switch (random.nextInt(10)) {
      case 0 -> "SELECT " + expr(3) + " AS v";
      case 1 -> "VALUES (" + literal() + ", " + literal() + "), (" + literal() + ", NULL)";
      case 2 -> aggregate();
      case 3 -> join();
      case 4 -> simpleSelect() + " UNION " + (random.nextBoolean() ? "ALL " : "") + simpleSelect();
      case 5 -> systemSelect();
      default -> simpleSelect();
    };
  }

  private String simpleSelect() {
    String table = table();
    StringBuilder b = new StringBuilder("SELECT ");
    if (random.nextInt(8) == 0) {
      b.append("DISTINCT ");
    }
    if (random.nextInt(4) == 0) {
      b.append("*");
    } else {
      StringJoiner items = new StringJoiner(", ");
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        items.add(random.nextBoolean() ? column() : expr(2) + " AS e" + i);
      }
      b.append(items);
    }
    b.append(" FROM ").append(table);
    where(b);
    if (random.nextInt(3) == 0) {
      b.append(" ORDER BY ").append(column()).append(random.nextBoolean() ? " DESC" : "");
      if (random.nextInt(3) == 0) {
        b.append(random.nextBoolean() ? " NULLS FIRST" : " NULLS LAST");
      }
    }
    if (random.nextInt(3) == 0) {
      b.append(" LIMIT ").append(smallOrEdgeNumber());
      if (random.nextInt(3) == 0) {
        b.append(" OFFSET ").append(smallOrEdgeNumber());
      }
    }
    return b.toString();
  }

  private String aggregate() {
    String group = pick(List.of("s", "flag", "born", "id % 3", "n"));
    String agg =
        pick(
            List.of(
                "COUNT(*)",
                "SUM(n)",
                "AVG(x)",
                "MIN(s)",
                "MAX(amt)",
                "COUNT(DISTINCT s)",
                "SUM(amt)",
                "MAX(ts)",
                "SUM(s)",
                "AVG(doc)"));
    StringBuilder b = new StringBuilder("SELECT ");
    if (random.nextBoolean()) {
      b.append(group).append(" AS g, ").append(agg).append(" AS a FROM ").append(table());
      where(b);
      b.append(" GROUP BY ").append(group);
      if (random.nextBoolean()) {
        b.append(" HAVING ").append(agg).append(" > ").append(random.nextInt(5));
      }
    } else {
      b.append(agg).append(" AS a FROM ").append(table());
      where(b);
    }
    return b.toString();
  }

  private String join() {
    String left = table();
    String right = table();
    String kind = pick(List.of("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN", ","));
    String on = kind.equals("CROSS JOIN") || kind.equals(",") ? "" : " ON a.id = b." + column();
    return "SELECT a.id, b."
        + column()
        + " FROM "
        + left
        + " a "
        + kind
        + " "
        + right
        + " b"
        + on
        + " WHERE a.id < "
        + random.nextInt(50)
        + " LIMIT 100";
  }

  private String systemSelect() {
    String table =
        pick(
            List.of(
                "system.users",
                "system.namespaces",
                "system.tables",
                "system.live",
                "system.nothing"));
    return "SELECT * FROM " + table + (random.nextBoolean() ? " WHERE name LIKE 'fz%'" : "");
  }

  private void where(StringBuilder b) {
    if (random.nextInt(3) != 0) {
      b.append(" WHERE ").append(predicate(2));
    }
  }

  String predicate(int depth) {
    if (depth <= 0 || random.nextInt(3) == 0) {
      return switch (random.nextInt(9)) {
        case 0 -> column() + " IS " + (random.nextBoolean() ? "NOT " : "") + "NULL";
        case 1 -> "id BETWEEN " + random.nextInt(100) + " AND " + random.nextInt(200);
        case 2 ->
            "id IN (" + random.nextInt(50) + ", " + random.nextInt(50) + ", " + literal() + ")";
        case 3 -> "s LIKE '" + pick(List.of("%", "a%", "_b", "%\\%", "[x]")) + "'";
        case 4 -> "id IN (SELECT id FROM " + table() + " WHERE " + comparison() + ")";
        case 5 -> "EXISTS (SELECT 1 FROM " + table() + ")";
        default -> comparison();
      };
    }
    return switch (random.nextInt(3)) {
      case 0 -> predicate(depth - 1) + " AND " + predicate(depth - 1);
      case 1 -> "(" + predicate(depth - 1) + " OR " + predicate(depth - 1) + ")";
      default -> "NOT (" + predicate(depth - 1) + ")";
    };
  }

  private String comparison() {
    Col c = pick(COLUMNS);
    String op = pick(List.of("=", "<>", "<", "<=", ">", ">=", "!="));
    return c.name() + " " + op + " " + (random.nextInt(4) == 0 ? literal() : value(c.type()));
  }

  String expr(int depth) {
    if (depth <= 0 || random.nextInt(3) == 0) {
      return random.nextBoolean() ? column() : literal();
    }
    return switch (random.nextInt(12)) {
      case 0 ->
          expr(depth - 1) + " " + pick(List.of("+", "-", "*", "/", "%")) + " " + expr(depth - 1);
      case 1 -> expr(depth - 1) + " || " + expr(depth - 1);
      case 2 -> pick(FUNCTIONS_1) + "(" + expr(depth - 1) + ")";
      case 3 -> "COALESCE(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
      case 4 ->
          "CASE WHEN "
              + predicate(1)
              + " THEN "
              + expr(depth - 1)
              + " ELSE "
              + expr(depth - 1)
              + " END";
      case 5 -> "CAST(" + expr(depth - 1) + " AS " + pick(TYPES) + ")";
      case 6 ->
          "SUBSTRING("
              + expr(depth - 1)
              + " FROM "
              + smallOrEdgeNumber()
              + " FOR "
              + smallOrEdgeNumber()
              + ")";
      case 7 ->
          pick(
              List.of(
                  "NOW()",
                  "CURRENT_USER",
                  "CURRENT_TIMESTAMP",
                  "UUID_V7()",
                  "SNOWFLAKE_ID()",
                  "CURRENT_DATE"));
      case 8 -> "MOD(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
      case 9 -> "POWER(" + expr(depth - 1) + ", " + smallOrEdgeNumber() + ")";
      case 10 -> "ROUND(" + expr(depth - 1) + ", " + random.nextInt(5) + ")";
      default -> "NULLIF(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
    };
  }

  // ------------------------------------------------------------------ writing

  String insert() {
    String table = table();
    List<Col> cols = new ArrayList<>(List.of(COLUMNS.get(0)));
    for (Col c : COLUMNS.subList(1, COLUMNS.size())) {
      if (random.nextInt(3) == 0) {
        cols.add(c);
      }
    }
    boolean named = random.nextInt(6) != 0;
    if (!named) {
      cols = COLUMNS;
    }
    StringBuilder b = new StringBuilder("INSERT INTO ").append(table);
    if (named) {
      StringJoiner names = new StringJoiner(", ", " (", ")");
      cols.forEach(c -> names.add(c.name()));
      b.append(names);
    }
    b.append(" VALUES ");
    int rows = random.nextInt(10) == 0 ? 2 + random.nextInt(40) : 1 + random.nextInt(3);
    StringJoiner all = new StringJoiner(", ");
    for (int r = 0; r < rows; r++) {
      StringJoiner values = new StringJoiner(", ", "(", ")");
      for (Col c : cols) {
        values.add(c.name().equals("id") ? String.valueOf(random.nextInt(200)) : value(c.type()));
      }
      all.add(values.toString());
    }
    return b.append(all).toString();
  }

  String update() {
    StringBuilder b = new StringBuilder("UPDATE ").append(table()).append(" SET ");
    StringJoiner sets = new StringJoiner(", ");
    int n = 1 + random.nextInt(2);
    for (int i = 0; i < n; i++) {
      Col c = pick(COLUMNS);
      String value =
          switch (random.nextInt(4)) {
            case 0 -> expr(2);
            case 1 -> c.name() + (c.type().equals("TEXT") ? " || 'x'" : " + 1");
            default -> value(c.type());
          };
      sets.add(c.name() + " = " + value);
    }
    b.append(sets);
    where(b);
    return b.toString();
  }

  String delete() {
    return "DELETE FROM " + table() + " WHERE " + predicate(1);
  }

  // ------------------------------------------------------------------ catalog and users

  String ddl() {
    String name = SCRATCH_NAMESPACE + ".t" + random.nextInt(6);
    return switch (random.nextInt(8)) {
      case 0 ->
          "CREATE NAMESPACE "
              + (random.nextBoolean() ? "IF NOT EXISTS " : "")
              + "fzd"
              + random.nextInt(3);
      case 1 ->
          "DROP NAMESPACE "
              + (random.nextBoolean() ? "IF EXISTS " : "")
              + "fzd"
              + random.nextInt(3)
              + (random.nextBoolean() ? " CASCADE" : "");
      case 2, 3 -> createTable(name);
      case 4 -> "DROP TABLE " + (random.nextBoolean() ? "IF EXISTS " : "") + name;
      case 5 -> "DESCRIBE " + (random.nextBoolean() ? "TABLE " : "") + pick(List.of(name, table()));
      case 6 -> "INSERT INTO " + name + " VALUES (" + random.nextInt(9) + ", " + literal() + ")";
      default -> "SELECT * FROM " + name;
    };
  }

  private String createTable(String name) {
    String kind = pick(List.of("", "USER ", "SHARED ", "STREAM ", "GLOBAL "));
    StringJoiner cols = new StringJoiner(", ");
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      String colName =
          random.nextInt(15) == 0
              ? pick(List.of("_seq", "order", "`order`", "user", "c0"))
              : "c" + i;
      StringBuilder col = new StringBuilder(colName).append(' ').append(pick(TYPES));
      if (random.nextInt(4) == 0) {
        col.append(" NOT NULL");
      }
      if (random.nextInt(4) == 0) {
        col.append(" DEFAULT ")
            .append(
                pick(
                    List.of(
                        "NOW()",
                        "SNOWFLAKE_ID()",
                        "UUID_V7()",
                        "CURRENT_USER()",
                        "0",
                        "'d'",
                        "RANDOM()")));
      }
      if (i == 0 && random.nextInt(5) != 0) {
        col.append(" PRIMARY KEY");
      }
      cols.add(col);
    }
    if (random.nextInt(6) == 0) {
      cols.add("PRIMARY KEY (c0" + (n > 1 ? ", c1" : "") + ")");
    }
    String options =
        switch (random.nextInt(6)) {
          case 0 -> " WITH (TTL_SECONDS = " + smallOrEdgeNumber() + ")";
          case 1 ->
              " WITH (ACCESS_LEVEL = '"
                  + pick(List.of("read", "public", "private", "secret"))
                  + "')";
          case 2 -> " WITH (FLUSH_POLICY = 'rows:10,interval:5')";
          case 3 ->
              " WITH (TYPE = '"
                  + pick(List.of("USER", "SHARED", "STREAM", "TOPIC"))
                  + "', NOPE = 1)";
          default -> "";
        };
    return "CREATE "
        + kind
        + "TABLE "
        + (random.nextBoolean() ? "IF NOT EXISTS " : "")
        + name
        + " ("
        + cols
        + ")"
        + options;
  }

  String users() {
    String user = "'fzu_" + random.nextInt(4) + "'";
    String password =
        random.nextInt(6) == 0
            ? pick(List.of("'short'", "''", "'" + "p".repeat(73) + "'"))
            : "'fuzz-password'";
    return switch (random.nextInt(6)) {
      case 0, 1 ->
          "CREATE USER "
              + user
              + " WITH PASSWORD "
              + password
              + (random.nextBoolean() ? " ROLE " + pick(ROLES) : "");
      case 2 -> "ALTER USER " + user + " SET PASSWORD " + password;
      case 3 -> "ALTER USER " + user + " SET ROLE " + pick(ROLES);
      case 4 -> "DROP USER " + (random.nextBoolean() ? "IF EXISTS " : "") + user;
      default -> "SELECT name, role FROM system.users WHERE name = " + user;
    };
  }

  String executeAs() {
    String user =
        pick(
            List.of(
                "'fzu_0'",
                "'fzu_1'",
                "'fz_user'",
                "'fz_service'",
                "'fz_dba'",
                "'root'",
                "'nobody'",
                "''"));
    String inner =
        switch (random.nextInt(7)) {
          case 0, 1 -> select();
          case 2 -> insert();
          case 3 -> update();
          case 4 -> delete();
          case 5 -> subscribe();
          default -> pick(List.of(users(), ddl(), show(), executeAs()));
        };
    return "EXECUTE AS USER " + user + " (" + inner + ")";
  }

  String show() {
    return switch (random.nextInt(5)) {
      case 0 -> "SHOW NAMESPACES";
      case 1 -> "SHOW TABLES";
      case 2 -> "SHOW TABLES IN " + pick(List.of("fz", "fzd", "system", "nope"));
      case 3 -> "DESCRIBE " + table();
      default ->
          "KILL LIVE QUERY '"
              + pick(List.of("", "1", "nope", "00000000-0000-0000-0000-000000000000"))
              + "'";
    };
  }

  String subscribe() {
    if (random.nextInt(3) == 0) {
      return "SELECT "
          + pick(List.of("*", "id, s", "id"))
          + " FROM "
          + table()
          + (random.nextBoolean() ? " WHERE " + comparison() : "")
          + (random.nextBoolean() ? " ORDER BY id DESC LIMIT " + smallOrEdgeNumber() : "");
    }
    StringBuilder b =
        new StringBuilder("SUBSCRIBE TO ")
            .append(pick(List.of(table(), table(), "system.users", "fz.nope")));
    if (random.nextBoolean()) {
      b.append(" WHERE ").append(random.nextBoolean() ? comparison() : predicate(1));
    }
    if (random.nextInt(3) == 0) {
      b.append(" OPTIONS (")
          .append(pick(List.of("last_rows", "from_seq", "batch_size", "nope")))
          .append(" = ")
          .append(smallOrEdgeNumber())
          .append(")");
    }
    return b.toString();
  }

  String unsupported() {
    return pick(
        List.of(
            "BEGIN",
            "START TRANSACTION",
            "COMMIT",
            "ROLLBACK",
            "ALTER TABLE fz.u DROP COLUMN z",
            "ALTER TABLE fz.u ADD COLUMN z INT NOT NULL",
            "CREATE TOPIC fz.topic",
            "DROP TOPIC fz.topic",
            "CREATE POLICY p ON fz.u",
            "CONSUME FROM fz.topic",
            "ACK fz.topic",
            "FLUSH TABLE fz.u",
            "STORAGE FLUSH EVERYTHING",
            "INSERT INTO fz.sh SELECT * FROM fz.u",
            "SELEC 1",
            "GRANT ALL ON fz.u TO fz_user",
            "TRUNCATE fz.u",
            "CREATE GIZMO g",
            "EXPLAIN SELECT 1",
            ";",
            "",
            "   ",
            "-- only a comment",
            "/* unterminated"));
  }

  /** Several statements in one request. */
  String multi() {
    int n = 2 + random.nextInt(3);
    StringJoiner j = new StringJoiner("; ");
    for (int i = 0; i < n; i++) {
      j.add(random.nextBoolean() ? select() : insert());
    }
    return j.toString();
  }

  // ------------------------------------------------------------------ pieces

  private String table() {
    return random.nextInt(25) == 0
        ? pick(List.of("fz.missing", "nope.u", "system.users", "u", "fz.U"))
        : pick(TABLES);
  }

  private String column() {
    return random.nextInt(25) == 0
        ? pick(List.of("nope", "_seq", "ID", "`id`"))
        : pick(COLUMNS).name();
  }

  String smallOrEdgeNumber() {
    return random.nextInt(6) == 0
        ? pick(
            List.of(
                "-1",
                "0",
                "2147483647",
                "2147483648",
                "9223372036854775807",
                "99999999999999999999",
                "1.5",
                "'x'"))
        : String.valueOf(random.nextInt(20));
  }

  String literal() {
    return random.nextInt(3) == 0
        ? pick(SqlMutator.BOUNDARY_LITERALS)
        : value(pick(COLUMNS).type());
  }

  /** A literal usually of {@code type}, sometimes of another type. */
  String value(String type) {
    if (random.nextInt(12) == 0) {
      return random.nextBoolean() ? "NULL" : pick(SqlMutator.BOUNDARY_LITERALS);
    }
    return switch (type) {
      case "INT" -> String.valueOf(random.nextInt(2000) - 1000);
      case "BIGINT" -> String.valueOf(random.nextLong() >> random.nextInt(64));
      case "DOUBLE" -> pick(List.of("1.5", "-0.25", "1e10", "3.141592653589793", "0.1"));
      case "DECIMAL(10,2)" -> pick(List.of("12.345", "0.01", "-99999999.99", "100000000.00", "1"));
      case "TEXT" ->
          "'"
              + pick(List.of("a", "b", "abc", "\u00e9t\u00e9", "x y", "%", "it''s", ""))
              + random.nextInt(10)
              + "'";
      case "BOOLEAN" -> random.nextBoolean() ? "TRUE" : "FALSE";
      case "JSON" -> pick(List.of("'{\"a\": 1}'", "'[1, 2]'", "'null'", "'\"s\"'", "'{bad'"));
      case "BYTES" -> pick(List.of("X'CAFE'", "X''", "X'00FF'", "X'ABC'"));
      case "TIMESTAMP" ->
          pick(
              List.of(
                  "TIMESTAMP '2026-01-02 03:04:05.678'",
                  "'2026-01-02T03:04:05Z'",
                  "NOW()",
                  "'yesterday'"));
      case "DATE" -> pick(List.of("DATE '2026-01-02'", "DATE '2026-02-30'", "'2026-05-06'"));
      case "UUID" ->
          pick(List.of("'0190a8f2-7b1c-7d2e-8f00-0123456789ab'", "UUID_V7()", "'not-a-uuid'"));
      default -> "NULL";
    };
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }
}
