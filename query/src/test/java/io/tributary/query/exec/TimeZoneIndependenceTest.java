package io.tributary.query.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.catalog.CatalogRecord;
import io.tributary.query.catalog.CatalogState;
import io.tributary.query.catalog.ColumnDef;
import io.tributary.query.catalog.ColumnType;
import io.tributary.query.catalog.NamespaceDef;
import io.tributary.query.catalog.TableDef;
import io.tributary.query.catalog.TableKind;
import io.tributary.query.expr.Expressions;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Canonical TIMESTAMP and DATE values survive queries and expressions unchanged whatever the JVM's
 * default time zone: each case runs in a fresh JVM started in that zone, because Calcite and
 * Avatica capture the default zone when their classes load.
 */
class TimeZoneIndependenceTest {
  static final long T0 = Instant.parse("2024-03-10T02:30:00.123Z").toEpochMilli();
  static final int D0 = (int) LocalDate.parse("1969-12-31").toEpochDay();

  @ParameterizedTest
  @ValueSource(strings = {"UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"})
  void shouldKeepTimestampsAndDatesInEveryTimeZone(String zone) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-Duser.timezone=" + zone);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Probe.class.getName());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(output).as(zone).contains("zone=" + zone).contains("PROBE OK");
    assertThat(process.exitValue()).isZero();
  }

  /** Runs in the forked JVM. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println("zone=" + java.util.TimeZone.getDefault().getID());
      TableDef table =
          new TableDef(
              1,
              "tz",
              "events",
              TableKind.SHARED,
              List.of(
                  new ColumnDef("id", ColumnType.INT, false, null),
                  new ColumnDef("happened_at", ColumnType.TIMESTAMP, true, null),
                  new ColumnDef("on_day", ColumnType.DATE, true, null)),
              List.of("id"),
              Map.of(),
              0);
      CatalogState catalog = new CatalogState();
      catalog.apply(CatalogRecord.namespace(new NamespaceDef("tz", 0)));
      catalog.apply(CatalogRecord.table(table));
      RowSource source = t -> List.<Object[]>of(new Object[] {1, T0, D0, 7L});
      QueryEngine engine = new QueryEngine(catalog);
      List<String> failures = new ArrayList<>();

      QueryResult all =
          engine.select("SELECT happened_at, on_day FROM tz.events", List.of(), source);
      check(failures, "read", Arrays.asList(all.rows().get(0)), List.of(T0, D0));
      QueryResult byParams =
          engine.select(
              "SELECT id FROM tz.events WHERE happened_at = ? AND on_day = ?",
              List.of(Instant.ofEpochMilli(T0), LocalDate.ofEpochDay(D0)),
              source);
      check(failures, "params", byParams.rows().size(), 1);
      QueryResult byLiterals =
          engine.select(
              "SELECT id FROM tz.events WHERE happened_at = TIMESTAMP '2024-03-10 02:30:00.123'"
                  + " AND on_day = DATE '1969-12-31'",
              List.of(),
              source);
      check(failures, "literals", byLiterals.rows().size(), 1);
      QueryResult computed =
          engine.select(
              "SELECT happened_at + INTERVAL '1' DAY, CAST(happened_at AS DATE), TIMESTAMP '2024-03-10 02:30:00.123'"
                  + " FROM tz.events",
              List.of(),
              source);
      check(
          failures,
          "computed",
          Arrays.asList(computed.rows().get(0)),
          List.of(T0 + 86_400_000L, (int) LocalDate.parse("2024-03-10").toEpochDay(), T0));

      Object[] row = {1, T0, D0, 7L};
      check(
          failures,
          "predicate",
          Expressions.predicate(
                  table, "happened_at = '2024-03-10 02:30:00.123' AND on_day = '1969-12-31'")
              .test(row),
          true);
      check(
          failures,
          "expression",
          Expressions.expression(
                  table, "'2024-03-10 02:30:00.123'", ColumnType.TIMESTAMP, "happened_at")
              .evaluate(row),
          T0);
      System.out.println(failures.isEmpty() ? "PROBE OK" : "PROBE FAILED " + failures);
      System.exit(failures.isEmpty() ? 0 : 1);
    }

    private static void check(List<String> failures, String what, Object actual, Object expected) {
      if (!expected.equals(actual)) {
        failures.add(what + ": expected " + expected + " but was " + actual);
      }
    }
  }
}
