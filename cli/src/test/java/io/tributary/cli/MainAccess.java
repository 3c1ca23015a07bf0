package io.tributary.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Map;

/** Runs the command line from tests of other packages, with no terminal and empty input. */
public final class MainAccess {
  private MainAccess() {}

  /** {@link Main#run} with {@code env}; returns the exit status. */
  public static int run(Map<String, String> env, String... args) {
    CliContext context =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(new ByteArrayOutputStream()),
            env,
            false);
    return Main.run(context, args);
  }
}
