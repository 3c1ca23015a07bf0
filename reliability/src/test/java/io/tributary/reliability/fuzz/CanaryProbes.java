package io.tributary.reliability.fuzz;

import java.util.List;
import java.util.Random;
import java.util.StringJoiner;

/**
 * Multi-row writes to the canary table that must fail as a whole: each probe holds at least one row
 * or change that the server refuses (a duplicate key, a NULL into NOT NULL, a value of the wrong
 * type, a statement over the size limit, a division by zero or a failing CAST while an UPDATE is
 * applied), so a probe that changes any row of the canary is a partial write.
 */
final class CanaryProbes {
  static final String TABLE = "fzcanary.c";
  static final int ROWS = 20;

  /** Creates the canary: a SHARED public table, so every principal may write it. */
  static final List<String> SCHEMA =
      List.of(
          "CREATE NAMESPACE IF NOT EXISTS fzcanary",
          "CREATE SHARED TABLE IF NOT EXISTS "
              + TABLE
              + " (id INT PRIMARY KEY, n INT NOT NULL, s TEXT) WITH (ACCESS_LEVEL = 'public')");

  /** The canary's rows: n = id, s numeric except for every third row. */
  static String seed() {
    StringJoiner rows = new StringJoiner(", ", "INSERT INTO " + TABLE + " VALUES ", "");
    for (int id = 1; id <= ROWS; id++) {
      rows.add(
          "(" + id + ", " + id + ", '" + (id % 3 == 0 ? "row" + id : String.valueOf(id)) + "')");
    }
    return rows.toString();
  }

  /** The query whose answer must not change: every row of the canary, in key order. */
  static final String FINGERPRINT = "SELECT id, n, s FROM " + TABLE + " ORDER BY id";

  private final Random random;

  CanaryProbes(Random random) {
    this.random = random;
  }

  /** A write that must fail and change nothing. */
  String next() {
    int k = 1 + random.nextInt(ROWS);
    return switch (random.nextInt(9)) {
      case 0 -> insert(newRows(3 + random.nextInt(20)) + ", (" + k + ", 1, 'dup')");
      case 1 ->
          insert("(" + (1000 + k) + ", 1, 'a'), " + newRows(3) + ", (" + (1000 + k) + ", 2, 'b')");
      case 2 -> insert(newRows(random.nextInt(10)) + ", (" + (2000 + k) + ", NULL, 'null')");
      case 3 ->
          insert(
              newRows(1 + random.nextInt(10))
                  + ", ("
                  + (3000 + k)
                  + ", "
                  + pick(
                      List.of("'abc'", "2147483648", "-2147483649", "X'CAFE'", "DATE '2026-01-01'"))
                  + ", 't')");
      case 4 -> insert(newRows(2) + ", (" + (4000 + k) + ", 1, '" + "z".repeat(270_000) + "')");
      case 5 -> "UPDATE " + TABLE + " SET s = s || 'x', n = 100 / (id - " + k + ")";
      case 6 ->
          "UPDATE " + TABLE + " SET n = CAST(s AS INT) + 1000 WHERE id >= " + random.nextInt(4);
      case 7 -> "UPDATE " + TABLE + " SET n = NULL WHERE id > " + random.nextInt(ROWS);
      default -> "UPDATE " + TABLE + " SET s = 'moved', id = id + 100";
    };
  }

  private String newRows(int n) {
    StringJoiner rows = new StringJoiner(", ");
    int base = 10_000 + random.nextInt(1_000_000);
    for (int i = 0; i < n; i++) {
      rows.add("(" + (base + i) + ", " + i + ", 'new" + i + "')");
    }
    return rows.toString();
  }

  private static String insert(String rows) {
    return "INSERT INTO " + TABLE + " VALUES " + (rows.startsWith(", ") ? rows.substring(2) : rows);
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }
}
