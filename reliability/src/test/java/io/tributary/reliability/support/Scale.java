package io.tributary.reliability.support;

/**
 * The size of a reliability run. {@code verify} runs the bounded, seeded form; {@code
 * -Dreliability.full=true} runs the full size (RELIABILITY.md). Seeds are printed by every test and
 * set with the system properties each test names.
 */
public final class Scale {
  /** The switch for full-size runs, shared by every test of the reliability tier. */
  public static final String FULL_PROPERTY = "reliability.full";

  private Scale() {}

  /** Whether this is a full-size run. */
  public static boolean full() {
    return Boolean.getBoolean(FULL_PROPERTY);
  }

  /** {@code bounded} in CI, {@code full} at full size, or the value of {@code property} if set. */
  public static int pick(String property, int bounded, int full) {
    String value = System.getProperty(property);
    if (value != null && !value.isBlank()) {
      return Integer.parseInt(value.trim());
    }
    return full() ? full : bounded;
  }

  /** The seed in {@code property}, or a fresh one (print it). */
  public static long seed(String property) {
    String value = System.getProperty(property);
    if (value != null && !value.isBlank()) {
      return Long.parseLong(value.trim());
    }
    return System.nanoTime() ^ 0x5DEECE66DL;
  }
}
