package io.tributary.server.cli;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults from {@code TRIBUTARY_*} environment variables: an option given on the command line wins
 * over its variable, which wins over the built-in default.
 */
final class EnvDefaults implements IDefaultValueProvider {
  /** Option (longest name) to environment variable. */
  static final Map<String, String> VARIABLES =
      Map.of(
          "--port", "TRIBUTARY_PORT",
          "--bind", "TRIBUTARY_BIND",
          "--data-dir", "TRIBUTARY_DATA_DIR",
          "--kafka-bootstrap", "TRIBUTARY_KAFKA_BOOTSTRAP",
          "--partitions", "TRIBUTARY_PARTITIONS",
          "--url", "TRIBUTARY_URL",
          "--user", "TRIBUTARY_USER",
          "--password", "TRIBUTARY_PASSWORD",
          "--token", "TRIBUTARY_TOKEN");

  private final CliContext context;

  EnvDefaults(CliContext context) {
    this.context = context;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      String variable = VARIABLES.get(option.longestName());
      return variable == null ? null : context.env(variable);
    }
    return null;
  }
}
