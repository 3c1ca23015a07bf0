package io.tributary.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.query.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The protocol's {@code tributary.v1.ErrorCode} and the server's {@link ErrorCode} name the same
 * codes, and docs/sql.md's error table lists every code with the gRPC status the server sends.
 */
class ErrorCodeProtocolTest {

  /** The first number of the codes a client makes itself; a server never sends them. */
  private static final int FIRST_CLIENT_CODE = 1000;

  private static final Pattern CODE = Pattern.compile("`([A-Z_]+)`");

  @Test
  void shouldNameTheSameServerCodesInTheProtocolAndTheServer() {
    assertThat(protocolCodes(false))
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
  }

  @Test
  void shouldNumberTheCodesThatOnlyClientsMakeFromOneThousand() {
    assertThat(protocolCodes(true))
        .containsExactlyInAnyOrder("DEADLINE_EXCEEDED", "NOT_A_QUERY")
        .doesNotContainAnyElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
  }

  @Test
  void shouldMapEveryServerCodeToTheProtocolCodeOfTheSameName() {
    assertThat(Arrays.stream(ErrorCode.values()))
        .allSatisfy(
            code ->
                assertThat(Errors.protoCode(code).name())
                    .as("code %s", code)
                    .isEqualTo(code.name()));
  }

  @Test
  void shouldListEveryCodeInTheDocsWithTheStatusTheServerSends() throws IOException {
    Map<String, String> documented = documentedStatuses();

    assertThat(documented.keySet())
        .containsExactlyInAnyOrderElementsOf(
            Stream.concat(protocolCodes(false).stream(), protocolCodes(true).stream()).toList());
    assertThat(Arrays.stream(ErrorCode.values()))
        .allSatisfy(
            code ->
                assertThat(documented.get(code.name()))
                    .as("gRPC status of %s in docs/sql.md", code)
                    .isEqualTo(Errors.statusOf(code).getCode().name()));
    assertThat(protocolCodes(true))
        .allSatisfy(
            code ->
                assertThat(documented.get(code))
                    .as("gRPC status of the client code %s in docs/sql.md", code)
                    .isEmpty());
  }

  /** The protocol's codes that a server sends, or those that only clients make. */
  private static List<String> protocolCodes(boolean clientOnly) {
    return Arrays.stream(io.tributary.api.v1.ErrorCode.values())
        .filter(
            c ->
                c != io.tributary.api.v1.ErrorCode.UNRECOGNIZED
                    && c != io.tributary.api.v1.ErrorCode.ERROR_CODE_UNSPECIFIED)
        .filter(c -> (c.getNumber() >= FIRST_CLIENT_CODE) == clientOnly)
        .map(Enum::name)
        .collect(Collectors.toList());
  }

  /**
   * Each code of the table in the "Errors" section of docs/sql.md, with its gRPC status (empty when
   * the row gives none). A row names one or more codes in its first cell and as many statuses, or
   * one for all, in its last.
   */
  private static Map<String, String> documentedStatuses() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "sql.md"));
    int start = doc.indexOf("\n## Errors\n");
    assertThat(start).as("an Errors section in docs/sql.md").isNotNegative();
    int end = doc.indexOf("\n## ", start + 1);
    String section = end < 0 ? doc.substring(start) : doc.substring(start, end);
    Map<String, String> statuses = new LinkedHashMap<>();
    for (String line : section.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.split("\\|");
      List<String> codes = backticked(cells[1]);
      List<String> status = backticked(cells[cells.length - 1]);
      assertThat(status.size()).as("statuses of row %s", line).isIn(0, 1, codes.size());
      for (int i = 0; i < codes.size(); i++) {
        String s = status.isEmpty() ? "" : status.get(status.size() == 1 ? 0 : i);
        assertThat(statuses.put(codes.get(i), s)).as("rows of %s", codes.get(i)).isNull();
      }
    }
    return statuses;
  }

  private static List<String> backticked(String cell) {
    List<String> names = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
