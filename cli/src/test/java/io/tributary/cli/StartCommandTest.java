package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.server.ServerConfig;
import io.tributary.server.TlsConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StartCommandTest {
  @Test
  void shouldUseDefaultsWithoutOptionsOrEnvironment() {
    ServerConfig config = parse(Map.of());

    ServerConfig defaults = ServerConfig.defaults();
    assertThat(config.bind()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(7070);
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.kafkaBootstrap()).isNull();
    assertThat(config.partitions()).isEqualTo(4);
    assertThat(config.rootPassword()).isNull();
    assertThat(config.tokenTtl()).isEqualTo(defaults.tokenTtl());
    assertThat(config.durableWrites()).isEqualTo(defaults.durableWrites());
    assertThat(config.live()).isEqualTo(defaults.live());
  }

  @Test
  void shouldReadEveryOptionFromTheEnvironment() {
    Map<String, String> env =
        Map.of(
            "TRIBUTARY_PORT", "9090",
            "TRIBUTARY_BIND", "0.0.0.0",
            "TRIBUTARY_DATA_DIR", "/var/lib/tributary",
            "TRIBUTARY_KAFKA_BOOTSTRAP", "kafka:9092",
            "TRIBUTARY_PARTITIONS", "12",
            "TRIBUTARY_ROOT_PASSWORD", "s3cret",
            "TRIBUTARY_TLS_CERT", "/etc/tributary/cert.pem",
            "TRIBUTARY_TLS_KEY", "/etc/tributary/key.pem");

    ServerConfig config = parse(env);

    assertThat(config)
        .isEqualTo(
            new ServerConfig(
                "0.0.0.0",
                9090,
                Path.of("/var/lib/tributary"),
                "kafka:9092",
                12,
                "s3cret",
                ServerConfig.defaults().tokenTtl(),
                ServerConfig.defaults().durableWrites(),
                ServerConfig.defaults().live(),
                new TlsConfig(
                    Path.of("/etc/tributary/cert.pem"), Path.of("/etc/tributary/key.pem"))));
  }

  @Test
  void shouldServePlaintextWithoutTlsOptions() {
    assertThat(parse(Map.of()).tls()).isNull();
    assertThat(parse(Map.of()).scheme()).isEqualTo("http");
  }

  @Test
  void shouldTakeTlsFilesFromOptions() {
    ServerConfig config = parse(Map.of(), "--tls-cert", "c.pem", "--tls-key", "k.pem");

    assertThat(config.tls()).isEqualTo(new TlsConfig(Path.of("c.pem"), Path.of("k.pem")));
    assertThat(config.scheme()).isEqualTo("https");
  }

  @Test
  void shouldRejectTlsCertificateWithoutKey() {
    assertThatThrownBy(() -> parse(Map.of(), "--tls-cert", "c.pem"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage(
            "Invalid TLS options: --tls-cert and --tls-key (TRIBUTARY_TLS_CERT, TRIBUTARY_TLS_KEY)"
                + " go together; --tls-cert was given alone");
  }

  @Test
  void shouldRejectTlsKeyWithoutCertificate() {
    assertThatThrownBy(() -> parse(Map.of("TRIBUTARY_TLS_KEY", "k.pem")))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageEndingWith("go together; --tls-key was given alone");
  }

  @Test
  void shouldPreferOptionsOverEnvironment() {
    Map<String, String> env = Map.of("TRIBUTARY_PORT", "9090", "TRIBUTARY_DATA_DIR", "/env");

    ServerConfig config = parse(env, "--port", "0", "--data-dir", "/flag", "--partitions", "2");

    assertThat(config.port()).isZero();
    assertThat(config.dataDir()).isEqualTo(Path.of("/flag"));
    assertThat(config.partitions()).isEqualTo(2);
  }

  @Test
  void shouldRejectPortOutOfRange() {
    assertThatThrownBy(() -> parse(Map.of(), "--port", "70000"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("Invalid value for option '--port': 70000 is not 0..65535");
  }

  @Test
  void shouldRejectNonNumericPortFromEnvironment() {
    assertThatThrownBy(() -> parse(Map.of("TRIBUTARY_PORT", "http")))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("Invalid value for option '--port': 'http' is not an int");
  }

  private static ServerConfig parse(Map<String, String> env, String... args) {
    CliContext context =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(new ByteArrayOutputStream()),
            env,
            false);
    StartCommand command = new StartCommand(context);
    CommandLine commandLine = new CommandLine(command);
    commandLine.setDefaultValueProvider(new EnvDefaults(context));
    commandLine.parseArgs(args);
    return command.config();
  }
}
