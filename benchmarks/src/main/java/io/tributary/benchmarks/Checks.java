package io.tributary.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scenario's checks of the targets: as JSON objects and as a Markdown table. */
public final class Checks {
  private Checks() {}

  /** One check as the suite reads it: {@code check}, {@code figure}, {@code goal}, {@code met}. */
  public static Map<String, Object> check(String check, String figure, String goal, boolean met) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("check", check);
    m.put("figure", figure);
    m.put("goal", goal);
    m.put("met", met);
    return m;
  }

  /** The "Targets" subsection: a table of the checks, a missed one in bold. */
  public static String markdown(List<Map<String, Object>> checks) {
    return markdown("Targets", checks);
  }

  /** A subsection titled {@code heading}: a table of the checks, a missed one in bold. */
  public static String markdown(String heading, List<Map<String, Object>> checks) {
    StringBuilder b = new StringBuilder();
    b.append("### ").append(heading);
    b.append("\n\n| check | figure | goal | met |\n|---|---|---|---|\n");
    for (Map<String, Object> c : checks) {
      b.append("| ")
          .append(c.get("check"))
          .append(" | ")
          .append(c.get("figure"))
          .append(" | ")
          .append(c.get("goal"))
          .append(" | ")
          .append((Boolean) c.get("met") ? "met" : "**missed**")
          .append(" |\n");
    }
    return b.toString();
  }
}
