package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.pg.NotifyRelay;
import io.tributary.live.LiveConfig;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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
 * closes it, or dies). A line {@value #COMPILE_TIME} on its input is answered with {@code
 * COMPILE_MS <n>}: this JVM's total JIT compile time, for a warm-up that waits for the server's
 * compiler ({@link ServerJvm#compileMillis()}).
 */
public final class ChatServerMain {
  static final String READY = "READY ";

  /**
   * A line on standard input asking for the JIT compiler's total time; answered by {@link
   * #COMPILE_MS}.
   */
  static final String COMPILE_TIME = "compile-time";

  /** The answer's prefix: {@code COMPILE_MS <milliseconds>}, -1 when the JVM does not tell. */
  static final String COMPILE_MS = "COMPILE_MS ";

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
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) { // end of input means stop
      if (line.equals(COMPILE_TIME)) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long millis =
            jit != null && jit.isCompilationTimeMonitoringSupported()
                ? jit.getTotalCompilationTime()
                : -1;
        System.out.println(COMPILE_MS + millis);
        System.out.flush();
      }
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
