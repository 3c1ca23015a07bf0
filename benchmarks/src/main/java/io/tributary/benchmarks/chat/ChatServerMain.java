package io.tributary.benchmarks.chat;

import io.tributary.benchmarks.pg.NotifyRelay;
import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;

/**
 * The chat benchmark's server JVM, so that the benchmark's clients run in another process: {@code
 * tributary <data dir> <root password>} runs a Tributary server with default settings (embedded
 * broker, durable writes) on an ephemeral port; {@code relay <jdbc url> <channel> <threads>} runs
 * the PostgreSQL stack's relay ({@link NotifyRelay}: LISTEN, then route each notification to the
 * streams of its conversation). Prints {@code READY <port>} once serving and stops when its
 * standard input ends (the benchmark closes it, or dies).
 */
public final class ChatServerMain {
  static final String READY = "READY ";

  private ChatServerMain() {}

  public static void main(String[] args) throws Exception {
    AutoCloseable server;
    int port;
    if (args.length == 3 && args[0].equals("tributary")) {
      TributaryServer s =
          TributaryServer.start(
              ServerConfig.defaults()
                  .withDataDir(Path.of(args[1]))
                  .withPort(0)
                  .withRootPassword(args[2]));
      server = s;
      port = s.port();
    } else if (args.length == 4 && args[0].equals("relay")) {
      NotifyRelay relay = new NotifyRelay(args[1], args[2], Integer.parseInt(args[3]));
      server = relay;
      port = relay.port();
    } else {
      System.err.println(
          "Usage: ChatServerMain tributary <data dir> <root password>"
              + " | relay <jdbc url> <channel> <threads>");
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
}
