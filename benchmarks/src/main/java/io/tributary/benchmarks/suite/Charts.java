package io.tributary.benchmarks.suite;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the charts of a scenario's JSON (the suite contract, {@code benchmarks/README.md}) as PNG
 * files, without knowing the scenario: one chart per distinct {@code "chart"} key of its {@code
 * latency_distributions} (milliseconds against the percentile, on a "nines" axis) and of its {@code
 * series} (one line per series). Entries that are malformed are skipped with a note, so that one
 * scenario's mistake does not cost the report. Needs {@code java.awt.headless=true} on a machine
 * without a display.
 */
final class Charts {
  static final int WIDTH = 900;
  static final int HEIGHT = 520;

  /** Percentiles beyond 99.9999999 are drawn there (a histogram rarely resolves more). */
  private static final double MOST_NINES = 9;

  private static final Color[] COLORS = {
    new Color(0x1f77b4), // blue
    new Color(0xd62728), // red
    new Color(0x2ca02c), // green
    new Color(0xff7f0e), // orange
    new Color(0x9467bd), // purple
    new Color(0x8c564b), // brown
    new Color(0xe377c2), // pink
    new Color(0x17becf), // cyan
  };

  /**
   * A chart written to a file.
   *
   * @param file the PNG's path relative to the run directory, e.g. {@code charts/x.png}
   */
  record Drawn(String scenario, String chart, String title, String file) {}

  private final Path runDir;
  private final Set<String> files = new HashSet<>();
  private final List<String> notes = new ArrayList<>();

  Charts(Path runDir) {
    this.runDir = runDir;
  }

  /** What was skipped and why, for the report. */
  List<String> notes() {
    return notes;
  }

  /** Draws every chart of one scenario's JSON into {@code <run dir>/charts/}. */
  List<Drawn> draw(String scenario, Map<String, Object> json) throws IOException {
    List<Drawn> drawn = new ArrayList<>();
    for (Map.Entry<String, List<Map<String, Object>>> e :
        byChart(scenario, json.get("latency_distributions")).entrySet()) {
      Drawn d = latencyChart(scenario, e.getKey(), e.getValue());
      if (d != null) {
        drawn.add(d);
      }
    }
    for (Map.Entry<String, List<Map<String, Object>>> e :
        byChart(scenario, json.get("series")).entrySet()) {
      Drawn d = seriesChart(scenario, e.getKey(), e.getValue());
      if (d != null) {
        drawn.add(d);
      }
    }
    return drawn;
  }

  /** The entries of a list, grouped by their "chart" key in order of first appearance. */
  private Map<String, List<Map<String, Object>>> byChart(String scenario, Object list) {
    Map<String, List<Map<String, Object>>> charts = new LinkedHashMap<>();
    if (!(list instanceof List<?> entries)) {
      return charts;
    }
    for (Object o : entries) {
      if (o instanceof Map<?, ?> m && m.get("chart") instanceof String chart) {
        @SuppressWarnings("unchecked")
        Map<String, Object> entry = (Map<String, Object>) m;
        charts.computeIfAbsent(chart, c -> new ArrayList<>()).add(entry);
      } else {
        notes.add(scenario + ": skipped a chart entry without a \"chart\" key");
      }
    }
    return charts;
  }

  /** Position on the percentile axis: the number of nines, -log10(1 - p/100). */
  static double nines(double percentile) {
    if (percentile >= 100) {
      return MOST_NINES;
    }
    return Math.min(MOST_NINES, -Math.log10(1 - percentile / 100));
  }

