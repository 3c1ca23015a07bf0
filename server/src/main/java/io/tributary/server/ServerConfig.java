package io.tributary.server;

import io.tributary.live.LiveConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of a server. Built by the command line from flags, environment variables ({@code
 * TRIBUTARY_*}) and defaults; see {@link #defaults()}.
 *
 * @param bind the address the API listens on; loopback by default
 * @param port the API port; 0 picks a free port (tests)
 * @param dataDir where the embedded broker, the state stores, the token key and the generated root
 *     password live
 * @param kafkaBootstrap an external Kafka cluster, or null for the embedded broker
 * @param partitions partitions of the write and change topics
 * @param rootPassword the password of {@code root} on first start; null generates one and writes it
 *     to {@code <dataDir>/root-password.txt} (owner-readable only)
 * @param tokenTtl how long a login token stays valid
 * @param durableWrites fsync each append on the embedded broker before acknowledging it
 * @param live limits and timings of live subscriptions
 * @param tls the certificate and key that make the API port HTTPS-only, or null for plaintext
 */
public record ServerConfig(
    String bind,
    int port,
    Path dataDir,
    String kafkaBootstrap,
    int partitions,
    String rootPassword,
    Duration tokenTtl,
    boolean durableWrites,
    LiveConfig live,
    TlsConfig tls) {

  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 7070;

  public static ServerConfig defaults() {
    return new ServerConfig(
        DEFAULT_BIND,
        DEFAULT_PORT,
        Path.of("data"),
        null,
        4,
        null,
        Duration.ofHours(24),
        true,
        LiveConfig.defaults(),
        null);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(
        bind,
        newPort,
        dataDir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        durableWrites,
        live,
        tls);
  }

  public ServerConfig withDataDir(Path dir) {
    return new ServerConfig(
        bind,
        port,
        dir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        durableWrites,
        live,
        tls);
  }

  public ServerConfig withRootPassword(String password) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        kafkaBootstrap,
        partitions,
        password,
        tokenTtl,
        durableWrites,
        live,
        tls);
  }

  public ServerConfig withBind(String address) {
    return new ServerConfig(
        address,
        port,
        dataDir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        durableWrites,
        live,
        tls);
  }

  public ServerConfig withKafkaBootstrap(String servers) {
    return new ServerConfig(
        bind, port, dataDir, servers, partitions, rootPassword, tokenTtl, durableWrites, live, tls);
  }

  /**
   * Whether the embedded broker fsyncs each append of the command topics ({@code durableWrites}).
   */
  public ServerConfig withDurableWrites(boolean fsyncEachAppend) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        fsyncEachAppend,
        live,
        tls);
  }

  public ServerConfig withLive(LiveConfig liveConfig) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        durableWrites,
        liveConfig,
        tls);
  }

  public ServerConfig withTls(TlsConfig tlsConfig) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        kafkaBootstrap,
        partitions,
        rootPassword,
        tokenTtl,
        durableWrites,
        live,
        tlsConfig);
  }

  /** The scheme of the API's URL: {@code https} with TLS, {@code http} without. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }
}
