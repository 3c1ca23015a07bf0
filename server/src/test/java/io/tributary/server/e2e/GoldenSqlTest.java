package io.tributary.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.exec.ResultColumn;
import io.tributary.server.Principal;
import io.tributary.server.StatementOutcome;
import io.tributary.server.StatementRunner;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden SQL cases: every file under {@code src/test/resources/golden} is a script of statements,
 * each followed by its expected result, run in order against the shared server through the same
 * statement runner the gRPC API uses (real log, real materializer).
 *
 * <p>Format: {@code > statement} (continued on following lines that start with {@code >>}), then
 * the expected outcome: {@code DONE <tag>}, {@code AFFECTED <n>}, {@code ERROR <CODE>} (any
 * message) or {@code ERROR <CODE> <exact message>}, or {@code ROWS name:TYPE | ...} followed by one
 * line per row with values separated by {@code " | "} (NULL for null), or the single line {@code
 * !any} for "at least one row, values not checked". {@code @login user password} switches the
 * acting user (each file starts as root). Lines starting with {@code #} are comments.
 */
class GoldenSqlTest {

  @TestFactory
  Stream<DynamicTest> goldenFiles() throws IOException, URISyntaxException {
    Path dir = Path.of(getClass().getResource("/golden").toURI());
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".golden")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> runFile(f)));
  }

  private void runFile(Path file) throws IOException {
    StatementRunner runner = SharedServer.get().runner();
    Principal principal = runner.authenticate("root", SharedServer.ROOT_PASSWORD);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> failures = new ArrayList<>();
    int cases = 0;
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        i++;
        continue;
      }
      if (line.startsWith("@login ")) {
        String[] parts = line.substring(7).trim().split("\\s+");
        principal = runner.authenticate(parts[0], parts[1]);
        i++;
        continue;
      }
      if (!line.startsWith("> ")) {
        throw new IllegalStateException(file + ":" + (i + 1) + ": expected '> statement'");
      }
      int startLine = i + 1;
      StringBuilder sql = new StringBuilder(line.substring(2));
      i++;
      while (i < lines.size() && lines.get(i).startsWith(">>")) {
        sql.append('\n').append(lines.get(i).substring(2).stripLeading());
        i++;
      }
      List<String> expected = new ArrayList<>();
      while (i < lines.size()
          && !lines.get(i).isBlank()
          && !lines.get(i).startsWith("> ")
          && !lines.get(i).startsWith("@")
          && !lines.get(i).startsWith("#")) {
        expected.add(lines.get(i));
        i++;
      }
      cases++;
      List<StatementOutcome> outcomes = runner.execute(principal, sql.toString(), List.of());
      List<String> actual = render(outcomes.get(outcomes.size() - 1));
      if (!matches(expected, actual)) {
        failures.add(
            file.getFileName()
                + ":"
                + startLine
                + " "
                + sql
                + "\n  expected:\n    "
                + String.join("\n    ", expected)
                + "\n  actual:\n    "
                + String.join("\n    ", actual));
      }
    }
    assertThat(cases).as("cases in %s", file).isPositive();
    assertThat(failures).as("golden mismatches in %s", file.getFileName()).isEmpty();
  }

  private static boolean matches(List<String> expected, List<String> actual) {
    if (expected.size() == 1
        && actual.size() == 1
        && expected.get(0).startsWith("ERROR ")
        && expected.get(0).split(" ").length == 2) {
      return actual.get(0).startsWith(expected.get(0) + " ");
    }
    if (expected.size() == 2 && expected.get(1).equals("!any")) {
      return actual.size() >= 2 && actual.get(0).equals(expected.get(0));
    }
    return expected.equals(actual);
  }

  static List<String> render(StatementOutcome outcome) {
    List<String> out = new ArrayList<>();
    if (outcome instanceof StatementOutcome.Done d) {
      out.add("DONE " + d.tag());
    } else if (outcome instanceof StatementOutcome.Affected a) {
      out.add("AFFECTED " + a.rows());
    } else if (outcome instanceof StatementOutcome.Failed f) {
      out.add("ERROR " + f.error().code() + " " + f.error().getMessage());
    } else if (outcome instanceof StatementOutcome.Rows r) {
      StringJoiner header = new StringJoiner(" | ", "ROWS ", "");
      for (ResultColumn c : r.result().columns()) {
        header.add(c.name() + ":" + c.type());
      }
      out.add(header.toString());
      for (Object[] row : r.result().rows()) {
        StringJoiner values = new StringJoiner(" | ");
        for (int c = 0; c < r.result().columns().size(); c++) {
          values.add(r.result().columns().get(c).type().format(row[c]));
        }
        out.add(values.toString());
      }
    }
    return out;
  }
}
