package io.tributary.reliability.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The statements of the golden SQL files ({@code server/src/test/resources/golden/*.golden}), in
 * file order, without their expected results: the seed corpus of the mutator. The format is the one
 * {@code GoldenSqlTest} reads: {@code > statement}, continued on lines starting with {@code >>}.
 */
final class GoldenCorpus {
  /**
   * Where the golden files are, relative to this module's directory (Maven's working directory).
   */
  static final Path DIRECTORY = Path.of("..", "server", "src", "test", "resources", "golden");

  private GoldenCorpus() {}

  static List<String> statements() {
    List<Path> files;
    try (Stream<Path> list = Files.list(DIRECTORY)) {
      files = list.filter(p -> p.toString().endsWith(".golden")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the golden corpus in " + DIRECTORY, e);
    }
    List<String> statements = new ArrayList<>();
    for (Path file : files) {
      statements.addAll(statements(file));
    }
    return statements;
  }

  static List<String> statements(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> statements = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i++);
      if (!line.startsWith("> ")) {
        continue;
      }
      StringBuilder sql = new StringBuilder(line.substring(2));
      while (i < lines.size() && lines.get(i).startsWith(">>")) {
        sql.append('\n').append(lines.get(i++).substring(2).stripLeading());
      }
      statements.add(sql.toString());
    }
    return statements;
  }
}
