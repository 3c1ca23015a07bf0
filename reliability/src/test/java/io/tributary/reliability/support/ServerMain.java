package io.tributary.reliability.support;

import io.tributary.server.ServerConfig;
import io.tributary.server.TributaryServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The child JVM of {@link ServerProcess}: starts a server on a data directory and an ephemeral
 * port, writes the bound port to a file once it serves (written to a temporary file and moved, so a
 * reader never sees half of it; a second line holds the log's bootstrap servers), then answers
 * commands on stdin: {@code HEAP} runs a full garbage collection and prints {@code @@HEAP <bytes
 * used>}, {@code STOP} closes the server and exits. End of stdin (the parent died) closes it too.
 *
 * <p>Arguments: the data directory, the port file, the root password.
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    Path portFile = Path.of(args[1]);
    TributaryServer server =
        TributaryServer.start(
            ServerConfig.defaults().withDataDir(dataDir).withPort(0).withRootPassword(args[2]));
    Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
    Files.writeString(
        tmp, server.port() + "\n" + server.logBootstrapServers() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.equals("HEAP")) {
          System.gc();
          long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          System.out.println("@@HEAP " + used);
          System.out.flush();
        } else if (line.equals("STOP")) {
          break;
        }
      }
    }
    server.close();
    System.exit(0);
  }
}
