package io.tributary.cli;

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
      Map.ofEntries(
          Map.entry("--port", "TRIBUTARY_PORT"),
          Map.entry("--bind", "TRIBUTARY_BIND"),
          Map.entry("--data-dir", "TRIBUTARY_DATA_DIR"),
          Map.entry("--kafka-bootstrap", "TRIBUTARY_KAFKA_BOOTSTRAP"),
          Map.entry("--partitions", "TRIBUTARY_PARTITIONS"),
          Map.entry("--tls-cert", "TRIBUTARY_TLS_CERT"),
          Map.entry("--tls-key", "TRIBUTARY_TLS_KEY"),
          Map.entry("--url", "TRIBUTARY_URL"),
          Map.entry("--user", "TRIBUTARY_USER"),
          Map.entry("--password", "TRIBUTARY_PASSWORD"),
          Map.entry("--token", "TRIBUTARY_TOKEN"));

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
