package io.tributary.benchmarks.suite;

import io.tributary.benchmarks.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The suite's report from a run directory: {@code report.md} (machine, summary of every scenario's
 * checks, then each scenario's own section with its charts), the charts under {@code charts/} and
 * {@code suite.json} (the run's metadata and every scenario's JSON). Everything is derived from the
 * files in the directory, so a report can be rendered again after the fact.
 */
final class SuiteReport {
  static final String REPORT = "report.md";
  static final String SUITE_JSON = "suite.json";
  private static final int TAIL_LINES = 30;

  private SuiteReport() {}

  /**
   * A scenario's output file: {@code <scenario>.<ext>}, else the newest {@code
   * <anything>-<scenario>.<ext>} (the fan-out benchmark's older naming), else null.
   */
  static Path output(Path runDir, String scenario, String ext) {
    Path exact = runDir.resolve(scenario + "." + ext);
    if (Files.isRegularFile(exact)) {
      return exact;
    }
    try (Stream<Path> files = Files.list(runDir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith("-" + scenario + "." + ext))
          .max(Comparator.comparing(p -> p.getFileName().toString()))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** Re-renders the report of an existing run directory. */
  static Path rerender(Path runDir) throws IOException {
    if (!Files.isDirectory(runDir)) {
      throw new IOException("Cannot re-render the report: no directory " + runDir);
    }
    Map<String, Object> suite = null;
    Path suiteJson = runDir.resolve(SUITE_JSON);
    if (Files.isRegularFile(suiteJson)) {
      Object all = Json.read(Files.readString(suiteJson, StandardCharsets.UTF_8));
      if (all instanceof Map<?, ?> m && m.get("suite") instanceof Map<?, ?> s) {
        suite = cast(s);
      }
    }
    if (suite == null) {
      suite = inferred(runDir);
    }
    suite.put("report_rendered_again", true);
    return write(runDir, suite);
  }

  /** A run's metadata when it has no suite.json: every known scenario whose JSON is there. */
  private static Map<String, Object> inferred(Path runDir) throws IOException {
    Map<String, Object> suite = new LinkedHashMap<>();
    suite.put("run_dir", runDir.toString());
    List<Map<String, Object>> outcomes = new ArrayList<>();
    for (Suite.Scenario s : Suite.SCENARIOS) {
      Path json = output(runDir, s.name(), "json");
      if (json == null) {
        continue;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", s.name());
      out.put("title", s.title());
      out.put("class", s.mainClass());
      out.put("status", "ok");
      outcomes.add(out);
      if (!suite.containsKey("machine")) {
        Object machine = readJson(json).get("machine");
        if (machine instanceof Map<?, ?> m && m.containsKey("cpus")) {
          suite.put("machine", m);
        }
      }
    }
    suite.put("scenarios", outcomes);
    return suite;
  }

  /** Draws the charts and writes report.md and suite.json; returns the report's path. */
  /** A hand-written interpretation kept beside a committed run; linked when present. */
  static final String ANALYSIS = "ANALYSIS.md";

  static Path write(Path runDir, Map<String, Object> suite) throws IOException {
    Charts charts = new Charts(runDir);
    Path chartDir = runDir.resolve("charts");
    if (Files.isDirectory(chartDir)) {
      try (Stream<Path> old = Files.list(chartDir)) {
        for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
          Files.delete(p);
        }
      }
    }
    List<Map<String, Object>> outcomes = list(suite.get("scenarios"));
    Map<String, Object> jsons = new LinkedHashMap<>();
    List<Object> drawn = new ArrayList<>();
    StringBuilder sections = new StringBuilder();
    List<String[]> checkRows = new ArrayList<>();
    List<String[]> summaryRows = new ArrayList<>();
    for (Map<String, Object> out : outcomes) {
      String name = String.valueOf(out.get("name"));
      String title = String.valueOf(out.getOrDefault("title", name));
      String status = String.valueOf(out.get("status"));
      Map<String, Object> json = null;
      String jsonProblem = null;
      Path jsonFile = output(runDir, name, "json");
      if (jsonFile != null) {
        try {
          json = readJson(jsonFile);
        } catch (IOException | RuntimeException e) {
          jsonProblem = "Cannot read " + jsonFile.getFileName() + ": " + e.getMessage();
        }
      }
      jsons.put(name, json);
      List<Map<String, Object>> checks = json == null ? List.of() : list(json.get("checks"));
      int met = 0;
      for (Map<String, Object> c : checks) {
        boolean ok = Boolean.TRUE.equals(c.get("met"));
        met += ok ? 1 : 0;
        checkRows.add(
            new String[] {
              name,
              cell(c.get("check")),
              cell(figure(c)),
              cell(c.get("goal")),
              c.get("met") instanceof Boolean b ? (b ? "**met**" : "**missed**") : "–"
            });
      }
      summaryRows.add(
          new String[] {
            name,
            statusText(status),
            out.get("seconds") == null ? "–" : num(out.get("seconds")),
            out.get("time_limit_seconds") == null ? "–" : num(out.get("time_limit_seconds")),
            checks.isEmpty() ? "–" : met + " of " + checks.size()
          });

      List<Charts.Drawn> scenarioCharts = new ArrayList<>();
      if (json != null) {
        scenarioCharts = charts.draw(name, json);
        for (Charts.Drawn d : scenarioCharts) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("scenario", d.scenario());
          m.put("chart", d.chart());
          m.put("title", d.title());
          m.put("file", d.file());
          drawn.add(m);
        }
      }
      sections.append('\n');
      Path md = output(runDir, name, "md");
      if (!status.equals("ok")) {
        sections.append("## ").append(title).append(": ").append(statusText(status)).append("\n\n");
        if (out.get("message") != null) {
          sections.append(capitalized(String.valueOf(out.get("message")))).append(".\n\n");
        }
        List<String> tail = tail(runDir, out);
        if (!tail.isEmpty()) {
          sections
              .append("The last lines of its output (`")
              .append(out.get("log"))
              .append("`):\n\n```\n");
          tail.forEach(l -> sections.append(l).append('\n'));
          sections.append("```\n\n");
        }
        if (md != null) {
          sections.append("What it wrote before that:\n\n");
        }
      }
      if (jsonProblem != null) {
        sections.append("> ").append(jsonProblem).append("\n\n");
      }
      if (md != null) {
        sections.append(section(Files.readString(md, StandardCharsets.UTF_8)).strip()).append("\n");
      }
      if (!scenarioCharts.isEmpty()) {
        sections.append("\n### Charts\n\n");
        for (Charts.Drawn d : scenarioCharts) {
          sections
              .append("![")
              .append(d.title().replace("]", ")").replace("[", "("))
              .append("](")
              .append(d.file())
              .append(")\n\n");
        }
      }
    }

    StringBuilder b = new StringBuilder();
    b.append(header(suite));
    if (Files.exists(runDir.resolve(ANALYSIS))) {
      b.append(
          "\n**Interpretation:** [`"
              + ANALYSIS
              + "`]("
              + ANALYSIS
              + ") (written by hand after the run) explains each missed target with its profile,"
              + " and the figures before and after each change.\n");
    }
    b.append("\n## Summary\n\n");
    b.append(
        table(List.of("scenario", "result", "time (s)", "limit (s)", "checks met"), summaryRows));
    if (!checkRows.isEmpty()) {
      b.append("\n")
          .append(table(List.of("scenario", "check", "figure", "goal", "result"), checkRows));
    }
    b.append(sections);
    if (!charts.notes().isEmpty()) {
      b.append("\n---\n\nChart notes:\n\n");
      charts.notes().forEach(n -> b.append("- ").append(n).append('\n'));
    }
    Path report = runDir.resolve(REPORT);
    Files.writeString(report, b.toString(), StandardCharsets.UTF_8);

    Map<String, Object> all = new LinkedHashMap<>();
    all.put("suite", suite);
    all.put("charts", drawn);
    all.put("scenarios", jsons);
    Files.writeString(runDir.resolve(SUITE_JSON), Json.write(all), StandardCharsets.UTF_8);
    return report;
  }

  private static String header(Map<String, Object> suite) {
    Map<String, Object> m = suite.get("machine") instanceof Map<?, ?> x ? cast(x) : Map.of();
    String date = String.valueOf(suite.getOrDefault("date", m.getOrDefault("date", "unknown")));
    StringBuilder b = new StringBuilder("# Benchmark suite: ");
    b.append(date.length() >= 10 ? date.substring(0, 10) : date);
    if (suite.get("host") != null) {
      b.append(", ").append(suite.get("host"));
    }
    b.append("\n\n");
    if (Boolean.TRUE.equals(suite.get("quick"))) {
      b.append(
          "> **Quick run** (`--quick`): tiny sizes and short phases, to see that every scenario"
              + " works and what its report looks like. Its figures are not measurements.\n\n");
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Date", date});
    rows.add(
        new String[] {
          "Commit",
          "`"
              + m.getOrDefault("git_commit", "unknown")
              + "` ("
              + m.getOrDefault("git_worktree", "?")
              + ")"
        });
    rows.add(
        new String[] {
          "Machine",
          m.getOrDefault("cpus", "?")
              + " CPUs, "
              + m.getOrDefault("cpu_model", "?")
              + ", "
              + m.getOrDefault("memory", "?")
              + " memory, "
              + m.getOrDefault("os", "?")
        });
    rows.add(new String[] {"JVM", String.valueOf(m.getOrDefault("jvm", "?"))});
    if (suite.get("scenario_jvm_flags") != null) {
      rows.add(new String[] {"Scenario JVM flags", "`" + suite.get("scenario_jvm_flags") + "`"});
    }
    rows.add(new String[] {"Suite JVM flags", "`" + m.getOrDefault("jvm_flags", "") + "`"});
    rows.add(
        new String[] {
          "Load average (1, 5, 15 min)",
          "at start "
              + m.getOrDefault("load_average_at_start", "?")
              + ", at end "
              + m.getOrDefault("load_average_at_end", "?")
        });
    if (suite.get("command") != null) {
      rows.add(new String[] {"Command", "`" + suite.get("command") + "`"});
    }
    if (suite.get("elapsed_seconds") != null) {
      rows.add(
          new String[] {
            "Time",
            num(suite.get("elapsed_seconds"))
                + " s of a "
                + num(suite.get("budget_minutes"))
                + " min budget"
          });
    }
    b.append(table(List.of("", ""), rows.stream().map(SuiteReport::cells).toList()));
    b.append(
        "\nEach scenario ran in its own JVM, one after the other, beside its baseline in the same"
            + " run. The raw figures are in `suite.json` and the scenarios' own JSON files, their"
            + " output in `logs/`.");
    if (Boolean.TRUE.equals(suite.get("report_rendered_again"))) {
      b.append(" This report was rendered again from those files (`--report-only`).");
    }
    b.append('\n');
    return b.toString();
  }

  private static String[] cells(String[] row) {
    String[] out = new String[row.length];
    for (int i = 0; i < row.length; i++) {
      out[i] = row[i].replace("|", "\\|");
    }
    return out;
  }

  private static String statusText(String status) {
    return switch (status) {
      case "ok" -> "ran";
      case "not available" -> "not available in this build";
      default -> "**" + status + "**";
    };
  }

  /**
   * A scenario's Markdown as a section of the report: when it starts with a level-1 title, every
   * heading moves down one level (outside code blocks).
   */
  static String section(String markdown) {
    List<String> lines = markdown.lines().toList();
    Optional<String> first = lines.stream().filter(l -> l.startsWith("#")).findFirst();
    if (first.isEmpty() || first.get().startsWith("##")) {
      return markdown;
    }
    StringBuilder b = new StringBuilder();
    boolean code = false;
    for (String l : lines) {
      if (l.startsWith("```")) {
        code = !code;
      }
      b.append(!code && l.startsWith("#") ? "#" + l : l).append('\n');
    }
    return b.toString();
  }

  private static List<String> tail(Path runDir, Map<String, Object> out) {
    if (out.get("log") == null) {
      return List.of();
    }
    Path log = runDir.resolve(String.valueOf(out.get("log")));
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
    } catch (IOException | RuntimeException e) {
      return List.of("(its log " + log + " cannot be read: " + e.getMessage() + ")");
    }
  }

  private static Object figure(Map<String, Object> check) {
    for (String key : List.of("figure", "shown", "value")) {
      if (check.get(key) != null) {
        return check.get(key);
      }
    }
    return "–";
  }

  private static String cell(Object o) {
    return o == null ? "–" : String.valueOf(o).replace("|", "\\|").replace("\n", " ");
  }

  private static String capitalized(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static String num(Object o) {
    if (o instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d)
          ? String.format(Locale.ROOT, "%,d", (long) d)
          : String.format(Locale.ROOT, "%,.1f", d);
    }
    return String.valueOf(o);
  }

  private static String table(List<String> header, List<String[]> rows) {
    StringBuilder b = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
    header.forEach(h -> b.append("---|"));
    b.append('\n');
    for (String[] r : rows) {
      b.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return b.toString();
  }

  static Map<String, Object> readJson(Path file) throws IOException {
    Object v = Json.read(Files.readString(file, StandardCharsets.UTF_8));
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("Cannot read " + file + ": not a JSON object");
    }
    return cast(m);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private static List<Map<String, Object>> list(Object o) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (o instanceof List<?> l) {
      for (Object e : l) {
        if (e instanceof Map<?, ?> m) {
          out.add(cast(m));
        }
      }
    }
    return out;
  }
}
