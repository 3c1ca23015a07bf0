package io.tributary.cli;

import io.tributary.log.LogException;
import io.tributary.query.TributaryException;
import io.tributary.server.ServerConfig;
import io.tributary.server.TlsConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tributary start}: runs a server until the process is stopped. */
@Command(
    name = "start",
    description = "Starts a Tributary server and runs it until stopped (Ctrl-C, SIGTERM).",
    mixinStandardHelpOptions = true)
final class StartCommand implements Callable<Integer> {
  static final String ROOT_PASSWORD_VARIABLE = "TRIBUTARY_ROOT_PASSWORD";
  private static final Logger LOG = LoggerFactory.getLogger(StartCommand.class);

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "7070",
      description = "API port, 0 for any free port (env TRIBUTARY_PORT). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(
      names = "--bind",
      defaultValue = ServerConfig.DEFAULT_BIND,
      description = "Address to listen on (env TRIBUTARY_BIND). Default: ${DEFAULT-VALUE}")
  String bind;

  @Option(
      names = "--data-dir",
      defaultValue = "./data",
      description =
          "Where data, the token key and the root password live (env TRIBUTARY_DATA_DIR)."
              + " Default: ${DEFAULT-VALUE}")
  Path dataDir;

  @Option(
      names = "--kafka-bootstrap",
      paramLabel = "host:port",
      description =
          "An external Kafka cluster instead of the embedded broker"
              + " (env TRIBUTARY_KAFKA_BOOTSTRAP)")
  String kafkaBootstrap;

  @Option(
      names = "--partitions",
      defaultValue = "4",
      description =
          "Partitions of the write and change topics, on first start"
              + " (env TRIBUTARY_PARTITIONS). Default: ${DEFAULT-VALUE}")
  int partitions;

  @Option(
      names = "--tls-cert",
      paramLabel = "cert.pem",
      description =
          "PEM certificate chain: serve HTTPS only (gRPC over TLS and gRPC-Web), with --tls-key"
              + " (env TRIBUTARY_TLS_CERT)")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "key.pem",
      description = "PEM private key of --tls-cert, unencrypted (env TRIBUTARY_TLS_KEY)")
  Path tlsKey;

  private final CliContext context;

  StartCommand(CliContext context) {
    this.context = context;
  }

  /** The configuration the options and environment describe. */
  ServerConfig config() {
    if (port < 0 || port > 65535) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--port': " + port + " is not 0..65535");
    }
    if (partitions < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '--partitions': " + partitions + " is not at least 1");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid TLS options: --tls-cert and --tls-key (TRIBUTARY_TLS_CERT, TRIBUTARY_TLS_KEY)"
              + " go together; "
              + (tlsCert == null ? "--tls-key" : "--tls-cert")
              + " was given alone");
    }
    ServerConfig defaults = ServerConfig.defaults();
    return new ServerConfig(
        bind,
        port,
        dataDir,
        kafkaBootstrap == null || kafkaBootstrap.isBlank() ? null : kafkaBootstrap,
        partitions,
        context.env(ROOT_PASSWORD_VARIABLE),
        defaults.tokenTtl(),
        defaults.durableWrites(),
        defaults.live(),
        tlsCert == null ? null : new TlsConfig(tlsCert, tlsKey));
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerConfig config = config();
    TributaryServer server;
    try {
      server = TributaryServer.start(config);
    } catch (TributaryException | LogException e) {
      // An expected refusal with a complete "Cannot <action>: <reason>" message.
      LOG.error("{}", e.getMessage());
      LOG.debug("Start failure", e);
      return 1;
    } catch (RuntimeException e) {
      LOG.error("Cannot start Tributary: {}", e.getMessage(), e);
      return 1;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("Stopping Tributary");
                  server.close();
                  // log4j2.xml disables Log4j's own hook so that the lines above still get out.
                  LogManager.shutdown();
                },
                "tributary-shutdown"));
    server.awaitTermination();
    return 0;
  }
}
