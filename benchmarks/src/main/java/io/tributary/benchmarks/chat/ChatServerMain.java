package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.pg.NotifyRelay;
import io.tributary.live.LiveConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;

/**
 * The chat benchmark's server JVM, so that the benchmark's clients run in another process:
 *
 * <ul>
 *   <li>{@code tributary <data dir> <root password> <fsync|pagecache> [unlimited]} runs a Tributary
 *       server (embedded broker) on an ephemeral port, with durable writes (fsync per append) or
 *       without (the page cache); {@code unlimited} lifts the per-user subscription limit and
 *       subscribe rate (the memory scenario subscribes a million times as one user);
 *   <li>{@code relay <jdbc url> <channel> <threads>} runs the PostgreSQL stack's relay ({@link
 *       NotifyRelay}: LISTEN, then route each notification to the streams of its conversation);
 *   <li>{@code ceiling} runs the raw gRPC ceiling ({@link ChatCeilingServer}).
 * </ul>
 *
 * Prints {@code READY <port>} once serving and stops when its standard input ends (the benchmark
 * closes it, or dies).
 */
public final class ChatServerMain {
  static final String READY = "READY ";

  private ChatServerMain() {}

  public static void main(String[] args) throws Exception {
    AutoCloseable server;
    int port;
    if (args.length >= 4 && args.length <= 5 && args[0].equals("tributary")) {
      TributaryServer s = TributaryServer.start(config(args));
      server = s;
      port = s.port();
    } else if (args.length == 4 && args[0].equals("relay")) {
      NotifyRelay relay = new NotifyRelay(args[1], args[2], Integer.parseInt(args[3]));
      server = relay;
      port = relay.port();
    } else if (args.length == 1 && args[0].equals("ceiling")) {
      ChatCeilingServer ceiling = new ChatCeilingServer();
      server = ceiling;
      port = ceiling.port();
    } else {
      System.err.println(
          "Usage: ChatServerMain tributary <data dir> <root password> <fsync|pagecache>"
              + " [unlimited] | relay <jdbc url> <channel> <threads> | ceiling");
      System.exit(2);
      return;
    }
    System.out.println(READY + port);
    System.out.flush();
    while (System.in.read() >= 0) {
      // the benchmark never writes; end of input means stop
    }
    server.close();
    System.exit(0); // the embedded broker leaves non-daemon threads behind for a while
  }

  private static ServerConfig config(String[] args) {
    ServerConfig d =
        ServerConfig.defaults().withDataDir(Path.of(args[1])).withPort(0).withRootPassword(args[2]);
    boolean durable =
        switch (args[3]) {
          case "fsync" -> true;
          case "pagecache" -> false;
          default ->
              throw new IllegalArgumentException(
                  "Cannot start: durability " + args[3] + " is not fsync or pagecache");
        };
    LiveConfig live = d.live();
    if (args.length == 5 && args[4].equals("unlimited")) {
      live =
          live.withLimits(live.maxSubscriptionsPerStream(), Integer.MAX_VALUE)
              .withSubscribeRate(1e9, 1_000_000_000);
    }
    return new ServerConfig(
        d.bind(),
        d.port(),
        d.dataDir(),
        d.kafkaBootstrap(),
        d.partitions(),
        d.rootPassword(),
        d.tokenTtl(),
        durable,
        live,
        d.tls());
  }
}
