package io.tributary.benchmarks.chat;

import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.nio.file.Path;

/**
 * The chat benchmark's server JVM: a Tributary server with default settings (embedded broker,
 * durable writes) on an ephemeral port, so that the benchmark's clients run in another process.
 * Arguments: the data directory and the root password. Prints {@code READY <port>} once serving and
 * stops when its standard input ends (the benchmark closes it, or dies).
 */
public final class ChatServerMain {
  static final String READY = "READY ";

  private ChatServerMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("Usage: ChatServerMain <data dir> <root password>");
      System.exit(2);
    }
    TributaryServer server =
        TributaryServer.start(
            ServerConfig.defaults()
                .withDataDir(Path.of(args[0]))
                .withPort(0)
                .withRootPassword(args[1]));
    System.out.println(READY + server.port());
    System.out.flush();
    while (System.in.read() >= 0) {
      // the benchmark never writes; end of input means stop
    }
    server.close();
    System.exit(0); // the embedded broker leaves non-daemon threads behind for a while
  }
}
