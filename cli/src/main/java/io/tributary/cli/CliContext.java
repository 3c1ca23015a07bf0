package io.tributary.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * What a command reads and writes, passed in so that tests can capture it.
 *
 * @param interactive whether stdin and stdout are a terminal (the SQL shell, password prompts)
 */
record CliContext(
    InputStream in,
    PrintStream out,
    PrintStream err,
    Map<String, String> env,
    boolean interactive) {

  /** An environment variable, or null when unset or blank. */
  String env(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value;
  }
}
