package io.tributary.benchmarks;

import java.util.Locale;

/** Progress lines on standard output, each stamped with the seconds since this was made. */
public final class Progress {
  private final long started = System.nanoTime();
  private final String stamp;

  /**
   * @param stamp the line's format around the seconds and the message, e.g. {@code "[%5.1f s] %s"}
   */
  public Progress(String stamp) {
    this.stamp = stamp;
  }

  /** Prints one line (formatted with {@link Locale#ROOT}) and flushes. */
  public void print(String format, Object... args) {
    System.out.println(
        String.format(
            Locale.ROOT,
            stamp,
            (System.nanoTime() - started) / 1e9,
            String.format(Locale.ROOT, format, args)));
    System.out.flush();
  }
}
