package io.tributary.cli;

import java.io.PrintStream;
import java.util.Locale;

/** The output formats of {@code tributary sql --format}. */
enum Format {
  /** An aligned table with a header and a row count; status lines for writes and DDL. */
  TABLE,
  /** One JSON object per row and line; {@code {"rows_affected":N}}, {@code {"done":"..."}}. */
  JSON,
  /** RFC 4180: a header line, then one line per row. */
  CSV;

  ResultPrinter printer(PrintStream out, PrintStream err) {
    switch (this) {
      case TABLE:
        return new TablePrinter(out, err);
      case JSON:
        return new JsonPrinter(out, err);
      case CSV:
        return new CsvPrinter(out, err);
      default:
        throw new AssertionError(this);
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
