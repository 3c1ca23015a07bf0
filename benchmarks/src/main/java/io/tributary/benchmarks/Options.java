package io.tributary.benchmarks;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reading the benchmarks' {@code --key=value} arguments (and {@code --quick} alone): what the
 * option records of the scenarios share. Every failure is an {@link IllegalArgumentException} whose
 * message is meant for the user.
 */
public final class Options {
  /** The one argument without a value. */
  public static final String QUICK = "--quick";

  private Options() {}

  /** Whether {@code --quick} is among the arguments. */
  public static boolean quick(String[] args) {
    return List.of(args).contains(QUICK);
  }

  /**
   * The {@code --key=value} arguments (all but {@code --quick}) by key, in order; any other
   * argument fails with "Cannot parse argument …: expected --key=value or --quick".
   */
  public static Map<String, String> keyValues(String[] args) {
    return keyValues(
        args, key -> true, a -> "Cannot parse argument " + a + ": expected --key=value or --quick");
  }

  /**
   * The {@code --name=value} arguments (all but {@code --quick}) by name, in order; any other
   * argument, or a name outside {@code names}, fails with "Cannot read option …" and the usage text
   * on the next line.
   */
  public static Map<String, String> keyValues(String[] args, Set<String> names, String usage) {
    return keyValues(args, names::contains, a -> "Cannot read option " + a + "\n" + usage);
  }

  private static Map<String, String> keyValues(
      String[] args, Predicate<String> known, Function<String, String> error) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String a : args) {
      if (a.equals(QUICK)) {
        continue;
      }
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0 || !known.test(a.substring(2, eq))) {
        throw new IllegalArgumentException(error.apply(a));
      }
      values.put(a.substring(2, eq), a.substring(eq + 1));
    }
    return values;
  }

  /**
   * Puts {@code given} over {@code defaults} (which keeps its order); a key without a default fails
   * with "Cannot use option --key: expected one of […] or --quick".
   */
  public static Map<String, String> override(
      Map<String, String> defaults, Map<String, String> given) {
    for (String key : given.keySet()) {
      if (!defaults.containsKey(key)) {
        throw new IllegalArgumentException(
            "Cannot use option --"
                + key
                + ": expected one of "
                + defaults.keySet()
                + " or --quick");
      }
    }
    defaults.putAll(given);
    return defaults;
  }

  /** A results directory option: {@code none} is null (write nothing). */
  public static Path resultsDir(String dir) {
    return dir.equals("none") ? null : Path.of(dir);
  }

  /** {@code benchmarks/results/<date>-<host>}, the suite's layout. */
  public static String defaultResultsDir() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "unknown-host";
      }
    }
    return "benchmarks/results/" + LocalDate.now(ZoneOffset.UTC) + "-" + host;
  }

  /** {@code --key=s} as an integer > 0. */
  public static int positiveInt(String key, String s) {
    return (int) positive(key, s, nonNegativeInt(key, s));
  }

  /** {@code --key=s} as an integer ≥ 0. */
  public static int nonNegativeInt(String key, String s) {
    int v;
    try {
      v = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw invalid(key, s, "not an integer");
    }
    if (v < 0) {
      throw invalid(key, s, "negative");
    }
    return v;
  }

  /** {@code --key=s} as a finite number > 0. */
  public static double positiveDouble(String key, String s) {
    return positive(key, s, nonNegativeDouble(key, s));
  }

  private static double positive(String key, String s, double v) {
    if (v == 0) {
      throw invalid(key, s, "must be positive");
    }
    return v;
  }

  /** {@code --key=s} as a finite number ≥ 0. */
  public static double nonNegativeDouble(String key, String s) {
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw invalid(key, s, "not a number");
    }
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw invalid(key, s, "not >= 0");
    }
    return v;
  }

  /** {@code --key=s} as an integer of any sign (a seed). */
  public static long anyLong(String key, String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw invalid(key, s, "not an integer");
    }
  }

  /** {@code --key=s} as {@code true} or {@code false}. */
  public static boolean bool(String key, String s) {
    return oneOf(key, s, "true", "false").equals("true");
  }

  /** {@code --key=s}, which must be one of {@code allowed}: "expected a or b". */
  public static String oneOf(String key, String s, String... allowed) {
    if (!List.of(allowed).contains(s)) {
      throw invalid(key, s, "expected " + String.join(" or ", allowed));
    }
    return s;
  }

  /** {@code s} split at white space (JVM flags): none when it is blank. */
  public static List<String> words(String s) {
    String t = s.trim();
    return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
  }

  /** A number as an option gives it, for reports: 30 rather than 30.0, 2.5 as it is. */
  public static String text(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /** The failure "Cannot use --key=s: problem". */
  public static IllegalArgumentException invalid(String key, String s, String problem) {
    return new IllegalArgumentException("Cannot use --" + key + "=" + s + ": " + problem);
  }
}