  private Drawn latencyChart(String scenario, String chart, List<Map<String, Object>> entries)
      throws IOException {
    // The maximum (100th percentile) has no place on a nines axis: it is drawn one decade past
    // the highest percentile below it, where the axis says "max".
    Map<String, List<double[]>> curves = new LinkedHashMap<>();
    double maxNines = 0;
    boolean hasMax = false;
    for (Map<String, Object> e : entries) {
      List<double[]> points = points(e.get("percentiles"));
      if (points.isEmpty()) {
        notes.add(scenario + ": skipped latency series without percentiles in chart " + chart);
        continue;
      }
      curves.put(uniqueKey(curves.keySet(), name(e)), points);
      for (double[] p : points) {
        if (p[0] >= 100) {
          hasMax = true;
        } else {
          maxNines = Math.max(maxNines, nines(p[0]));
        }
      }
    }
    if (curves.isEmpty()) {
      return null;
    }
    double maxAt = Math.floor(maxNines) + 1;
    XYSeriesCollection data = new XYSeriesCollection();
    double minY = Double.POSITIVE_INFINITY;
    double maxY = 0;
    for (Map.Entry<String, List<double[]>> c : curves.entrySet()) {
      XYSeries s = new XYSeries(c.getKey(), false, true);
      for (double[] p : c.getValue()) {
        s.add(p[0] >= 100 ? maxAt : nines(p[0]), p[1]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
      data.addSeries(s);
    }
    double lastTick = hasMax ? maxAt : Math.max(1, Math.ceil(maxNines));
    NinesAxis x = new NinesAxis("percentile", lastTick, hasMax);
    ValueAxis y = valueAxis(label(entries, "y_label", "latency (ms)"), minY, maxY);
    String title = text(entries.get(0), "title", chart);
    return write(scenario, chart, title, data, x, y, "");
  }

  private Drawn seriesChart(String scenario, String chart, List<Map<String, Object>> entries)
      throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    double minX = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (Map<String, Object> e : entries) {
      List<double[]> points = points(e.get("points"));
      if (points.isEmpty()) {
        notes.add(scenario + ": skipped series without points in chart " + chart);
        continue;
      }
      XYSeries s = new XYSeries(uniqueKey(keys(data), name(e)), true, true);
      for (double[] p : points) {
        s.add(p[0], p[1]);
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
      data.addSeries(s);
    }
    if (data.getSeriesCount() == 0) {
      return null;
    }
    String xLabel = label(entries, "x_label", "");
    ValueAxis x;
    if (minX > 0 && maxX / minX >= 100) {
      x = logAxis(xLabel);
    } else {
      NumberAxis n = new NumberAxis(xLabel);
      n.setAutoRangeIncludesZero(false);
      n.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
      x = n;
    }
    NumberAxis y = new NumberAxis(label(entries, "y_label", ""));
    y.setAutoRangeIncludesZero(minY >= 0);
    y.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    return write(scenario, chart, text(entries.get(0), "title", chart), data, x, y, "");
  }

  /** A log axis when the values span two decades or more (and are positive), else linear. */
  private static ValueAxis valueAxis(String label, double min, double max) {
    if (min > 0 && max / min >= 100) {
      return logAxis(label);
    }
    NumberAxis a = new NumberAxis(label);
    a.setAutoRangeIncludesZero(true);
    a.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    return a;
  }

  private static LogAxis logAxis(String label) {
    LogAxis a = new RoundLogAxis(label);
    a.setBase(10);
    a.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    a.setSmallestValue(1e-6);
    return a;
  }

  /** A log axis with ticks at round values: 1, 2 and 5 times powers of ten, or powers of ten. */
  private static final class RoundLogAxis extends LogAxis {
    RoundLogAxis(String label) {
      super(label);
    }

    @Override
    public List refreshTicks(
        Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
      double lo = Math.max(getLowerBound(), 1e-9);
      double hi = getUpperBound();
      List<NumberTick> ticks = ticks(lo, hi, new double[] {1, 2, 5}, edge);
      if (ticks.size() > 12) {
        ticks = ticks(lo, hi, new double[] {1}, edge);
      }
      return ticks;
    }

    private List<NumberTick> ticks(double lo, double hi, double[] steps, RectangleEdge edge) {
      boolean vertical = RectangleEdge.isLeftOrRight(edge);
      TextAnchor anchor = vertical ? TextAnchor.CENTER_RIGHT : TextAnchor.TOP_CENTER;
      List<NumberTick> ticks = new ArrayList<>();
      for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
        for (double m : steps) {
          double v = m * Math.pow(10, e);
          if (v >= lo && v <= hi) {
            ticks.add(
                new NumberTick(
                    TickType.MAJOR, v, getNumberFormatOverride().format(v), anchor, anchor, 0.0));
          }
        }
      }
      return ticks;
    }
  }

  private Drawn write(
      String scenario,
      String chart,
      String title,
      XYSeriesCollection data,
      ValueAxis x,
      ValueAxis y,
      String subtitle)
      throws IOException {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2.2f));
      // Dense curves (percentile iterations) read better without a marker at every point.
      renderer.setSeriesShapesVisible(i, data.getItemCount(i) <= 20);
    }
    Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    for (ValueAxis a : List.of(x, y)) {
      a.setTickLabelFont(tickFont);
      a.setLabelFont(labelFont);
    }
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    plot.setOutlinePaint(new Color(0x999999));
    JFreeChart c = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
    c.setBackgroundPaint(Color.WHITE);
    c.setAntiAlias(true);
    c.setTextAntiAlias(true);
    c.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    c.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
    if (!subtitle.isEmpty()) {
      c.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.ITALIC, 12)));
    }
    String file = fileName(scenario, chart);
    Path out = runDir.resolve("charts").resolve(file);
    Files.createDirectories(out.getParent());
    ChartUtils.saveChartAsPNG(out.toFile(), c, WIDTH, HEIGHT);
    return new Drawn(scenario, chart, title, "charts/" + file);
  }

  /** {@code <chart>.png}, or {@code <scenario>-<chart>.png} if another scenario took it. */
  private String fileName(String scenario, String chart) {
    String base = safe(chart);
    if (!files.add(base)) {
      base = safe(scenario + "-" + chart);
      for (int i = 2; !files.add(base); i++) {
        base = safe(scenario + "-" + chart + "-" + i);
      }
    }
    return base + ".png";
  }

  private static String safe(String s) {
    String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
    return out.isEmpty() ? "chart" : out;
  }

  private static Set<String> keys(XYSeriesCollection data) {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < data.getSeriesCount(); i++) {
      keys.add(String.valueOf(data.getSeriesKey(i)));
    }
    return keys;
  }

  private static String uniqueKey(Set<String> taken, String name) {
    String key = name;
    for (int i = 2; taken.contains(key); i++) {
      key = name + " (" + i + ")";
    }
    return key;
  }

  private static String name(Map<String, Object> e) {
    return text(e, "series", "series");
  }

  private static String text(Map<String, Object> e, String key, String otherwise) {
    Object v = e.get(key);
    return v instanceof String s && !s.isBlank() ? s : otherwise;
  }

  private static String label(List<Map<String, Object>> entries, String key, String otherwise) {
    for (Map<String, Object> e : entries) {
      if (e.get(key) instanceof String s && !s.isBlank()) {
        return s;
      }
    }
    return otherwise;
  }

  /** {@code [[x, y], ...]} as pairs of finite numbers; other entries are dropped. */
  private static List<double[]> points(Object list) {
    List<double[]> out = new ArrayList<>();
    if (!(list instanceof List<?> pairs)) {
      return out;
    }
    for (Object p : pairs) {
      if (p instanceof List<?> pair
          && pair.size() >= 2
          && pair.get(0) instanceof Number a
          && pair.get(1) instanceof Number b
          && Double.isFinite(a.doubleValue())
          && Double.isFinite(b.doubleValue())) {
        out.add(new double[] {a.doubleValue(), b.doubleValue()});
      }
    }
    return out;
  }

  /**
   * The percentile axis: positions are numbers of nines, ticks are labelled 50%, 90%, 99%, 99.9%
   * ... and, when the maximum is drawn, "max".
   */
  private static final class NinesAxis extends NumberAxis {
    private final double lastTick;
    private final boolean hasMax;

    NinesAxis(String label, double lastTick, boolean hasMax) {
      super(label);
      this.lastTick = lastTick;
      this.hasMax = hasMax;
      setAutoRange(false);
      setRange(0, lastTick + 0.15);
    }

    @Override
    public List refreshTicks(
        Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
      List<NumberTick> ticks = new ArrayList<>();
      ticks.add(tick(nines(50), "50%"));
      int last = (int) Math.floor(lastTick);
      for (int n = 1; n <= last; n++) {
        String label;
        if (hasMax && n == last) {
          label = "max";
        } else if (n == 1) {
          label = "90%";
        } else {
          label = "99" + (n > 2 ? "." + "9".repeat(n - 2) : "") + "%";
        }
        ticks.add(tick(n, label));
      }
      return ticks;
    }

    private static NumberTick tick(double at, String label) {
      return new NumberTick(
          TickType.MAJOR, at, label, TextAnchor.TOP_CENTER, TextAnchor.CENTER, 0.0);
    }
  }
}
